using System.Text.Json;

namespace CodeActSdk.Jint.Tests;

public class ExecutionTests : JintTestBase
{
    [Test]
    public async Task Returns_the_value_of_the_last_expression_as_json()
    {
        var result = await RunAsync("var o = { a: 1, b: [true, null, 'x'], d: new Date(0) }; o");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetRawText().Should().Be("""{"a":1,"b":[true,null,"x"],"d":"1970-01-01T00:00:00.000Z"}""");
        result.Error.Should().BeNull();
    }

    [Test]
    public async Task Undefined_and_declarations_give_no_value()
    {
        (await RunAsync("var x = 1;")).Value.Should().BeNull();
        (await RunAsync("undefined")).Value.Should().BeNull();
        (await RunAsync("null")).Value!.Value.ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Test]
    public async Task Console_output_is_captured_in_order()
    {
        var result = await RunAsync("console.log('a', 1, {x: [1,2]}); console.error('b'); console.warn(undefined, null, NaN)");

        result.Stdout.Should().Be("a 1 {\"x\":[1,2]}\nb\nundefined null NaN\n");
    }

    [Test]
    public async Task Sessions_are_isolated_even_from_prototype_pollution()
    {
        await using var first = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await using var second = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await first.ExecuteAsync("var secret = 1; Object.prototype.polluted = 'yes'; Array.prototype.push = function () { return 'hijacked'; };");

        var result = await second.ExecuteAsync("[typeof secret, ({}).polluted === undefined, [].push(1)]");

        result.Value!.Value.GetRawText().Should().Be("""["undefined",true,1]""");
    }

    [Test]
    public async Task Runtime_errors_carry_kind_message_and_line()
    {
        var result = await RunAsync("var a = 1;\nvar b = 2;\nnull.foo;");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.TypeError);
        result.Error.Message.Should().Contain("null").And.Contain("foo");
        result.Error.Line.Should().Be(3);
    }

    [Test]
    public async Task Use_strict_at_the_top_applies_to_the_program()
    {
        var result = await RunAsync("'use strict';\nundeclared = 1;");

        result.Error.Should().BeEquivalentTo(new { Kind = ErrorKind.ReferenceError, Line = 2 });
    }

    [Test]
    public async Task Thrown_errors_keep_their_message()
    {
        var result = await RunAsync("\n\nthrow new RangeError('too big');");

        result.Error.Should().BeEquivalentTo(new { Kind = ErrorKind.RangeError, Message = "too big", Line = 3 });
    }

    [Test]
    public async Task A_thrown_non_error_value_is_reported_clearly()
    {
        var result = await RunAsync("throw { code: 42 };");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.Uncaught);
        result.Error.Message.Should().Contain("{\"code\":42}").And.Contain("new Error");
    }

    [Test]
    public async Task Syntax_errors_name_the_line()
    {
        var result = await RunAsync("var a = 1;\nvar = ;");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Line.Should().Be(2);
    }

    [Test]
    public async Task Modern_javascript_runs()
    {
        var result = await RunAsync("""
            class Order { #net; constructor(id, net) { this.id = id; this.#net = net; } get gross() { return this.#net * 1.2; } }
            const orders = [new Order(1, 10), new Order(2, 5)];
            const { id, ...rest } = { id: 7, a: 1, b: 2 };
            const byId = new Map(orders.map((o) => [o.id, o.gross]));
            `${id}:${Object.keys(rest)}:${[...byId.values()].reduce((a, b) => a + b, 0)}:${orders[5]?.id ?? 'none'}:${2n ** 64n}`
            """);

        Json(result).Should().Be("\"7:a,b:18:none:18446744073709551616\"");
    }

    [TestCase("const r = await Promise.resolve(1);", "Top-level await is not available")]
    [TestCase("import fs from 'fs';", "There are no modules in this sandbox")]
    [TestCase("const fs = require('fs'); fs +", "There are no modules in this sandbox")]
    public async Task Syntax_errors_a_model_commonly_makes_say_what_to_write_instead(string code, string hint)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain(hint);
    }

    [Test]
    public async Task A_cyclic_value_is_a_clear_error()
    {
        var result = await RunAsync("var a = { name: 'a' }; a.self = a; a");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.ValueError);
        result.Error.Message.Should().Contain("cyclic").And.Contain("$.self");
    }

    [Test]
    public async Task A_cyclic_final_answer_is_an_error_the_code_can_catch()
    {
        var result = await RunAsync("var a = []; a.push(a); try { final_answer(a); } catch (e) { console.log(e.name + ': ' + e.message); }");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Stdout.Should().Contain("TypeError: final_answer: The value is cyclic");
    }

    [Test]
    public async Task A_huge_value_is_truncated_with_a_note()
    {
        var result = await RunAsync("var a = []; for (var i = 0; i < 100000; i++) a.push(i); a", new SandboxOptions { MaxValueChars = 1000 });

        result.Status.Should().Be(ExecutionStatus.Completed);
        var items = result.Value!.Value.EnumerateArray().ToArray();
        items.Length.Should().BeLessThan(1000);
        items[^1].GetString().Should().StartWith("[truncated:");
        result.Stdout.Should().Contain("the value was truncated");
    }

    [Test]
    public async Task A_result_getter_that_throws_gives_a_clear_error()
    {
        var result = await RunAsync("var o = {}; Object.defineProperty(o, 'x', { enumerable: true, get: function () { throw new Error('getter failed'); } }); o");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().Be("getter failed");
    }

    [Test]
    public async Task Cancellation_before_start_is_reported()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());

        var result = await session.ExecuteAsync("1", new CancellationToken(canceled: true));

        result.Status.Should().Be(ExecutionStatus.Cancelled);
    }

    [Test]
    public async Task Cancellation_stops_a_running_loop()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMinutes(5), MaxOperations = long.MaxValue });
        using var cancellation = new CancellationTokenSource();
        var running = session.ExecuteAsync("while (true) { }", cancellation.Token);
        await Task.Delay(50);
        cancellation.Cancel();

        var result = await running;

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        (await session.ExecuteAsync("1 + 1")).Value!.Value.GetDouble().Should().Be(2);
    }

    [Test]
    public async Task A_disposed_session_refuses_to_run()
    {
        var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.DisposeAsync();

        var act = () => session.ExecuteAsync("1");

        await act.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task Invalid_options_are_rejected_with_the_option_named()
    {
        var act = async () => await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.Zero });

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("*SandboxOptions.Timeout*");
    }


    private static string Json(ExecutionResult result)
    {
        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        return result.Value!.Value.GetRawText();
    }
}
