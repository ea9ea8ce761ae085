using BenchmarkDotNet.Attributes;
using CodeActSdk.Jint;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>Figure 2: one trivial execution (<c>1+1</c>) in a warm session, end to end through ExecuteAsync.</summary>
public class ExecutionBenchmarks
{
    private JintInterpreter _interpreter = null!;
    private IInterpreterSession _session = null!;

    [GlobalSetup]
    public void Setup()
    {
        _interpreter = new JintInterpreter();
        _session = Fixtures.CreateSession(_interpreter, new SandboxOptions());
        Fixtures.Check(_session, "1+1", "2");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _interpreter.Dispose();
    }

    /// <summary>`1+1` in a session created once: parse, guard, run, convert the value, and the hops to the sandbox thread and back.</summary>
    [Benchmark(Description = "Execute `1+1` (warm session)")]
    public Task<ExecutionResult> OnePlusOne() => _session.ExecuteAsync("1+1");
}
