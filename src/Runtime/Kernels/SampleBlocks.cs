using System.ComponentModel;

namespace CompiledNets.Kernels;

/// <summary>
/// Runs a batch through a network's inference in fixed blocks of samples, the blocks shared across a pool: each block
/// goes through every layer on one thread, in buffers of that thread's own, so the cores synchronise once per batch
/// instead of once per layer, and a block's activations stay in that core's cache from one layer to the next. The block
/// boundaries depend only on the batch size, never on the thread count, so every sample is computed by the same code at
/// the same row of its block whatever the pool: results are bitwise identical for any number of threads. Across a pool,
/// each thread takes a stripe of consecutive blocks, then helps with the others' stripes, one block at a time, so a core
/// slowed by other work runs fewer; and a thread's next block is known while it computes this one.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed unsafe class SampleBlocks
{
    /// <summary>
    /// Inference of one block: <paramref name="rows"/> samples from <paramref name="inputs"/> into <paramref name="outputs"/>.
    /// <paramref name="ahead"/> holds the inputs of the block this thread is likely to run next, the next one of its stripe
    /// (empty when there is none),
    /// for the block to prefetch while it computes: a caller's batch is seldom in cache, and one core draws a sequential
    /// stream from memory at a fraction of the rate its products consume a block.
    /// </summary>
    public delegate void BlockInference(ReadOnlySpan<float> inputs, Span<float> outputs, int rows, ReadOnlySpan<float> ahead);

    private readonly BlockInference _block;
    private readonly Action<int> _job;
    private readonly int _inputSize, _outputSize;
    private readonly object _gate = new();

    // The batch being run, for the pool's threads: spans cannot cross threads, so the caller's are pinned for the call.
    private float* _inputs, _outputs;
    private int _batchSize, _blocks, _stripes;

    // Per stripe, its next unclaimed block, each a cache line apart so the threads' claims do not share a line.
    private const int CursorSpacing = 16;
    private int[] _cursors = [];

    /// <summary>Blocks of <paramref name="blockRows"/> samples of <paramref name="inputSize"/> features and <paramref name="outputSize"/> outputs.</summary>
    public SampleBlocks(BlockInference block, int inputSize, int outputSize, int blockRows)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockRows, 1);
        _block = block;
        _inputSize = inputSize;
        _outputSize = outputSize;
        BlockRows = blockRows;
        _job = RunStripe;
    }

    /// <summary>Samples per block (the last block of a batch may hold fewer).</summary>
    public int BlockRows { get; }

    /// <summary>
    /// Runs <paramref name="batchSize"/> samples, block by block: across <paramref name="pool"/> (a stripe of blocks per
    /// thread, then the others' blocks that are left) when there is one and more than one block, else on this thread.
    /// </summary>
    public void Run(WorkerPool? pool, ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if ((long)inputs.Length != (long)batchSize * _inputSize) throw new ArgumentException($"Expected {batchSize} samples × {_inputSize} features ({(long)batchSize * _inputSize} floats), got {inputs.Length}.", nameof(inputs));
        if ((long)outputs.Length != (long)batchSize * _outputSize) throw new ArgumentException($"Expected {batchSize} samples × {_outputSize} outputs ({(long)batchSize * _outputSize} floats), got {outputs.Length}.", nameof(outputs));
        int blocks = (int)(((long)batchSize + BlockRows - 1) / BlockRows);
        if (pool is null || pool.Threads == 1 || blocks < 2)
        {
            for (int block = 0; block < blocks; block++)
            {
                var (start, rows, aheadStart, aheadRows) = Extent(block, block + 1 < blocks ? block + 1 : -1, batchSize);
                _block(inputs.Slice((int)start * _inputSize, rows * _inputSize), outputs.Slice((int)start * _outputSize, rows * _outputSize), rows,
                    inputs.Slice((int)aheadStart * _inputSize, aheadRows * _inputSize));
            }
            return;
        }
        // One batch at a time per instance: the pinned spans live in fields while the pool runs.
        lock (_gate)
        {
            fixed (float* input = inputs, output = outputs)
            {
                _inputs = input;
                _outputs = output;
                _batchSize = batchSize;
                _blocks = blocks;
                _stripes = Math.Min(pool.Threads, blocks);
                if (_cursors.Length < _stripes * CursorSpacing) _cursors = new int[_stripes * CursorSpacing]; // once per pool size
                for (int stripe = 0; stripe < _stripes; stripe++) _cursors[stripe * CursorSpacing] = StripeStart(stripe);
                try
                {
                    pool.Run(_job, _stripes);
                }
                finally
                {
                    _inputs = null;
                    _outputs = null;
                }
            }
        }
    }

    /// <summary>The first block of <paramref name="stripe"/>: the blocks split as evenly as whole blocks allow.</summary>
    private int StripeStart(int stripe) => (int)((long)_blocks * stripe / _stripes);

    /// <summary>The blocks of one stripe, then those left in the others, each claimed from its stripe's cursor.</summary>
    private void RunStripe(int stripe)
    {
        for (int turn = 0; turn < _stripes; turn++)
        {
            int claimed = (stripe + turn) % _stripes, end = StripeStart(claimed + 1);
            int block;
            while ((block = Interlocked.Increment(ref _cursors[claimed * CursorSpacing]) - 1) < end)
                RunBlock(block, next: block + 1 < end ? block + 1 : -1);
        }
    }

    /// <summary>
    /// The first sample and the rows of <paramref name="block"/>, and those of <paramref name="next"/>, the block to
    /// prefetch (none, an empty extent at the batch's end, when it is -1).
    /// </summary>
    private (long Start, int Rows, long AheadStart, int AheadRows) Extent(int block, int next, int batchSize)
    {
        long start = (long)block * BlockRows, aheadStart = next < 0 ? batchSize : (long)next * BlockRows;
        return (start, (int)Math.Min(BlockRows, batchSize - start), aheadStart, (int)Math.Min(BlockRows, batchSize - aheadStart));
    }

    private void RunBlock(int block, int next)
    {
        var (start, rows, aheadStart, aheadRows) = Extent(block, next, _batchSize);
        _block(new ReadOnlySpan<float>(_inputs + start * _inputSize, rows * _inputSize),
            new Span<float>(_outputs + start * _outputSize, rows * _outputSize), rows,
            new ReadOnlySpan<float>(_inputs + aheadStart * _inputSize, aheadRows * _inputSize));
    }
}
