using System.Globalization;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>A set of timings in microseconds and their order statistics.</summary>
public sealed class Samples(IEnumerable<double> values)
{
    private readonly double[] _sorted = [.. values.Order()];

    public int Count => _sorted.Length;

    public double Median => Percentile(50);

    public double P95 => Percentile(95);

    public double Min => _sorted[0];

    public double Max => _sorted[^1];

    /// <summary>Nearest-rank percentile.</summary>
    public double Percentile(double p)
    {
        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }

    public string Describe(string unit = "µs") => string.Create(CultureInfo.InvariantCulture,
        $"median {Median,9:0.0} {unit}   p95 {P95,9:0.0} {unit}   min {Min,9:0.0} {unit}   max {Max,9:0.0} {unit}   (n = {Count})");
}
