using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Jint.Tests;

/// <summary>The shared JavaScript state-digest tests, plus what Jint 4 shows of its own types.</summary>
public class StateDigestTests : JavaScriptStateDigestTests
{
    protected override ICodeInterpreter CreateInterpreter() => new JintInterpreter();

    [Test]
    public async Task Variables_of_each_type_are_listed_in_declaration_order()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("var count = 3; var ratio = 0.5; var name = 'north'; var done = true;");
        await session.ExecuteAsync("var nothing = null; var missing; var when = new Date(0); var pattern = /ab+c/gi; implicitGlobal = NaN;");

        var digest = await session.DescribeVariablesAsync();

        digest.Select(v => v.Name).Should().Equal("count", "ratio", "name", "done", "nothing", "missing", "when", "pattern", "implicitGlobal");
        digest.Should().BeEquivalentTo(new[]
        {
            new VariableSummary("count", "number", "3"),
            new VariableSummary("ratio", "number", "0.5"),
            new VariableSummary("name", "string", "\"north\""),
            new VariableSummary("done", "boolean", "true"),
            new VariableSummary("nothing", "null", "null"),
            new VariableSummary("missing", "undefined", "undefined"),
            new VariableSummary("when", "Date", "1970-01-01T00:00:00.000Z"),
            new VariableSummary("pattern", "RegExp", "/ab+c/gi"),
            new VariableSummary("implicitGlobal", "number", "NaN"),
        }, o => o.WithStrictOrdering());
    }

    [Test]
    public async Task Functions_show_their_signature_and_instances_their_constructor()
    {
        var digest = await DigestAfterAsync("""
            function Order(id, total) { this.id = id; this.total = total; }
            var sum = function (items, key) { return 0; };
            var order = new Order(7, 9.5);
            var failure = new TypeError('bad input');
            """);

        digest["Order"].Should().Be(new VariableSummary("Order", "function", "Order(id, total)"));
        digest["sum"].Should().Be(new VariableSummary("sum", "function", "sum(items, key)"));
        digest["order"].Should().Be(new VariableSummary("order", "Order", """{"id":7,"total":9.5}"""));
        digest["failure"].Should().Be(new VariableSummary("failure", "TypeError", "TypeError: bad input"));
    }
}
