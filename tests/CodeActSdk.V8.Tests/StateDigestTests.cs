using CodeActSdk.Tests.Shared;

namespace CodeActSdk.V8.Tests;

/// <summary>The shared JavaScript state-digest tests, plus what only modern JavaScript has: let/const/class, classes, proxies, Map and Set.</summary>
public class StateDigestTests : JavaScriptStateDigestTests
{
    protected override ICodeInterpreter CreateInterpreter()
    {
        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Assert.Fail("V8 is not available, so the V8 backend cannot be tested: " + reason);
        }

        return new V8Interpreter();
    }

    [Test]
    public async Task Variables_of_each_type_are_listed_in_declaration_order()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("var count = 3; let ratio = 0.5; const name = 'north'; var done = true;");
        await session.ExecuteAsync("""
            let nothing = null; var missing; const when = new Date(0); var pattern = /ab+c/gi; implicitGlobal = NaN;
            const big = 12345678901234567890n; const lookup = new Map([['a', 1]]); let tags = new Set(['x', 'y']);
            """);

        var digest = await session.DescribeVariablesAsync();

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
            new VariableSummary("big", "bigint", "12345678901234567890n"),
            new VariableSummary("lookup", "Map(1)", "Map(1) {\"a\" => 1}"),
            new VariableSummary("tags", "Set(2)", "Set(2) {\"x\", \"y\"}"),
        }, o => o.WithStrictOrdering());
    }

    [Test]
    public async Task Functions_show_their_signature_and_instances_their_class()
    {
        var digest = await DigestAfterAsync("""
            class Order { constructor(id, total) { this.id = id; this.total = total; } }
            function sum(items, key = 'total') { return 0; }
            const double = x => x * 2;
            let scale = async (value,
                               factor) => value * factor;
            var order = new Order(7, 9.5);
            const failure = new TypeError('bad input');
            """);

        digest["Order"].Should().Be(new VariableSummary("Order", "function", "class Order"));
        digest["sum"].Should().Be(new VariableSummary("sum", "function", "sum(items, key = 'total')"));
        digest["double"].Should().Be(new VariableSummary("double", "function", "double(x)"));
        digest["scale"].Should().Be(new VariableSummary("scale", "function", "scale(value, factor)"));
        digest["order"].Should().Be(new VariableSummary("order", "Order", """{"id":7,"total":9.5}"""));
        digest["failure"].Should().Be(new VariableSummary("failure", "TypeError", "TypeError: bad input"));
    }

    [Test]
    public async Task Built_ins_console_final_answer_tools_and_other_scopes_are_left_out()
    {
        var digest = await DigestAfterAsync("""
            const mine = add(1, 2);
            Math.extra = 1;
            console.log('x');
            function helper() { let inner = 1; return inner; }
            { let blockScoped = 2; }
            const obj = { property: 1 };
            """, new SandboxOptions { Tools = [CountedTool()] });

        digest.Keys.Should().Equal("mine", "helper", "obj");
    }

    [Test]
    public async Task Throwing_getters_proxies_and_cycles_do_not_break_the_digest()
    {
        var digest = await DigestAfterAsync("""
            const hostile = { get boom() { throw new RangeError('no peeking'); } };
            let cyclic = { name: 'root' }; cyclic.self = cyclic;
            const trap = new Proxy({}, { ownKeys() { throw new Error('trapped'); } });
            var after = 1;
            after;
            """);

        digest["hostile"].Type.Should().Be("object");
        digest["hostile"].Preview.Should().StartWith("(cannot be shown:").And.Contain("RangeError");
        digest["cyclic"].Preview.Should().Be("""{"name":"root","self":"[Circular]"}""");
        digest["trap"].Type.Should().Be("object");
        digest["trap"].Preview.Should().StartWith("(cannot be shown:");
        digest["after"].Preview.Should().Be("1");
    }

    [Test]
    public async Task Lexical_declarations_of_a_failed_step_are_reported_as_uninitialized()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("let ready = 1; const later = (() => { throw new Error('boom'); })(); let never = 2;");

        var digest = await session.DescribeVariablesAsync();

        digest.Select(v => (v.Name, v.Type)).Should().Equal(("ready", "number"), ("later", "uninitialized"), ("never", "uninitialized"));
    }

    [Test]
    public async Task Values_assigned_in_later_steps_are_seen()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("let counter = 1;");
        (await session.DescribeVariablesAsync()).Single().Preview.Should().Be("1");

        await session.ExecuteAsync("counter = 'changed'; const second = [counter];");
        var digest = await session.DescribeVariablesAsync();

        digest.Should().Equal(new VariableSummary("counter", "string", "\"changed\""), new VariableSummary("second", "Array(1)", """["changed"]"""));
    }
}
