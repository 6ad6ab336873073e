using System.Text;
using SignLanguageSample;

// The lecture notes' exercise: Kaggle's Sign Language MNIST with the Functional model, compiled.
//   dotnet run -c Release --project samples/SignLanguage -- --train sign_mnist_train.csv --test sign_mnist_test.csv --plot plots

Console.OutputEncoding = Encoding.UTF8;
return SignLanguageCommand.Invoke(args, Console.Out, Console.Error);
