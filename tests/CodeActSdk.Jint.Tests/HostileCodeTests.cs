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
    public async Task Every_form_of_endless_loop_ends_as_timeout(string code)
    {
        var result = await RunAsync(code, Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be("Timeout");
    }

    [Test]
    public async Task The_operation_budget_ends_long_loops_deterministically()
    {
        var result = await RunAsync("var i = 0; while (true) { i++; }", new SandboxOptions { MaxOperations = 10_000 });

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be("OperationLimit");
        result.Error.Message.Should().Contain("10,000 operations");
    }

    [TestCase("new Array(4e9).join('');")]
    [TestCase("new Array(4e9).forEach(function () { });")]
    [TestCase("Array.prototype.indexOf.call({ length: 4e9 }, 1);")]
    [TestCase("Math.max.apply(null, { length: 4e9 });")]
    [TestCase("var a = []; a.length = 4e9; a.reverse();")]
    public async Task Built_ins_over_huge_lengths_are_charged_to_the_budget(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().BeOneOf(ExecutionStatus.Timeout, ExecutionStatus.MemoryLimit);
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
        result.Error!.Kind.Should().Be("RecursionLimit");
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
        result.Error!.Kind.Should().Be("RecursionLimit");
    }

    [Test]
    public async Task Deeply_nested_json_is_refused_not_overflowed()
    {
        var stringify = await RunAsync("var o = {}; for (var i = 0; i < 100000; i++) { o = { a: o }; } JSON.stringify(o);");
        var parse = await RunAsync("var s = ''; for (var i = 0; i < 20; i++) { s += '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['; } JSON.parse(s);");

        stringify.Error!.Message.Should().Contain("nests more than 500 levels");
        parse.Error!.Kind.Should().Be("SyntaxError");
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

    [TestCase("var s = 'x'; while (true) { s = s + s; }")]
    [TestCase("new Array(2e8).join('x');")]
    [TestCase("var a = []; while (true) { a.push('0123456789' + a.length); }")]
    [TestCase("var o = {}; var i = 0; while (true) { o['k' + i] = [i, i, i]; i++; }")]
    [TestCase("var a = [1]; while (true) { a = a.concat(a); }")]
    public async Task Memory_bombs_end_as_memory_limit(string code)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var result = await RunAsync(code, new SandboxOptions { MemoryLimitBytes = 32L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue });

        result.Status.Should().Be(ExecutionStatus.MemoryLimit);
        result.Error!.Message.Should().Contain("32 MiB");
        GC.GetTotalMemory(forceFullCollection: true).Should().BeLessThan(before + 16L * 1024 * 1024, "the bomb's memory is released");
    }

    [Test]
    public async Task A_loop_that_churns_memory_but_keeps_little_is_not_a_memory_bomb()
    {
        var result = await RunAsync("var kept = 0; for (var i = 0; i < 300000; i++) { var tmp = [i, 'x' + i, { v: i }]; kept += tmp.length; } kept",
            new SandboxOptions { MemoryLimitBytes = 16L * 1024 * 1024 });

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetDouble().Should().Be(900000);
    }

    [TestCase("eval('1 + 1')")]
    [TestCase("(0, eval)('1')")]
    [TestCase("new Function('return 1')()")]
    [TestCase("Function('return this')()")]
    [TestCase("(function () { }).constructor('return this')()")]
    [TestCase("Object.getPrototypeOf(function () { }).constructor('return 1')()")]
    public async Task Code_generation_is_disabled(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be("EvalError");
        result.Error.Message.Should().Contain("disabled in this sandbox");
    }

    [Test]
    public async Task Function_instanceof_still_works()
    {
        (await RunAsync("(function () { }) instanceof Function")).Value!.Value.GetBoolean().Should().BeTrue();
    }

    [TestCase("typeof System")]
    [TestCase("typeof importNamespace")]
    [TestCase("typeof require")]
    [TestCase("typeof process")]
    [TestCase("typeof setTimeout")]
    [TestCase("typeof XMLHttpRequest")]
    [TestCase("typeof clr")]
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
}
