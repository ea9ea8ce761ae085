using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Shared;

/// <summary>
/// The state-digest behaviour every JavaScript backend must show, written once.
/// Each backend's test project links this file and runs it against its own interpreter by overriding
/// <see cref="JavaScriptBackendTest.CreateInterpreter"/>; what only one engine has (types, lexical declarations) stays in its own tests.
/// </summary>
public abstract class JavaScriptStateDigestTests : JavaScriptBackendTest
{
    private int _toolCalls;

    protected AIFunction CountedTool() => AIFunctionFactory.Create((int a, int b) =>
    {
        Interlocked.Increment(ref _toolCalls);
        return a + b;
    }, "add");

    protected async Task<Dictionary<string, VariableSummary>> DigestAfterAsync(string code, SandboxOptions? options = null)
    {
        await using var session = await Interpreter.CreateSessionAsync(options ?? new SandboxOptions());
        var result = await session.ExecuteAsync(code);
        result.Error.Should().BeNull();
        return (await session.DescribeVariablesAsync()).ToDictionary(v => v.Name);
    }

    [Test]
    public async Task Arrays_show_their_length_and_first_items()
    {
        var digest = await DigestAfterAsync("var empty = []; var small = [1, 'two', { three: 3 }, [4]]; var huge = new Array(1e9); var many = []; for (var i = 0; i < 1000; i++) many.push(i);");

        digest["empty"].Should().Be(new VariableSummary("empty", "Array(0)", "[]"));
        digest["small"].Should().Be(new VariableSummary("small", "Array(4)", """[1,"two",{"three":3},[4]]"""));
        digest["huge"].Type.Should().Be("Array(1000000000)");
        digest["huge"].Preview.Should().StartWith("[null,null").And.EndWith("…").And.HaveLength(VariableSummary.MaxPreviewChars);
        digest["many"].Type.Should().Be("Array(1000)");
        digest["many"].Preview.Should().StartWith("[0,1,2,3").And.EndWith("…").And.HaveLength(VariableSummary.MaxPreviewChars);
    }

    [Test]
    public async Task Long_values_are_cut_at_the_preview_limit()
    {
        var digest = await DigestAfterAsync("var text = new Array(501).join('x'); var wide = {}; for (var i = 0; i < 100; i++) wide['key' + i] = i;");

        digest["text"].Preview.Should().Be("\"" + new string('x', VariableSummary.MaxPreviewChars - 2) + "…");
        digest["wide"].Type.Should().Be("object");
        digest["wide"].Preview.Should().StartWith("{\"key0\":0,\"key1\":1").And.EndWith("…").And.HaveLength(VariableSummary.MaxPreviewChars);
    }

    [Test]
    public async Task Built_ins_console_final_answer_and_tools_are_left_out()
    {
        var digest = await DigestAfterAsync("var mine = add(1, 2); Math.extra = 1; console.log('x');", new SandboxOptions { Tools = [CountedTool()] });

        digest.Keys.Should().Equal("mine");
    }

    [Test]
    public async Task Throwing_getters_and_cycles_do_not_break_the_digest()
    {
        var digest = await DigestAfterAsync("""
            var hostile = {};
            Object.defineProperty(hostile, 'boom', { enumerable: true, get: function () { throw new RangeError('no peeking'); } });
            var cyclic = { name: 'root' }; cyclic.self = cyclic;
            var after = 1; after;
            """);

        digest["hostile"].Type.Should().Be("object");
        digest["hostile"].Preview.Should().StartWith("(cannot be shown:").And.Contain("RangeError");
        digest["cyclic"].Preview.Should().Be("""{"name":"root","self":"[Circular]"}""");
        digest["after"].Preview.Should().Be("1");
    }

    [Test]
    public async Task A_getter_that_loops_is_stopped_and_the_session_keeps_working()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("var trap = {}; Object.defineProperty(trap, 'x', { enumerable: true, get: function () { while (true) { } } }); var after = 41;");

        var digest = (await session.DescribeVariablesAsync()).ToDictionary(v => v.Name);

        digest["trap"].Preview.Should().StartWith("(cannot be shown:");
        digest["after"].Preview.Should().Be("41");
        (await session.ExecuteAsync("after + 1")).Value!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task The_digest_is_not_an_execution()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Tools = [CountedTool()] });
        await session.ExecuteAsync("""
            var noisy = {};
            Object.defineProperty(noisy, 'a', { enumerable: true, get: function () { console.log('from the getter'); return add(1, 2); } });
            """);
        var before = _toolCalls;

        var digest = (await session.DescribeVariablesAsync()).ToDictionary(v => v.Name);
        var next = await session.ExecuteAsync("1");

        digest["noisy"].Preview.Should().StartWith("(cannot be shown:").And.Contain("add cannot be called");
        _toolCalls.Should().Be(before);
        next.Stdout.Should().BeEmpty();
        next.ToolCalls.Should().BeEmpty();
    }

    [Test]
    public async Task The_digest_works_after_a_timeout()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        await session.ExecuteAsync("var kept = 'yes';");
        var timedOut = await session.ExecuteAsync("var partial = 1; while (true) { }");

        var digest = await session.DescribeVariablesAsync();

        timedOut.Status.Should().Be(ExecutionStatus.Timeout);
        digest.Should().Equal(new VariableSummary("kept", "string", "\"yes\""), new VariableSummary("partial", "number", "1"));
    }
}
