using BenchmarkDotNet.Attributes;
using CodeActSdk.Jint;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// Figure 3: the cost of one bridged tool call. Per execution: A = <c>add(1, 2)</c>, B = <c>1 + 2</c> (the same
/// execution without the tool), C = the direct .NET call of the same AIFunction. Per call: the same with 100 calls in
/// one execution, so that the cost of the execution itself is spread over 100 calls. Bridge overhead per call is
/// (A - B) - C, and (A100 - B100) / 100 - C.
/// </summary>
public class ToolBridgeBenchmarks
{
    // Modern syntax, as a model writes it. The block keeps `s` out of the session's top level: a top-level `let`
    // persists after the step (as in any REPL), so running the same step again would be a redeclaration.
    internal const string LoopWithTool = "{ let s = 0; for (let i = 0; i < 100; i++) { s += add(i, 1); } s }";
    internal const string LoopWithoutTool = "{ let s = 0; for (let i = 0; i < 100; i++) { s += i + 1; } s }";

    private JintInterpreter _interpreter = null!;
    private IInterpreterSession _session = null!;
    private AIFunction _add = null!;

    [GlobalSetup]
    public void Setup()
    {
        _add = Fixtures.CreateAddTool();
        _interpreter = new JintInterpreter();
        _session = Fixtures.CreateSession(_interpreter, new SandboxOptions { Tools = [_add] });
        Fixtures.Check(_session, "add(1, 2)", "3");
        Fixtures.Check(_session, "1 + 2", "3");
        Fixtures.Check(_session, LoopWithTool, "5050");
        Fixtures.Check(_session, LoopWithoutTool, "5050");
        var direct = _add.InvokeAsync(new AIFunctionArguments { ["a"] = 1, ["b"] = 2 }).AsTask().GetAwaiter().GetResult();
        if (direct?.ToString() != "3")
        {
            throw new InvalidOperationException($"Setup check failed for the direct call: {direct}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _interpreter.Dispose();
    }

    [Benchmark(Description = "A: execute `add(1, 2)`")]
    public Task<ExecutionResult> ToolCall() => _session.ExecuteAsync("add(1, 2)");

    [Benchmark(Description = "B: execute `1 + 2`")]
    public Task<ExecutionResult> NoToolCall() => _session.ExecuteAsync("1 + 2");

    [Benchmark(Description = "C: direct fn.InvokeAsync(a=1, b=2)")]
    public ValueTask<object?> DirectCall() => _add.InvokeAsync(new AIFunctionArguments { ["a"] = 1, ["b"] = 2 });

    [Benchmark(Description = "A100: execute 100 x add(i, 1)")]
    public Task<ExecutionResult> ToolCallLoop() => _session.ExecuteAsync(LoopWithTool);

    [Benchmark(Description = "B100: execute 100 x (i + 1)")]
    public Task<ExecutionResult> NoToolCallLoop() => _session.ExecuteAsync(LoopWithoutTool);
}
