namespace CodeActSdk.V8.Tests;

/// <summary>Code that tries to hang, exhaust or escape the sandbox: each ends with a clear status and the host keeps working.</summary>
public class HostileCodeTests : V8TestBase
{
    private static readonly SandboxOptions Short = new() { Timeout = TimeSpan.FromMilliseconds(300) };

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
    [TestCase("for (;;) { try { for (;;) { } } catch { } finally { continue; } }")]
    [TestCase("function f() { try { for (;;) { } } catch (e) { f(); } } f();")]
    [TestCase("[3, 1, 2].sort((a, b) => { while (true) { } });")]
    [TestCase("JSON.parse('[1, 2, 3]', (k, v) => { while (true) { } });")]
    [TestCase("'abc'.replace(/b/, () => { for (;;) { } });")]
    [TestCase("[1, 2].map(() => { for (;;) { } });")]
    [TestCase("var o = { get x() { while (true) { } } }; o.x;")]
    [TestCase("var o = { toString() { while (true) { } } }; '' + o;")]
    [TestCase("try { throw 1; } catch (e) { while (true) { } }")]
    [TestCase("/(a+)+$/.test('a'.repeat(30) + 'b');")]
    [TestCase("/(x+x+)+y/.test('x'.repeat(5000));")]
    [TestCase("new Proxy({}, { get: () => { while (true) { } } }).anything;")]
    [TestCase("class A { constructor() { while (true) { } } } new A();")]
    [TestCase("function* g() { while (true) yield 1; } for (const x of g()) { }")]
    [TestCase("(async () => { while (true) { await null; } })();")]
    [TestCase("(async () => { for (;;) { } })();")]
    [TestCase("Promise.resolve().then(function loop() { return Promise.resolve().then(loop); }); 1")]
    [TestCase("eval('while (true) { }')")]
    [TestCase("new Function('for (;;) { }')()")]
    [TestCase("({ toJSON() { for (;;) { } } })")]
    public async Task Every_form_of_endless_loop_ends_as_timeout(string code)
    {
        var result = await RunAsync(code, Short);

        result.Status.Should().Be(ExecutionStatus.Timeout, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.Timeout);
        result.Error.Message.Should().Contain("time limit of 0.3 s");
    }

    [Test]
    public async Task A_timed_out_session_keeps_its_state_and_runs_again()
    {
        await using var session = await Interpreter.CreateSessionAsync(Short);
        await session.ExecuteAsync("var kept = 'yes';");

        (await session.ExecuteAsync("while (true) { }")).Status.Should().Be(ExecutionStatus.Timeout);

        (await session.ExecuteAsync("kept")).Value!.Value.GetString().Should().Be("yes");
    }

    [TestCase("new Array(4e9).forEach(function () { });")]
    [TestCase("Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1);")]
    [TestCase("Array.prototype.fill.call({ length: 2 ** 53 - 1 }, 0);")]
    [TestCase("var a = []; a.length = 4e9; a.reverse();")]
    [TestCase("Array.from({ length: 2 ** 40 });")]
    [TestCase("[].concat({ length: 4e9, [Symbol.isConcatSpreadable]: true });")]
    public async Task Built_ins_over_huge_lengths_are_refused(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.RangeError);
        result.Error.Message.Should().Contain("more than a built-in function may process at once");
    }

    [Test]
    public async Task A_built_in_that_ignores_termination_does_not_hold_the_caller()
    {
        // forEach over a sparse array at the guards' limit: tens of millions of steps in which V8 does not
        // check for termination. The caller gets the timeout once the grace period is over; the session is busy
        // until the built-in returns, then works again.
        using var interpreter = new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0 }) { HardStopGrace = TimeSpan.FromMilliseconds(50) };
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(50) });
        await session.ExecuteAsync("var kept = 'yes';");

        var stuck = await session.ExecuteAsync("new Array(2 ** 26).forEach(() => { }); new Array(2 ** 26).forEach(() => { });");
        var meanwhile = await session.ExecuteAsync("kept");
        ExecutionResult later;
        do
        {
            later = await session.ExecuteAsync("kept");
        }
        while (later.Status == ExecutionStatus.Timeout);

        stuck.Status.Should().Be(ExecutionStatus.Timeout);
        stuck.Error!.Message.Should().Contain("cannot be interrupted");
        meanwhile.Status.Should().Be(ExecutionStatus.Timeout);
        meanwhile.Error!.Message.Should().Contain("still being stopped");
        later.Value!.Value.GetString().Should().Be("yes");
    }

    [TestCase("var s = 'x'.repeat(2 ** 28); s.split('');")]
    [TestCase("var s = 'x'.repeat(2 ** 28); s.match(/x/g);")]
    [TestCase("var s = 'x'.repeat(2 ** 28); s.replace(/x/g, 'yy');")]
    [TestCase("var s = 'x'.repeat(2 ** 28); Array.prototype.slice.call(s);")]
    [TestCase("var s = 'x'.repeat(2 ** 28); Object.keys(s);")]
    [TestCase("var s = 'x'.repeat(2 ** 28); String.prototype.split.call({ toString: () => s }, '');")]
    [TestCase("var s = 'x'.repeat(2 ** 28); /x/g[Symbol.match](s);")]
    [TestCase("var s = '1,'.repeat(2 ** 27); JSON.parse('[' + s + '1]');")]
    [TestCase("var s = 'x'.repeat(2 ** 28); Object.assign({}, s);")]
    [TestCase("var s = 'x'.repeat(2 ** 28); RegExp.prototype[Symbol.split].call(/(?:)/, s);")]
    public async Task Built_ins_that_would_abort_v8_on_huge_strings_are_refused(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.RangeError);
        result.Error.Message.Should().MatchRegex(@"268,435,45\d (characters|elements) (is|are) more than a built-in function may process at once in this sandbox \(67,108,864\)");
    }

    [Test]
    public async Task The_guards_cannot_be_switched_off_by_replacing_globals()
    {
        var result = await RunAsync("Reflect.apply = () => 0; Object.defineProperty = null; RangeError = null; Math.floor = null; Array.prototype.forEach.call({ length: 2 ** 40 }, () => {});");

        result.Error!.Kind.Should().Be(ErrorKind.RangeError);
    }

    [Test]
    public async Task Guarded_built_ins_still_behave_as_usual()
    {
        var result = await RunAsync("""
            [
              [3, 1, 2].sort().join('-'),
              [1, 2, 3].map(x => x * 2).filter(x => x > 2).reduce((a, b) => a + b, 0),
              'a,b,,c'.split(',').length,
              'aXbXc'.replace(/X/g, '_'),
              'a1b22c'.split(/\d+/).join('|'),
              /(\w)(\d)/[Symbol.replace]('a1', '$2$1'),
              'x'.match(/(x)/).length,
              'abc'.replaceAll('b', 'B'),
              [...'a1b2'.matchAll(/\d/g)].map(m => m[0]).join(''),
              Array.from('héllo').length,
              Array.from({ length: 3 }, (_, i) => i),
              Object.keys({ a: 1, b: 2 }),
              JSON.parse('{"a":[1,2]}', (k, v) => typeof v === 'number' ? v * 10 : v).a,
              Object.assign({}, { a: 1 }, 'xy'),
              [1, 2].concat([3], 4),
              [1, 2, 3].includes(2),
              Array.prototype.map.length,
              [].forEach.name,
            ]
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""["1-2-3",10,4,"a_b_c","a|b|c","1a",2,"aBc","12",5,[0,1,2],["a","b"],[10,20],{"0":"x","1":"y","a":1},[1,2,3,4],true,1,"forEach"]""");
    }

    [TestCase("function f(n) { return f(n + 1); } f(0);")]
    [TestCase("var o = {}; o.f = function () { return this.f(); }; o.f();")]
    [TestCase("function F() { return new F(); } new F();")]
    [TestCase("var o = { get x() { return this.x; } }; o.x;")]
    [TestCase("var o = {}; o.toString = function () { return '' + o; }; '' + o;")]
    [TestCase("const f = (n) => [n, ...f(n + 1)]; f(0);")]
    [TestCase("async function f() { return await f(); } f();")]
    public async Task Deep_recursion_ends_as_a_runtime_error_not_a_stack_overflow(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
        result.Error.Message.Should().Contain("Maximum call stack size exceeded").And.Contain("Use a loop");
    }

    [Test]
    public async Task The_stack_size_follows_the_recursion_limit_option()
    {
        const string code = "function depth(n) { try { return depth(n + 1); } catch (e) { return n; } } depth(0)";

        var small = (await RunAsync(code, new SandboxOptions { MaxRecursionDepth = 128 })).Value!.Value.GetInt32();
        var large = (await RunAsync(code, new SandboxOptions { MaxRecursionDepth = 4096 })).Value!.Value.GetInt32();

        small.Should().BeGreaterThan(1000);
        large.Should().BeGreaterThan(small * 8);
    }

    [Test]
    public async Task The_recursion_limit_is_named_in_the_error()
    {
        var result = await RunAsync("function f(n) { return n === 0 ? 0 : 1 + f(n - 1); } f(1e7);", new SandboxOptions { MaxRecursionDepth = 50 });

        result.Error!.Message.Should().Contain("MaxRecursionDepth = 50");
    }

    [Test]
    public async Task Recursion_within_the_limit_works()
    {
        var result = await RunAsync("function f(n) { return n === 0 ? 0 : 1 + f(n - 1); } f(5000);");

        result.Value!.Value.GetDouble().Should().Be(5000);
    }

    [Test]
    public async Task Nested_arrays_deep_enough_to_overflow_a_native_join_are_stopped()
    {
        var result = await RunAsync("var a = []; for (var i = 0; i < 200000; i++) { a = [a]; } String(a);",
            new SandboxOptions { MemoryLimitBytes = 512L * 1024 * 1024 });

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
    }

    [Test]
    public async Task Deeply_nested_data_is_stopped_or_cut_not_overflowed()
    {
        var stringify = await RunAsync("var o = {}; for (var i = 0; i < 100000; i++) { o = { a: o }; } JSON.stringify(o);");
        var value = await RunAsync("var o = {}; for (var i = 0; i < 100000; i++) { o = { a: o }; } o");

        // V8 14 serialises nested data without recursing; a V8 that recursed would end as RecursionLimit: either way
        // the host's stack is never at risk.
        if (stringify.Status != ExecutionStatus.Completed)
        {
            stringify.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
        }

        value.Status.Should().Be(ExecutionStatus.Completed);
        value.Value!.Value.GetRawText().Should().Contain("[nested deeper than 64 levels]");
    }

    [TestCase(90_000, '(', ')')]
    [TestCase(90_000, '[', ']')]
    [TestCase(60_000, '!', ' ')]
    public async Task Deeply_nested_source_is_a_syntax_error(int depth, char open, char close)
    {
        var code = new string(open, depth) + "1" + new string(close, open == '!' ? 0 : depth);

        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Message.Should().Contain("too deeply");
    }

    [TestCase("var s = 'x'; while (true) { s = s + s; }")]
    [TestCase("var a = []; while (true) { a.push('0123456789' + a.length); }")]
    [TestCase("var o = {}; var i = 0; while (true) { o['k' + i] = [i, i, i]; i++; }")]
    [TestCase("var a = [1]; while (true) { a = a.concat(a); }")]
    [TestCase("var s = 'x'.repeat(2 ** 20); var kept = []; while (true) { kept.push(s.split('').join('')); }")]
    [TestCase("const m = new Map(); for (let i = 0; ; i++) m.set(i, { i });")]
    [TestCase("new Array(2 ** 24).fill(1.5);")]
    [TestCase("new Uint8Array(2e9);")]
    [TestCase("const kept = []; while (true) { kept.push(new ArrayBuffer(100 * 1024 * 1024)); }")]
    [TestCase("const kept = []; while (true) { try { kept.push(new Float64Array(1e6)); } catch (e) { } }")]
    public async Task Memory_bombs_end_as_memory_limit(string code)
    {
        var result = await RunAsync(code, new SandboxOptions { MemoryLimitBytes = 32L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30) });

        result.Status.Should().Be(ExecutionStatus.MemoryLimit, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.MemoryLimit);
    }

    [Test]
    public async Task Many_large_array_buffers_end_as_memory_limit_with_the_limit_named()
    {
        var result = await RunAsync("const kept = []; for (let i = 0; i < 100; i++) kept.push(new ArrayBuffer(100 * 1024 * 1024));",
            new SandboxOptions { MemoryLimitBytes = 256L * 1024 * 1024 });

        result.Status.Should().Be(ExecutionStatus.MemoryLimit);
        result.Error!.Message.Should().Contain("256 MiB");
    }

    [Test]
    public async Task A_session_that_hit_the_memory_limit_works_again_once_it_lets_go()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { MemoryLimitBytes = 32L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30) });
        await session.ExecuteAsync("var hoard = [];");

        (await session.ExecuteAsync("while (true) hoard.push({ n: hoard.length });")).Status.Should().Be(ExecutionStatus.MemoryLimit);
        var released = await session.ExecuteAsync("hoard = null; 'released'");
        var after = await session.ExecuteAsync("const fresh = Array.from({ length: 100000 }, (_, i) => i); fresh.length");

        released.Value!.Value.GetString().Should().Be("released");
        after.Value!.Value.GetInt32().Should().Be(100000);
    }

    [Test]
    public async Task A_loop_that_churns_memory_but_keeps_little_is_not_a_memory_bomb()
    {
        var result = await RunAsync("let kept = 0; for (let i = 0; i < 1000000; i++) { const tmp = [i, 'x' + i, { v: i }, new Uint8Array(64)]; kept += tmp.length; } kept",
            new SandboxOptions { MemoryLimitBytes = 16L * 1024 * 1024 });

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetDouble().Should().Be(4000000);
    }

    [Test]
    public async Task A_promise_that_never_settles_does_not_hang()
    {
        var result = await RunAsync("new Promise(resolve => { })");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Should().Be("UnsettledPromise");
        result.Error.Message.Should().Contain("no timers");
    }

    [Test]
    public async Task Pending_work_is_dropped_when_an_execution_ends()
    {
        await using var session = await Interpreter.CreateSessionAsync(Short);
        await session.ExecuteAsync("var ticks = 0; var pending = new Promise(() => { });");

        var looping = await session.ExecuteAsync("(async () => { while (true) { ticks++; await null; } })(); 'started'");
        var first = (await session.ExecuteAsync("ticks")).Value!.Value.GetInt32();
        var second = (await session.ExecuteAsync("ticks")).Value!.Value.GetInt32();
        var queued = await session.ExecuteAsync("Promise.resolve().then(() => { ticks = -1; }); while (true) { }");
        var afterQueued = (await session.ExecuteAsync("ticks")).Value!.Value.GetInt32();

        looping.Status.Should().Be(ExecutionStatus.Timeout);
        first.Should().BePositive().And.Be(second, "nothing of an ended execution runs afterwards");
        queued.Status.Should().Be(ExecutionStatus.Timeout);
        afterQueued.Should().Be(first, "a job queued by a timed-out execution is dropped");
    }

    [TestCase("typeof require")]
    [TestCase("typeof process")]
    [TestCase("typeof Buffer")]
    [TestCase("typeof fetch")]
    [TestCase("typeof setTimeout")]
    [TestCase("typeof setInterval")]
    [TestCase("typeof queueMicrotask")]
    [TestCase("typeof WebAssembly")]
    [TestCase("typeof SharedArrayBuffer")]
    [TestCase("typeof Atomics")]
    [TestCase("typeof module")]
    [TestCase("typeof exports")]
    [TestCase("typeof global")]
    [TestCase("typeof importScripts")]
    [TestCase("typeof XMLHttpRequest")]
    [TestCase("typeof TextEncoder")]
    [TestCase("typeof structuredClone")]
    [TestCase("typeof d8")]
    [TestCase("typeof print")]
    public async Task Nothing_of_the_host_is_reachable(string code)
    {
        (await RunAsync(code)).Value!.Value.GetString().Should().Be("undefined");
    }

    [TestCase("(function () { }).constructor('return this')()")]
    [TestCase("Function('return this')()")]
    [TestCase("(0, eval)('this')")]
    [TestCase("Object.getPrototypeOf(function* () { }).constructor('return this')().next().value")]
    [TestCase("(() => { try { null.x; } catch (e) { return e.constructor.constructor('return this')(); } })()")]
    [TestCase("globalThis")]
    public async Task Constructor_chain_tricks_reach_only_the_sandbox_global(string code)
    {
        var result = await RunAsync($"var g = {code}; [g === globalThis, typeof g.process, typeof g.require, typeof g.Buffer, Object.getOwnPropertyNames(g).filter(n => /^(process|require|Buffer|fetch|WebAssembly|SharedArrayBuffer|Atomics|setTimeout)$/.test(n)).length]");

        result.Value!.Value.GetRawText().Should().Be("""[true,"undefined","undefined","undefined",0]""");
    }

    [Test]
    public async Task Dynamic_import_fails_instead_of_loading_anything()
    {
        var result = await RunAsync("import('fs')");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
    }

    [Test]
    public async Task The_global_scope_holds_only_the_standard_built_ins_and_the_sandbox_functions()
    {
        var result = await RunAsync("Object.getOwnPropertyNames(globalThis).filter(n => !/^[A-Z]/.test(n)).sort().join()");

        result.Value!.Value.GetString().Should().Be("console,decodeURI,decodeURIComponent,encodeURI,encodeURIComponent,escape,eval,files,final_answer,globalThis,isFinite,isNaN,parseFloat,parseInt,undefined,unescape");
    }

    [Test]
    public async Task Console_functions_expose_nothing_else()
    {
        var result = await RunAsync("var names = []; for (var k in console.log) names.push(k); [names.length, Object.getOwnPropertyNames(console).sort().join(), typeof console.log.prototype]");

        result.Value!.Value.GetRawText().Should().Be("""[0,"debug,error,info,log,warn","undefined"]""");
    }

    [Test]
    public async Task WebAssembly_is_available_only_when_the_host_allows_it()
    {
        using var interpreter = new V8Interpreter(new V8InterpreterOptions { AllowWebAssembly = true, WarmIsolates = 0 });
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions());

        // The smallest module: the magic number and version.
        var result = await session.ExecuteAsync("new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) instanceof WebAssembly.Module");

        result.Value!.Value.GetBoolean().Should().BeTrue();
    }
}
