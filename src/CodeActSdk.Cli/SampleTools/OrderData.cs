namespace CodeActSdk.Cli.SampleTools;

/// <summary>One sales order of the demo data set.</summary>
/// <param name="Id">The order number, 1001 to 1047.</param>
/// <param name="Region">North, South, East or West.</param>
/// <param name="Revenue">What the customer paid, in euros.</param>
/// <param name="Cost">What the order cost to fulfil, in euros.</param>
internal sealed record Order(int Id, string Region, decimal Revenue, decimal Cost);

/// <summary>
/// The demo's 47 orders. They come from a fixed-seed linear congruential generator written out here, so they are the
/// same on every run, machine and .NET version (unlike <see cref="Random"/>, whose sequence is not guaranteed).
/// </summary>
internal static class OrderData
{
    /// <summary>How many orders there are.</summary>
    public const int Count = 47;

    /// <summary>The regions, in the order the generator picks from.</summary>
    public static IReadOnlyList<string> Regions { get; } = ["North", "South", "East", "West"];

    /// <summary>All orders, by id.</summary>
    public static IReadOnlyList<Order> All { get; } = Generate();

    private static Order[] Generate()
    {
        var state = 20_251_121u;
        double Next()
        {
            state = unchecked((state * 1_664_525u) + 1_013_904_223u);
            return (state >> 8) / 16_777_216.0; // the top 24 bits, in [0, 1)
        }

        var orders = new Order[Count];
        for (var i = 0; i < Count; i++)
        {
            var region = Regions[(int)(Next() * Regions.Count)];
            var revenue = Math.Round((decimal)(150 + (Next() * 4850)), 2);
            var cost = Math.Round(revenue * (decimal)(0.45 + (Next() * 0.40)), 2);
            orders[i] = new Order(1001 + i, region, revenue, cost);
        }

        return orders;
    }
}
