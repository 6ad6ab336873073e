namespace CompiledNets.Generator.Model;

// Mirrors of the enums in CompiledNets.Attributes, with the same numeric values: the generator reads
// attribute arguments as numbers and never loads the attributes assembly.

internal enum ActivationKind { Linear, Sigmoid, Tanh, ReLU, Softmax, Step, LeakyReLU, ELU, GELU, SiLU }

internal enum LossKind { MeanSquaredError, BinaryCrossEntropy, CrossEntropy }

internal enum InitKind { Default, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LeCunNormal, Zeros }

internal enum OptimizerKind { Sgd, Adam, AdaGrad, RmsProp, AdamW }

internal enum PaddingKind { Valid, Same }

internal enum WeightPrecisionKind { Float32, BFloat16 }
