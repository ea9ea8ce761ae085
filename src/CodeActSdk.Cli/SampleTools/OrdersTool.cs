using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Cli.SampleTools;

/// <summary>The <c>orders</c> tool that <c>codeact run</c> bridges into the sandbox: the demo's sales data.</summary>
internal static class OrdersTool
{
    /// <summary>The tool's name as the sandboxed code calls it.</summary>
    public const string Name = "orders";

    /// <summary>Creates the tool.</summary>
    public static AIFunction Create() => AIFunctionFactory.Create(
        Orders,
        Name,
        $"Returns the company's sales orders ({OrderData.Count} in all) as an array of objects {{ id, region, revenue, cost }}; " +
        "revenue and cost are in euros. Pass a region to get only that region's orders.");

    private static IReadOnlyList<Order> Orders(
        [Description("Only the orders of this region: North, South, East or West. Omit it to get every order.")] string? region = null)
    {
        if (string.IsNullOrWhiteSpace(region))
        {
            return OrderData.All;
        }

        var match = OrderData.Regions.FirstOrDefault(r => string.Equals(r, region.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown region '{region}'; the regions are {string.Join(", ", OrderData.Regions)}.", nameof(region));
        return OrderData.All.Where(o => o.Region == match).ToList();
    }
}
