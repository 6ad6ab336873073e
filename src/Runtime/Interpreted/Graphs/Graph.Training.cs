using CompiledNets.Kernels;

namespace CompiledNets;

/// <summary>Training: the forward pass in declaration order, the loss, and the backward pass in reverse.</summary>
public sealed partial class Graph
{
    /// <inheritdoc/>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        EnsureBuilt();
        if (_inferenceOnly) throw Sequential.InferenceOnlyError();
        if (batchSize <= 0 || batchSize > _maxBatchSize)
            throw new ArgumentException($"The batch size is {batchSize}, but it must be between 1 and MaxBatchSize ({_maxBatchSize}); build the network with a larger maxBatchSize to train on larger batches.", nameof(batchSize));
        if (inputs.Length != batchSize * _inputSize) Sequential.ThrowLength(nameof(inputs), batchSize * _inputSize, inputs.Length, $"{batchSize} samples × {_inputSize} features");
        if (targets.Length != batchSize * _outputSize) Sequential.ThrowLength(nameof(targets), batchSize * _outputSize, targets.Length, $"{batchSize} samples × {_outputSize} outputs");

        if (_splitInputs) SplitInputs(inputs, batchSize);
        var layers = _layers;
        for (int n = 0; n < layers.Length; n++)
        {
            var sources = _sourceIds[n];
            if (layers[n] is MergeLayer merge)
            {
                var target = merge.TrainingTarget(batchSize);
                for (int k = 0; k < sources.Length; k++) merge.Combine(k, TrainingValue(sources[k], inputs, batchSize), target, batchSize);
                merge.FinishTraining(batchSize);
            }
            else
            {
                layers[n].Forward(TrainingValue(sources[0], inputs, batchSize), batchSize);
            }
        }
        _trainingRows = batchSize;

        // The loss writes d loss / d (output node's pre-activation): fused with softmax / sigmoid, else through the activation's derivative.
        var last = layers[^1];
        var lastDelta = _valueGradients[^1]!.AsSpan(0, batchSize * _outputSize);
        float loss = LossKernels.LossAndGradient(_loss!.Value, last.OutputActivation, last.OutputAlpha,
            last.Output(batchSize), last.PreActivation(TrainingValue(_sourceIds[^1][0], inputs, batchSize), batchSize), targets, lastDelta, batchSize, _outputSize);

        for (int n = layers.Length - 1; n >= 0; n--)
            if (_runsBackward[n]) Backward(n, inputs, batchSize);

        foreach (var (offset, length) in _deadGradients) _gradients.AsSpan(offset, length).Clear();
        // L2 weight decay on the weights, node by node as the generated network adds it.
        foreach (var layer in layers) loss += layer.AddL2Penalty(_weightDecay);
        return loss;
    }

    /// <summary>
    /// Node <paramref name="n"/>'s backward step: its gradient buffer holds d loss / d its output (the sum over its readers);
    /// it writes its parameter gradients and hands each source that needs one its share, written or added as planned.
    /// </summary>
    private void Backward(int n, ReadOnlySpan<float> inputs, int batch)
    {
        var layer = _layers[n];
        var sources = _sourceIds[n];
        var wants = _wantsGradient[n];
        var accumulates = _accumulates[n];
        var delta = _valueGradients[n]!.AsSpan(0, batch * layer.Outputs);
        bool isOutput = n == _layers.Length - 1;
        if (layer is MergeLayer merge)
        {
            if (!isOutput) merge.ActivationBackward(delta, batch);
            var values = new MergeSources(this, inputs, sources);
            for (int k = 0; k < sources.Length; k++)
                if (wants[k]) merge.BackwardSource(k, delta, SourceGradient(sources[k], batch), accumulates[k], values, batch);
            return;
        }

        var input = TrainingValue(sources[0], inputs, batch);
        if (layer.BackwardInPlace)
        {
            // d loss / d input replaces d loss / d output in the node's own buffer, then goes to the source.
            layer.Backward(input, delta, delta, batch, gradientIsPreActivation: isOutput);
            if (wants[0]) MergeLayer.Store(delta, SourceGradient(sources[0], batch), accumulates[0]);
        }
        else if (!wants[0])
        {
            layer.Backward(input, delta, Span<float>.Empty, batch, gradientIsPreActivation: isOutput);
        }
        else if (!accumulates[0])
        {
            layer.Backward(input, delta, SourceGradient(sources[0], batch), batch, gradientIsPreActivation: isOutput);
        }
        else
        {
            var scratch = _gradientScratch.AsSpan(0, batch * layer.Inputs);
            layer.Backward(input, delta, scratch, batch, gradientIsPreActivation: isOutput);
            MergeLayer.Store(scratch, SourceGradient(sources[0], batch), accumulate: true);
        }
    }

    /// <summary>The gradient buffer of node <paramref name="id"/> for <paramref name="batch"/> rows.</summary>
    private Span<float> SourceGradient(int id, int batch) => _valueGradients[id]!.AsSpan(0, batch * _layers[id].Outputs);

    /// <summary>A value of the last training forward pass: an input (the caller's rows, or its copied block) or a node's output.</summary>
    internal ReadOnlySpan<float> TrainingValue(int id, ReadOnlySpan<float> inputs, int batch)
    {
        if (id >= 0) return _layers[id].Output(batch);
        int size = _inputArray[~id].Shape.Size;
        return _splitInputs ? _inputCopies[~id].AsSpan(0, batch * size) : inputs[..(batch * size)];
    }

    /// <summary>Copies each input's block of every row into its own <c>[rows, size]</c> buffer.</summary>
    private void SplitInputs(ReadOnlySpan<float> rows, int batch)
    {
        for (int i = 0; i < _inputArray.Length; i++)
        {
            int size = _inputArray[i].Shape.Size, offset = _inputArray[i].Offset;
            MergeKernels.CopyColumns(rows, _inputSize, offset, _inputCopies[i].AsSpan(0, batch * size), size, 0, size, batch);
        }
    }
}
