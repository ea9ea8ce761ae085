using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.V8.Tests;

public class ExecutionTests : V8TestBase
{
    [Test]
    public async Task Returns_the_value_of_the_last_expression_as_json()
    {
        var result = await RunAsync("var o = { a: 1, b: [true, null, 'x'], d: new Date(0), n: NaN, f: function () { }, u: undefined }; o");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetRawText().Should().Be("""{"a":1,"b":[true,null,"x"],"d":"1970-01-01T00:00:00.000Z","n":null}""");
        result.Error.Should().BeNull();
    }

    [Test]
    public async Task Numbers_keep_javascripts_shortest_form()
    {
        var result = await RunAsync("[0.1 + 0.2, 1e21, -0, 2 ** 53, 1 / 3]");

        result.Value!.Value.GetRawText().Should().Be("[0.30000000000000004,1e+21,0,9007199254740992,0.3333333333333333]");
    }

    [Test]
    public async Task Strings_are_escaped_and_unicode_survives()
    {
        var result = await RunAsync("""["quote \" backslash \\ tab \t", "h\u00e9llo \ud83d\ude00", "lone \ud800 surrogate"]""");

        var items = result.Value!.Value.EnumerateArray().Select(e => e.GetString()).ToArray();
        items[0].Should().Be("quote \" backslash \\ tab \t");
        items[1].Should().Be("héllo 😀");
        items[2].Should().Be("lone \ufffd surrogate");
    }

    [Test]
    public async Task Undefined_functions_and_declarations_give_no_value()
    {
        (await RunAsync("var x = 1;")).Value.Should().BeNull();
        (await RunAsync("undefined")).Value.Should().BeNull();
        (await RunAsync("(function () { })")).Value.Should().BeNull();
        (await RunAsync("null")).Value!.Value.ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Test]
    public async Task Console_output_is_captured_in_order()
    {
        var result = await RunAsync("console.log('a', 1, {x: [1,2]}); console.error('b'); console.warn(undefined, null, NaN); console.info(new RangeError('r')); console.debug([1, 'two'])");

        result.Stdout.Should().Be("a 1 {\"x\":[1,2]}\nb\nundefined null NaN\nRangeError: r\n[1,\"two\"]\n");
    }

    [Test]
    public async Task Console_shows_what_json_cannot()
    {
        var result = await RunAsync("var a = { name: 'a' }; a.self = a; console.log(a, new Map([['k', 1]]), new Set([1, 2]), Symbol('s'), 10n, function f() { }, () => 1)");

        result.Stdout.Should().Be("{\"name\":\"a\",\"self\":\"[Circular]\"} Map(1) {\"k\" => 1} Set(2) {1, 2} Symbol(s) 10n [Function: f] [Function (anonymous)]\n");
    }

    [Test]
    public async Task Let_const_and_class_declarations_persist_too()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        (await session.ExecuteAsync("let count = 1; const base = 10; class Point { constructor(x) { this.x = x; } }")).Status.Should().Be(ExecutionStatus.Completed);

        var result = await session.ExecuteAsync("count += 1; [count, base, new Point(3).x, globalThis.answer = 5]");
        var later = await session.ExecuteAsync("answer");

        result.Value!.Value.GetRawText().Should().Be("[2,10,3,5]");
        later.Value!.Value.GetInt32().Should().Be(5);
    }

    [Test]
    public async Task Declaring_a_let_twice_says_to_assign_instead()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("let rows = [1];");

        var result = await session.ExecuteAsync("let rows = [2];");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain("'rows' has already been declared").And.Contain("Assign to it without the keyword");
    }

    [Test]
    public async Task Sessions_are_isolated_even_from_prototype_pollution()
    {
        await using var first = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await using var second = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await first.ExecuteAsync("var secret = 1; Object.prototype.polluted = 'yes'; Array.prototype.push = function () { return 'hijacked'; }; globalThis.shared = 1;");

        var result = await second.ExecuteAsync("[typeof secret, ({}).polluted === undefined, [].push(1), typeof shared]");

        result.Value!.Value.GetRawText().Should().Be("""["undefined",true,1,"undefined"]""");
    }

    [Test]
    public async Task Modern_javascript_works()
    {
        var result = await RunAsync("""
            const square = x => x ** 2;
            class Counter { #n = 0; inc() { return ++this.#n; } }
            const c = new Counter(); c.inc(); c.inc();
            const { a, ...rest } = { a: 1, b: 2, c: 3 };
            const [first, , third = 9] = [1, 2];
            const deep = { x: { y: null } };
            let total = 0;
            for (const v of [1, 2, 3]) total += v;
            const label = `total ${total}`;
            [square(4), c.inc(), a, rest, first, third, deep.x?.y?.z ?? 'none', label, [..."ab"], Object.entries({ k: 1 }), [1, [2, [3]]].flat(Infinity), 'abc'.at(-1)]
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""[16,3,1,{"b":2,"c":3},1,9,"none","total 6",["a","b"],[["k",1]],[1,2,3],"c"]""");
    }

    [Test]
    public async Task An_async_function_as_the_value_is_awaited()
    {
        var result = await RunAsync("""
            async function load() { const x = await Promise.resolve(20); return x + await 22; }
            (async () => { const v = await load(); console.log('got', v); return { v }; })()
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""{"v":42}""");
        result.Stdout.Should().Be("got 42\n");
    }

    [Test]
    public async Task Promise_jobs_run_before_the_execution_returns()
    {
        var result = await RunAsync("Promise.resolve().then(() => console.log('later')); console.log('now'); 1");

        result.Stdout.Should().Be("now\nlater\n");
    }

    [Test]
    public async Task A_rejected_promise_value_is_a_runtime_error()
    {
        var result = await RunAsync("(async () => {\n  throw new TypeError('async failure');\n})()");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error.Should().BeEquivalentTo(new { Kind = ErrorKind.TypeError, Message = "async failure", Line = 2 });
    }

    [Test]
    public async Task An_unhandled_rejection_is_reported()
    {
        var result = await RunAsync("Promise.reject(new Error('nobody caught me')); 1");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().StartWith("Unhandled promise rejection: nobody caught me");
    }

    [Test]
    public async Task Top_level_await_says_how_to_write_it()
    {
        var result = await RunAsync("const x = await Promise.resolve(1);");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain("(async () => { ... })()");
    }

    [Test]
    public async Task Final_answer_cannot_be_swallowed_by_a_catch()
    {
        var result = await RunAsync("try { final_answer(1); } catch (e) { console.log('caught'); } finally { console.log('finally'); } console.log('after'); while (true) { }");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer!.Value.GetDouble().Should().Be(1);
        result.Stdout.Should().BeEmpty();
    }

    [Test]
    public async Task Final_answer_inside_an_async_function_works()
    {
        var result = await RunAsync("(async () => { const v = await Promise.resolve('done'); final_answer(v); })()");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer!.Value.GetString().Should().Be("done");
    }

    [Test]
    public async Task Runtime_errors_carry_kind_message_and_line()
    {
        var result = await RunAsync("const a = 1;\nconst b = 2;\nnull.foo;");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.TypeError);
        result.Error.Message.Should().Contain("Cannot read properties of null");
        result.Error.Line.Should().Be(3);
        result.Error.Column.Should().Be(6);
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
    public async Task Custom_error_classes_keep_their_name()
    {
        var result = await RunAsync("class QuotaError extends Error { constructor(m) { super(m); this.name = 'QuotaError'; } }\nthrow new QuotaError('over quota');");

        result.Error.Should().BeEquivalentTo(new { Kind = new ErrorKind("QuotaError"), Message = "over quota", Line = 2 });
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
    public async Task Syntax_errors_name_the_line_and_run_nothing()
    {
        var result = await RunAsync("console.log('never');\nvar a = 1;\nvar = ;");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Kind.Should().Be(ErrorKind.SyntaxError);
        result.Error.Line.Should().Be(3);
        result.Stdout.Should().BeEmpty();
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
    public async Task A_huge_string_value_is_cut_with_a_note()
    {
        var result = await RunAsync("'x'.repeat(1e6)", new SandboxOptions { MaxValueChars = 1000 });

        var text = result.Value!.Value.GetString()!;
        text.Length.Should().BeLessThan(1100);
        text.Should().EndWith("[truncated: 999,000 more characters]");
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
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMinutes(5) });
        using var cancellation = new CancellationTokenSource();
        var running = session.ExecuteAsync("console.log('started'); while (true) { }", cancellation.Token);
        await Task.Delay(50);
        cancellation.Cancel();

        var result = await running;

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        result.Error!.Message.Should().Contain("cancelled by the host");
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

    [Test]
    public void Invalid_interpreter_options_are_rejected_with_the_option_named()
    {
        var act = () => new V8Interpreter(new V8InterpreterOptions { WarmIsolates = -1 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*V8InterpreterOptions.WarmIsolates*");
    }

    [Test]
    public async Task Many_sessions_run_in_parallel_from_many_threads_without_mixing_state()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
            await session.ExecuteAsync($"var me = {i}; let s = 0; for (let k = 0; k < 1000; k++) s += k;");
            return (await session.ExecuteAsync("me * 1000 + s % 7")).Value!.Value.GetDouble();
        })));

        results.Should().Equal(Enumerable.Range(0, 32).Select(i => i * 1000.0 + 499500 % 7));
    }

    [Test]
    public async Task One_session_serialises_concurrent_calls()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("var n = 0;");

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => session.ExecuteAsync("for (let i = 0; i < 1000; i++) n++;"))));

        (await session.ExecuteAsync("n")).Value!.Value.GetInt32().Should().Be(20_000);
    }

    [Test]
    public void The_language_is_described_for_the_prompt()
    {
        Interpreter.Language.Name.Should().Be("JavaScript");
        Interpreter.Language.Dialect.Should().Be("ECMAScript 2025 (V8 14.7)");
        Interpreter.Language.FenceTags.Should().Equal("javascript", "js");
        Interpreter.Language.Guidance.Should().Contain("final_answer(value)").And.Contain("without await");
        V8Interpreter.V8Version.Should().StartWith("14.7.");
    }

    [Test]
    public async Task The_interpreter_registers_with_dependency_injection()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b.UseV8(new V8InterpreterOptions { WarmIsolates = 0 }));
        await using var provider = services.BuildServiceProvider();

        var interpreter = provider.GetRequiredService<ICodeInterpreter>();

        interpreter.Should().BeOfType<V8Interpreter>();
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions());
        (await session.ExecuteAsync("6 * 7")).Value!.Value.GetInt32().Should().Be(42);
    }
}
