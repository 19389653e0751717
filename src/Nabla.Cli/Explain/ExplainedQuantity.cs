namespace Nabla.Cli.Explain;

/// <summary>One quantity of a training step as the tutorials write it: its name (Z1, dW2), the equation, the values
/// in the tutorials' orientation (columns are samples, W is [units, inputs]), and the code that computed it.</summary>
/// <param name="Name">"A0", "Z1", "dW1", "W1 (updated)", "L".</param>
/// <param name="Equation">"Z1 = W1·A0 + b1".</param>
/// <param name="Rows">Rows of <paramref name="Values"/>.</param>
/// <param name="Columns">Columns of <paramref name="Values"/>.</param>
/// <param name="Values">Row-major values, in double.</param>
/// <param name="Code">"src/Nabla/Layers/Dense.cs:104 (Dense.Forward)".</param>
internal sealed record ExplainedQuantity(string Name, string Equation, int Rows, int Columns, double[] Values, string Code);
