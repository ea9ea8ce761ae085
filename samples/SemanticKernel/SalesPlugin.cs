using System.ComponentModel;
using Microsoft.SemanticKernel;

/// <summary>A Semantic Kernel plugin as an application already has them; the sandboxed code calls it as Sales_regions() and Sales_units(...).</summary>
public sealed class SalesPlugin
{
    private static readonly Dictionary<string, int[]> UnitsByRegion = new()
    {
        ["North"] = [120, 135, 150, 160, 171, 181, 140, 172, 200, 210, 190, 230],
        ["South"] = [90, 95, 99, 120, 131, 140, 180, 190, 175, 150, 140, 160],
        ["West"] = [60, 66, 70, 72, 80, 91, 101, 111, 121, 130, 128, 140],
    };

    [KernelFunction("regions")]
    [Description("The sales regions.")]
    public string[] Regions() => [.. UnitsByRegion.Keys];

    [KernelFunction("units")]
    [Description("Units sold in a region, one number per month of the quarter.")]
    [return: Description("Three numbers: the units of the quarter's first, second and third month.")]
    public int[] Units(
        [Description("The region, one of regions()")] string region,
        [Description("The quarter: Q1, Q2, Q3 or Q4")] string quarter)
    {
        if (!UnitsByRegion.TryGetValue(region, out var months))
        {
            throw new ArgumentException($"There is no region '{region}'; the regions are {string.Join(", ", UnitsByRegion.Keys)}.", nameof(region));
        }

        var index = Array.IndexOf(["Q1", "Q2", "Q3", "Q4"], quarter.ToUpperInvariant());
        return index < 0
            ? throw new ArgumentException($"'{quarter}' is not a quarter; use Q1, Q2, Q3 or Q4.", nameof(quarter))
            : months[(index * 3)..(index * 3 + 3)];
    }
}
