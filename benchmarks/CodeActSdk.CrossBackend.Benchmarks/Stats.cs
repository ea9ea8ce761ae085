using System.Globalization;

namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>Medians and the invariant-culture formatting of the tables.</summary>
internal static class Stats
{
    /// <summary>The median of <paramref name="values"/>; NaN when there are none.</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Milliseconds with three significant digits or more, <c>n/a</c> when unknown.</summary>
    public static string Milliseconds(double ms) => ms switch
    {
        double.NaN => "n/a",
        < 10 => Invariant($"{ms:0.000}"),
        < 100 => Invariant($"{ms:0.00}"),
        < 1000 => Invariant($"{ms:0.0}"),
        _ => Invariant($"{ms:#,0}"),
    };

    /// <summary>
    /// <paramref name="ours"/> / <paramref name="peer"/> with two significant digits or more (<c>23×</c>, <c>1.47×</c>,
    /// <c>0.0033×</c>), <c>n/a</c> when either is unknown.
    /// </summary>
    public static string Ratio(double ours, double peer)
    {
        if (double.IsNaN(ours) || double.IsNaN(peer) || ours <= 0 || peer <= 0)
        {
            return "n/a";
        }

        var ratio = ours / peer;
        var decimals = ratio >= 10 ? 0 : ratio >= 0.1 ? 2 : 1 - (int)Math.Floor(Math.Log10(ratio));
        return ratio.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "×";
    }

    /// <summary>A number of bytes in KiB or MiB.</summary>
    public static string Bytes(double bytes) =>
        Math.Abs(bytes) >= 1024 * 1024 ? Invariant($"{bytes / (1024 * 1024):0.00} MiB") : Invariant($"{bytes / 1024:0.0} KiB");

    /// <summary>Formats with the invariant culture.</summary>
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
