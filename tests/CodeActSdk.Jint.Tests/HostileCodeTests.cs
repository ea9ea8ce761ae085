namespace CodeActSdk.Jint.Tests;

/// <summary>Code that tries to hang, exhaust or escape the sandbox: each ends with a clear status and the host keeps working.</summary>
public class HostileCodeTests : JintTestBase
{
    private static readonly SandboxOptions Short = new() { Timeout = TimeSpan.FromMilliseconds(300), MaxOperations = long.MaxValue };

    [TearDown]
    public async Task The_next_session_still_works()
    {
        (await RunAsync("1 + 1")).Value!.Value.GetDouble().Should().Be(2);
    }

    [TestCase("while (true) { }")]
    [TestCase("for (;;) { }")]
    [TestCase("do { } while (true);")]
    [TestCase("while (true);")]
    [TestCase("for (var k in { a: 1 }) { while (true) { } }")]
    [TestCase("outer: while (true) { continue outer; }")]
    [TestCase("while (true) { try { while (true) { } } catch (e) { } }")]
    [TestCase("while (true) { try { throw new Error('x'); } catch (e) { } finally { } }")]
    [TestCase("try { while (true) { } } finally { while (true) { } }")]
    [TestCase("function f() { try { for (;;) { } } catch (e) { f(); } } f();")]
    [TestCase("[3, 1, 2].sort(function (a, b) { while (true) { } });")]
    [TestCase("'abc'.replace(/b/, function () { for (;;) { } });")]
    [TestCase("[1, 2].map(function () { for (;;) { } });")]
    [TestCase("var o = { get x() { while (true) { } } }; o.x;")]
    [TestCase("var o = { toString: function () { while (true) { } } }; '' + o;")]
    [TestCase("try { throw 1; } catch (e) { while (true) { } }")]
    [TestCase("var s = new Array(34).join('a') + '!'; /(a+)+b/.exec(s);")]
    [TestCase("var s = new Array(34).join('a') + '!'; s.match('(a+)+b');")]
    [TestCase("var s = new Array(34).join('a') + '!'; s.search(new RegExp('(a+)+b'));")]
    [TestCase("var s = new Array(34).join('a') + '!'; s.replace(/(a+)+b/g, 'x');")]
    [TestCase("var s = new Array(34).join('a') + '!'; s.split(/(a+)+b/);")]
    [TestCase("var s = new Array(34).join('a') + '!'; try { /(a+)+b/.test(s); } catch (e) { }")]
    [TestCase("const s = 'a'.repeat(33) + '!'; [...s.matchAll(/(a+)+b/g)];")]
    [TestCase("const s = 'a'.repeat(33) + '!'; s.replaceAll(/(a+)+b/g, 'x');")]
    [TestCase("class A { constructor() { while (true) { } } } new A();")]
    [TestCase("const f = async () => { for (;;) { } }; f();")]
    [TestCase("function* g() { while (true) yield 1; } for (const x of g()) { }")]
    [TestCase("Promise.resolve().then(() => { while (true) { } });")]
    [TestCase("new Proxy({}, { get: () => { while (true) { } } }).x;")]
    [TestCase("[...Array(10)].map(() => { while (true) { } });")]
    public async Task Every_form_of_endless_loop_ends_as_timeout(string code)
    {
        var result = await RunAsync(code, Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be(ErrorKind.Timeout);
    }

    [Test]
    public async Task The_operation_budget_ends_long_loops_deterministically()
    {
        var result = await RunAsync("var i = 0; while (true) { i++; }", new SandboxOptions { MaxOperations = 10_000 });

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be(ErrorKind.OperationLimit);
        result.Error.Message.Should().Contain("10,000 operations");
    }

    [TestCase("new Array(4e9).join('');")]
    [TestCase("new Array(4e9).forEach(function () { });")]
    [TestCase("var a = []; a.length = 4e9; a.reverse();")]
    [TestCase("'x'.repeat(1e6).split('').map((c, i) => i).reduce((a, b) => a + b, 0); new Array(4e9).fill(0);")]
    public async Task Built_ins_over_huge_lengths_are_stopped_at_the_limits(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().BeOneOf(ExecutionStatus.Timeout, ExecutionStatus.MemoryLimit);
    }

    [TestCase("Math.max.apply(null, { length: 4e9 });", "RangeError")]
    [TestCase("Math.max(...{ length: 4e9, [Symbol.iterator]: Array.prototype.values });", "RangeError")]
    public async Task Argument_lists_too_long_for_a_call_are_refused(string code, string kind)
    {
        var result = await RunAsync(code);

        result.Status.Should().BeOneOf(ExecutionStatus.RuntimeError, ExecutionStatus.Timeout, ExecutionStatus.MemoryLimit);
        if (result.Status == ExecutionStatus.RuntimeError)
        {
            result.Error!.Kind.Value.Should().Be(kind);
        }
    }

    [TestCase("function f(n) { return f(n + 1); } f(0);")]
    [TestCase("var o = {}; o.f = function () { return this.f(); }; o.f();")]
    [TestCase("function F() { return new F(); } new F();")]
    [TestCase("var o = { get x() { return this.x; } }; o.x;")]
    [TestCase("var o = {}; o.toString = function () { return '' + o; }; '' + o;")]
    public async Task Deep_recursion_ends_as_a_runtime_error_not_a_stack_overflow(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
    }

    [Test]
    public async Task The_recursion_limit_is_named_in_the_error()
    {
        var result = await RunAsync("function f(n) { return n === 0 ? 0 : 1 + f(n - 1); } f(100000);", new SandboxOptions { MaxRecursionDepth = 50 });

        result.Error!.Message.Should().Contain("Maximum call depth of 50 exceeded");
    }

    [Test]
    public async Task Recursion_within_the_limit_works()
    {
        var result = await RunAsync("function f(n) { return n === 0 ? 0 : 1 + f(n - 1); } f(200);");

        result.Value!.Value.GetDouble().Should().Be(200);
    }

    [Test]
    public async Task Nested_arrays_deep_enough_to_overflow_a_native_join_are_stopped()
    {
        var result = await RunAsync("var a = []; for (var i = 0; i < 200000; i++) { a = [a]; } String(a);",
            new SandboxOptions { MemoryLimitBytes = 512L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(20) });

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
    }

    [Test]
    public async Task Deeply_nested_json_is_refused_not_overflowed()
    {
        var stringify = await RunAsync("var o = {}; for (var i = 0; i < 100000; i++) { o = { a: o }; } JSON.stringify(o);");
        var parse = await RunAsync("var s = ''; for (var i = 0; i < 20; i++) { s += '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['; } JSON.parse(s);");

        stringify.Error!.Message.Should().Contain("nests more than 500 levels");
        parse.Error!.Kind.Should().Be(ErrorKind.SyntaxError);
    }

    [TestCase(90_000, '(', ')')]
    [TestCase(90_000, '[', ']')]
    [TestCase(60_000, '!', ' ')]
    public async Task Deeply_nested_source_is_refused_before_parsing(int depth, char open, char close)
    {
        var code = new string(open, depth) + "1" + new string(close, open == '!' ? 0 : depth);

        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain("levels deep");
    }

    [TestCase("new Array(2e8).join('x');")]
    [TestCase("const keep = []; for (let i = 0; ; i++) keep.push(String(i).padEnd(1 << 20, 'y'));")]
    [TestCase("var a = []; while (true) { a.push('0123456789' + a.length); }")]
    [TestCase("var o = {}; var i = 0; while (true) { o['k' + i] = [i, i, i]; i++; }")]
    [TestCase("var a = [1]; while (true) { a = a.concat(a); }")]
    public async Task Memory_bombs_end_as_memory_limit(string code)
    {
        var result = await RunAsync(code, new SandboxOptions { MemoryLimitBytes = 32L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue });

        result.Status.Should().Be(ExecutionStatus.MemoryLimit, result.Error?.Kind + ": " + result.Error?.Message);
        result.Error!.Message.Should().Contain("32 MiB");
    }

    [Test]
    public async Task Doubling_a_string_forever_ends_at_the_memory_or_time_limit()
    {
        var result = await RunAsync("let s = 'x'; while (true) { s = s + s; s.indexOf('y'); }", new SandboxOptions { MemoryLimitBytes = 32L * 1024 * 1024 });

        result.Status.Should().BeOneOf(ExecutionStatus.MemoryLimit, ExecutionStatus.Timeout);
    }

    [Test]
    public async Task A_loop_that_churns_memory_but_keeps_little_is_not_a_memory_bomb()
    {
        var result = await RunAsync("var kept = 0; for (var i = 0; i < 300000; i++) { var tmp = [i, 'x' + i, { v: i }]; kept += tmp.length; } kept",
            new SandboxOptions { MemoryLimitBytes = 16L * 1024 * 1024 });

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetDouble().Should().Be(900000);
    }

    [TestCase("eval('1 + 1')", "2")]
    [TestCase("(0, eval)('var evaluated = 3'); evaluated", "3")]
    [TestCase("new Function('a', 'b', 'return a * b')(6, 7)", "42")]
    [TestCase("typeof Function('return this')().final_answer", "\"function\"")]
    public async Task Eval_and_function_constructors_work(string code, string json)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be(json);
    }

    [TestCase("eval('while (true) { }')")]
    [TestCase("new Function('for (;;) { }')()")]
    [TestCase("(function () { }).constructor('do { } while (true)')()")]
    [TestCase("eval('eval(\"while (true) { }\")')")]
    public async Task Code_compiled_from_strings_runs_under_the_same_limits(string code)
    {
        var result = await RunAsync(code, Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
    }

    [Test]
    public async Task Function_instanceof_still_works()
    {
        (await RunAsync("(function () { }) instanceof Function && (() => 1) instanceof Function")).Value!.Value.GetBoolean().Should().BeTrue();
    }

    [TestCase("typeof System")]
    [TestCase("typeof importNamespace")]
    [TestCase("typeof require")]
    [TestCase("typeof process")]
    [TestCase("typeof setTimeout")]
    [TestCase("typeof XMLHttpRequest")]
    [TestCase("typeof clr")]
    [TestCase("typeof fetch")]
    [TestCase("typeof queueMicrotask")]
    [TestCase("typeof ShadowRealm")]
    [TestCase("typeof FinalizationRegistry")]
    [TestCase("typeof importScripts")]
    public async Task Nothing_of_the_host_is_reachable(string code)
    {
        (await RunAsync(code)).Value!.Value.GetString().Should().Be("undefined");
    }

    [Test]
    public async Task Console_functions_expose_no_clr_members()
    {
        var result = await RunAsync("var names = []; for (var k in console.log) names.push(k); [names.length, typeof console.log.GetType, typeof console.GetType, Object.getOwnPropertyNames(console).sort().join()]");

        result.Value!.Value.GetRawText().Should().Be("""[0,"undefined","undefined","debug,error,info,log,warn"]""");
    }

    [Test]
    public async Task A_megabyte_console_line_written_forever_is_stopped_at_the_time_limit_and_the_output_is_capped()
    {
        var options = new SandboxOptions { Timeout = TimeSpan.FromSeconds(2), MaxOperations = long.MaxValue };

        var result = await RunAsync("const line = 'x'.repeat(1 << 20); while (true) { console.log(line); }", options);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Stdout.Length.Should().BeLessThan(options.MaxOutputChars + 200);
        result.Stdout.Should().Contain("[output truncated:");
    }

    [Test]
    public async Task Eight_megabyte_strings_built_and_kept_in_a_loop_are_stopped_at_the_memory_or_time_limit()
    {
        var result = await RunAsync("const kept = []; for (let i = 0; ; i++) { kept.push(`${i}`.padStart(8 << 20, '-')); }",
            new SandboxOptions { Timeout = TimeSpan.FromSeconds(2), MaxOperations = long.MaxValue });

        result.Status.Should().BeOneOf(ExecutionStatus.MemoryLimit, ExecutionStatus.Timeout);
    }

    [Test]
    public async Task Json_parse_of_200_000_nested_brackets_is_a_syntax_error()
    {
        var result = await RunAsync("JSON.parse('['.repeat(200000) + ']'.repeat(200000))");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.SyntaxError);
        result.Error.Message.Should().Contain("depth");
    }

    [Test]
    public async Task Source_of_100_000_nested_parentheses_is_refused_before_parsing()
    {
        var result = await RunAsync(new string('(', 100_000) + "1" + new string(')', 100_000));

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain("the limit is");
    }

    [Test]
    public async Task An_error_message_of_64_megabytes_reaches_the_host_cut_to_a_bound()
    {
        var result = await RunAsync("throw new Error('x'.repeat(64 << 20));", new SandboxOptions { MemoryLimitBytes = 1L << 30 });

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Length.Should().BeLessThan(ExecutionError.MaxMessageChars + 100);
        result.Error.Message.Should().StartWith("xxxx").And.Contain("the message was cut");
    }

    [Test]
    public async Task Atomics_wait_cannot_block_the_sandbox_thread()
    {
        var result = await RunAsync("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10000)");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.TypeError);
    }

    [Test]
    public async Task A_final_answer_cannot_be_caught_by_the_code()
    {
        var result = await RunAsync("try { final_answer(1); } catch (e) { console.log('caught'); } finally { console.log('finally'); } console.log('after');");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer!.Value.GetRawText().Should().Be("1");
        result.Stdout.Should().NotContain("caught").And.NotContain("after");
    }

    [TestCase("const e = new RangeError('bad'); Object.defineProperty(e, 'name', { get() { throw new Error('gotcha'); } }); throw e;")]
    [TestCase("const e = new Error('bad'); Object.defineProperty(e, 'message', { get() { for (;;) { } } }); throw e;")]
    [TestCase("const e = new Error(); Object.setPrototypeOf(e, new Proxy({}, { getOwnPropertyDescriptor() { throw new Error('trap'); }, getPrototypeOf() { for (;;) { } } })); throw e;")]
    [TestCase("throw { toJSON() { for (;;) { } } };")]
    [TestCase("throw new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { for (;;) { } } });")]
    public async Task A_thrown_value_whose_reading_fails_or_hangs_is_still_a_result(string code)
    {
        var result = await RunAsync(code, Short);

        result.Status.Should().BeOneOf(ExecutionStatus.RuntimeError, ExecutionStatus.Timeout);
        result.Error.Should().NotBeNull();
    }
}
