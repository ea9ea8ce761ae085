using System.Globalization;
using BenchmarkDotNet.Reports;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>Prints the figures that are differences of measured medians, so that nobody has to do the arithmetic by hand.</summary>
public static class DerivedFigures
{
    public static void Print(IEnumerable<Summary> summaries)
    {
        var medians = summaries
            .SelectMany(s => s.Reports)
            .Where(r => r.ResultStatistics is not null)
            // With a job added on the command line (e.g. --job dry) a benchmark has one report per job: keep the first.
            .GroupBy(r => $"{r.BenchmarkCase.Descriptor.Type.Name}.{r.BenchmarkCase.Descriptor.WorkloadMethod.Name}")
            .ToDictionary(g => g.Key, g => g.First().ResultStatistics!.Median / 1000.0); // ns -> µs

        double? Get(string name) => medians.TryGetValue(name, out var value) ? value : null;

        var a = Get("ToolBridgeBenchmarks.ToolCall");
        var b = Get("ToolBridgeBenchmarks.NoToolCall");
        var c = Get("ToolBridgeBenchmarks.DirectCall");
        var a100 = Get("ToolBridgeBenchmarks.ToolCallLoop");
        var b100 = Get("ToolBridgeBenchmarks.NoToolCallLoop");
        if (a is null && a100 is null)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("// * Derived figures (from the medians above, µs) *");
        if (a is { } va && b is { } vb && c is { } vc)
        {
            Console.WriteLine(Format($"Bridge, one call per execution:   A - B = {va - vb:0.00}   (A - B) - C = {va - vb - vc:0.00}   (C = {vc:0.000})"));
        }

        if (a100 is { } va100 && b100 is { } vb100 && c is { } vc2)
        {
            var perCall = (va100 - vb100) / 100;
            Console.WriteLine(Format($"Bridge, 100 calls per execution:  (A100 - B100) / 100 = {perCall:0.00}   minus C = {perCall - vc2:0.00}"));
        }
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
