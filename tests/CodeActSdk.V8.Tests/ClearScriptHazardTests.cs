using Microsoft.Extensions.AI;

namespace CodeActSdk.V8.Tests;

/// <summary>What ClearScript brings into the engine, and memory bombs that V8 14 would otherwise survive only by aborting the process.</summary>
public class ClearScriptHazardTests : V8TestBase
{
    private static readonly AIFunction Add = AIFunctionFactory.Create((int a, int b) => a + b, "add");

    [Test]
    public async Task Nothing_reachable_from_the_global_scope_is_a_host_object()
    {
        // ClearScript's own EngineInternal (non-configurable, so it stays) is the judge: it knows its host objects.
        var result = await RunAsync("""
            const isHost = EngineInternal.isHostObject;
            const seen = new Set();
            let found = [];
            function visit(value, path, depth) {
              if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
              seen.add(value);
              if (isHost(value)) found.push(path);
              if (depth === 0) return;
              for (const key of Reflect.ownKeys(value)) {
                const descriptor = Object.getOwnPropertyDescriptor(value, key);
                if (descriptor && 'value' in descriptor) visit(descriptor.value, path + '.' + String(key), depth - 1);
              }
              visit(Object.getPrototypeOf(value), path + '.__proto__', depth - 1);
            }
            visit(globalThis, 'globalThis', 4);
            [found, seen.size > 100]
            """, new SandboxOptions { Tools = [Add] });

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("[[],true]");
    }

    [Test]
    public async Task Engine_internal_offers_no_way_to_the_host()
    {
        var result = await RunAsync("""
            const names = Object.getOwnPropertyNames(EngineInternal);
            const calls = [];
            for (const name of names) {
              const f = EngineInternal[name];
              if (typeof f !== 'function') continue;
              for (const args of [[], [globalThis], [{}, {}], [globalThis, globalThis, []]]) {
                try { const v = f(...args); if (v instanceof Promise) v.catch(() => { }); if (v !== null && typeof v === 'object' && EngineInternal.isHostObject(v)) calls.push(name); } catch (e) { }
              }
            }
            [Object.isFrozen(EngineInternal), calls]
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("[true,[]]");
    }

    [Test]
    public async Task Tools_console_and_final_answer_are_plain_javascript_functions()
    {
        var result = await RunAsync("""
            [add, console.log, final_answer].map(f => [
              Object.getOwnPropertyNames(f).sort().join(),
              Object.getPrototypeOf(f) === Function.prototype,
              EngineInternal.isHostObject(f),
              typeof f.prototype,
              typeof f.GetType, typeof f.Target, typeof f.Method, typeof f.DynamicInvoke,
            ].join(' '))
            """, new SandboxOptions { Tools = [Add] });

        result.Value!.Value.GetRawText().Should().Be("""["length,name true false undefined undefined undefined undefined undefined","length,name true false undefined undefined undefined undefined undefined","length,name true false undefined undefined undefined undefined undefined"]""");
    }

    [Test]
    public async Task A_tool_error_carries_the_tools_message_and_no_host_stack()
    {
        var failing = AIFunctionFactory.Create(string (string x) => throw new InvalidOperationException("bad input " + x), "fails");

        var result = await RunAsync("try { fails('x'); } catch (e) { [e.message, e.stack.includes('.cs'), e.stack.includes('CodeActSdk'), 'hostException' in e] }",
            new SandboxOptions { Tools = [failing] });

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        var fields = result.Value!.Value.EnumerateArray().ToArray();
        fields[1].GetBoolean().Should().BeFalse();
        fields[2].GetBoolean().Should().BeFalse();
        fields[3].GetBoolean().Should().BeFalse();
    }

    [TestCase("const k = []; while (true) k.push(new Array(1e6).fill(0));", ExecutionStatus.MemoryLimit)]
    [TestCase("new Array(2 ** 27).fill(0).length", ExecutionStatus.RuntimeError)]
    [TestCase("Array.from({ length: 2 ** 27 }).length", ExecutionStatus.RuntimeError)]
    [TestCase("const k = []; while (true) k.push(new Float64Array(1e6));", ExecutionStatus.MemoryLimit)]
    [TestCase("const a = new Array(2 ** 26); for (let i = 0; i < a.length; i++) a[i] = i; a.length", ExecutionStatus.MemoryLimit)]
    [TestCase("let s = 'x'; const k = []; while (true) { s += s.length; k.push(s.slice()); }", ExecutionStatus.MemoryLimit)]
    public async Task A_memory_bomb_is_a_result_and_the_session_goes_on(string code, ExecutionStatus expected)
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromSeconds(30) });
        await session.ExecuteAsync("var kept = 'yes';");

        var result = await session.ExecuteAsync(code);
        var after = await session.ExecuteAsync("kept + ' ' + (1 + 1)");

        result.Status.Should().Be(expected, result.Error?.Message);
        result.Error!.Kind.Should().Be(expected == ExecutionStatus.MemoryLimit ? ErrorKind.MemoryLimit : ErrorKind.RangeError);
        after.Value!.Value.GetString().Should().Be("yes 2");
    }

    [TestCase("JSON.stringify(new Array(2 ** 26).fill(0)).length")]
    [TestCase("Array.from({ length: 2 ** 25 }, (_, i) => i).length")]
    [TestCase("'1'.repeat(2 ** 25).split('').length")]
    public async Task A_built_in_that_would_take_more_than_the_budget_in_one_call_is_stopped_before_it_starts(string code)
    {
        // One built-in call runs to its end before the heap monitor can act: these would take 256 MiB to 1.5 GiB of
        // the host's memory with a 64 MiB budget.
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());

        var result = await session.ExecuteAsync(code);
        var after = await session.ExecuteAsync("[1, 2, 3].fill(0).length + 'x,y'.split('').length");

        result.Status.Should().Be(ExecutionStatus.MemoryLimit, result.Error?.Message);
        after.Value!.Value.GetInt32().Should().Be(6);
    }

    [Test]
    public void A_missing_native_library_is_explained_with_the_package_to_add()
    {
        var reason = V8Library.UnavailableReason(new TypeLoadException("Cannot load ClearScript V8 library. Load failure information for ClearScriptV8.linux-x64.so:\n  /app/runtimes/linux-x64/native/ClearScriptV8.linux-x64.so: cannot open shared object file"));
        var exception = new V8UnavailableException(reason);

        exception.Should().BeAssignableTo<InvalidOperationException>();
        exception.Message.Should().Contain("Microsoft.ClearScript.V8.Native." + (OperatingSystem.IsLinux() ? "linux-" : ""))
            .And.Contain("7.5.1.1").And.Contain("TypeLoadException: Cannot load ClearScript V8 library")
            .And.NotContain("cannot open shared object file", "only the first line of ClearScript's message is kept");
    }
}
