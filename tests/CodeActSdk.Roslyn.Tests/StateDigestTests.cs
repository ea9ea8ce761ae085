namespace CodeActSdk.Roslyn.Tests;

/// <summary>The state digest lists what the session carries over, with C# types and short previews.</summary>
public class StateDigestTests : RoslynTestBase
{
    [Test]
    public async Task Variables_and_methods_are_listed_with_their_types_and_previews()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("""
            record Order(int Id, double Total);
            var count = 3;
            var name = "north";
            var orders = new List<Order> { new(1, 9.5), new(2, 20) };
            var lazy = orders.Where(o => o.Total > 10);
            var text = new string('x', 500);
            double Sum(IEnumerable<Order> items) => items.Sum(o => o.Total);
            """);

        var digest = (await session.DescribeVariablesAsync()).ToDictionary(v => v.Name);

        digest["count"].Should().Be(new VariableSummary("count", "int", "3"));
        digest["name"].Should().Be(new VariableSummary("name", "string", "\"north\""));
        digest["orders"].Type.Should().Be("List<Order>");
        digest["orders"].Preview.Should().StartWith("Count = 2 [").And.Contain("\"Total\":9.5");
        digest["lazy"].Preview.Should().Contain("lazy sequence");
        digest["text"].Preview.Should().HaveLength(VariableSummary.MaxPreviewChars).And.EndWith("…");
        digest["Sum"].Should().Be(new VariableSummary("Sum", "method", "Sum(IEnumerable<Order>)"));
    }

    [Test]
    public async Task A_getter_that_loops_cannot_hang_the_digest()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("class Trap { public int Value { get { while (true) { } } } } var trap = new Trap(); var after = 1;");

        var digest = (await session.DescribeVariablesAsync()).ToDictionary(v => v.Name);

        digest["trap"].Preview.Should().Contain("cannot be shown");
        (await session.ExecuteAsync("after + 1")).Value!.Value.GetInt32().Should().Be(2);
    }
}
