using Nabla.Data;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>The L2 penalty α means scikit-learn's alpha: a linear model trained to convergence with it reaches the
/// ridge solution for the same α (scikit-learn's <c>MLPRegressor(hidden_layer_sizes=(), alpha=a)</c> reaches
/// <c>Ridge(alpha=a)</c>; checked by hand with scikit-learn 1.2).</summary>
public sealed class L2PenaltyTests
{
    [Theory]
    [InlineData(20.0)]
    [InlineData(60.0)]
    public void Linear_regression_with_l2_converges_to_ridge_with_the_same_alpha(double alpha)
    {
        const int n = 200, d = 3;
        var random = new Random(0);
        var x = new float[n, d];
        var y = new float[n, 1];
        double[] truth = [2, -1, 0.5];
        for (int i = 0; i < n; i++)
        {
            double target = 1.5;
            for (int j = 0; j < d; j++)
            {
                x[i, j] = (float)(random.NextDouble() * 2 - 1);
                target += truth[j] * x[i, j];
            }

            y[i, 0] = (float)(target + 0.3 * (random.NextDouble() - 0.5));
        }

        double[] ridge = Ridge(x, y, alpha);
        var model = new Sequential(d).Add(new Dense(1));
        model.Initialize(seed: 1);
        var loss = new MeanSquaredError();
        Trainer.Fit(model, loss, new GradientDescent(model.Parameters, 0.2f), Dataset.FromArrays(x, y),
            new TrainingOptions { Epochs = 4000, BatchSize = 0, L2 = (float)alpha });
        float[] w = ((Dense)model.Layers[0]).Weight.Value;
        for (int j = 0; j < d; j++)
        {
            Assert.True(Math.Abs(w[j] - ridge[j]) < 2e-4, $"w[{j}] = {w[j]}, ridge(alpha={alpha}) gives {ridge[j]}");
        }

        // The same α with scikit-learn's halved squared loss would land on Ridge(α/2), which is measurably elsewhere.
        double[] half = Ridge(x, y, alpha / 2);
        Assert.True(Enumerable.Range(0, d).Max(j => Math.Abs(half[j] - ridge[j])) > 1e-2);
    }

    /// <summary>argmin Σ(y − Xw − b)² + α‖w‖² (intercept not penalized, as scikit-learn's Ridge): w from the centered
    /// normal equations (XcᵀXc + αI)w = Xcᵀyc, solved in double.</summary>
    private static double[] Ridge(float[,] x, float[,] y, double alpha)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        double[] mean = Enumerable.Range(0, d).Select(j => Enumerable.Range(0, n).Average(i => (double)x[i, j])).ToArray();
        double yMean = Enumerable.Range(0, n).Average(i => (double)y[i, 0]);
        var a = new double[d, d + 1];
        for (int r = 0; r < d; r++)
        {
            for (int c = 0; c < d; c++)
            {
                a[r, c] = Enumerable.Range(0, n).Sum(i => (x[i, r] - mean[r]) * (x[i, c] - mean[c])) + (r == c ? alpha : 0);
            }

            a[r, d] = Enumerable.Range(0, n).Sum(i => (x[i, r] - mean[r]) * (y[i, 0] - yMean));
        }

        // Gauss-Jordan elimination (the matrix is symmetric positive definite: no pivoting needed).
        for (int p = 0; p < d; p++)
        {
            for (int r = 0; r < d; r++)
            {
                if (r != p)
                {
                    double f = a[r, p] / a[p, p];
                    for (int c = p; c <= d; c++)
                    {
                        a[r, c] -= f * a[p, c];
                    }
                }
            }
        }

        return Enumerable.Range(0, d).Select(j => a[j, d] / a[j, j]).ToArray();
    }
}
