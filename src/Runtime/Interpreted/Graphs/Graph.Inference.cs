using System.Runtime.CompilerServices;
using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>Inference: the live nodes in declaration order, each value in its slot of an arena (see <see cref="PlanInference"/>).</summary>
public sealed partial class Graph
{
    /// <summary>Predict keeps the values of one sample on the stack up to this many floats (else a per-thread buffer).</summary>
    private const int StackScratchLimit = 8192;

    /// <inheritdoc/>
    [SkipLocalsInit]
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        EnsureBuilt();
        if (input.Length != _inputSize) Sequential.ThrowLength(nameof(input), _inputSize, input.Length, "one sample of InputSize features");
        if (output.Length != _outputSize) Sequential.ThrowLength(nameof(output), _outputSize, output.Length, "OutputSize values");
        // Thread-safe: the values live on this call's stack (or this thread's buffer for very wide networks).
        int length = _arenaRow + _inferenceScratch;
        Span<float> scratch = length <= StackScratchLimit ? stackalloc float[length] : Sequential.ThreadScratch(length);
        Infer(input, output, 1, scratch[.._arenaRow], 1, scratch[_arenaRow..]);
    }

    /// <inheritdoc/>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        EnsureBuilt();
        if (batchSize < 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must not be negative.");
        if (inputs.Length != batchSize * _inputSize) Sequential.ThrowLength(nameof(inputs), batchSize * _inputSize, inputs.Length, $"{batchSize} samples × {_inputSize} features");
        if (outputs.Length != batchSize * _outputSize) Sequential.ThrowLength(nameof(outputs), batchSize * _outputSize, outputs.Length, $"{batchSize} samples × {_outputSize} outputs");
        for (int start = 0; start < batchSize; start += _maxBatchSize)
        {
            int rows = Math.Min(_maxBatchSize, batchSize - start);
            Infer(inputs.Slice(start * _inputSize, rows * _inputSize), outputs.Slice(start * _outputSize, rows * _outputSize),
                rows, _inferArena, _maxBatchSize, _inferScratch);
        }
    }

    /// <summary>
    /// Runs <paramref name="rows"/> samples; value slots start at <c>offset · capacity</c> in <paramref name="arena"/>.
    /// Reads only parameters and buffers, so it is thread-safe given its own arena and scratch.
    /// </summary>
    private void Infer(ReadOnlySpan<float> inputs, Span<float> outputs, int rows, Span<float> arena, int capacity, Span<float> scratch)
    {
        // One row holds several inputs side by side; for more rows each input's block is gathered into its slot.
        if (_splitInputs && rows > 1)
        {
            for (int i = 0; i < _inputArray.Length; i++)
            {
                int size = _inputArray[i].Shape.Size, offset = _inputArray[i].Offset;
                MergeKernels.CopyColumns(inputs, _inputSize, offset, arena.Slice(_inputArenaOffset[i] * capacity, rows * size), size, 0, size, rows);
            }
        }
        var layers = _layers;
        for (int n = 0; n < layers.Length; n++)
        {
            if (_arenaOffset[n] < 0 && n != layers.Length - 1) continue; // dead, or the identity at inference
            var layer = layers[n];
            var sources = _sourceIds[n];
            Span<float> destination = n == layers.Length - 1 ? outputs : arena.Slice(_arenaOffset[n] * capacity, rows * layer.Outputs);
            if (layer is MergeLayer merge)
            {
                for (int k = 0; k < sources.Length; k++) merge.Combine(k, InferenceValue(sources[k], inputs, arena, capacity, rows), destination, rows);
                merge.Finish(destination, rows);
            }
            else
            {
                layer.Infer(InferenceValue(sources[0], inputs, arena, capacity, rows), destination, rows, scratch);
            }
        }
    }

    /// <summary>Where value <paramref name="id"/> is during inference: an input's block or copy, or a node's slot.</summary>
    private ReadOnlySpan<float> InferenceValue(int id, ReadOnlySpan<float> inputs, Span<float> arena, int capacity, int rows)
    {
        if (id >= 0) id = _inferValue[id];
        if (id >= 0) return arena.Slice(_arenaOffset[id] * capacity, rows * _layers[id].Outputs);
        var input = _inputArray[~id];
        if (!_splitInputs) return inputs;
        return rows == 1
            ? inputs.Slice(input.Offset, input.Shape.Size)
            : arena.Slice(_inputArenaOffset[~id] * capacity, rows * input.Shape.Size);
    }
}
