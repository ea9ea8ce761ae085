using BenchmarkDotNet.Attributes;
using Jint;
using Jint.Native;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// Not a target: the bare Jint engine, for scale. The difference from the SDK figures is what the sandbox adds
/// (hardening of the engine, guards, limits, JSON conversion, the sandbox thread).
/// </summary>
public class JintBaselineBenchmarks
{
    private Engine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Engine();
        _engine.Execute("1+1");
    }

    [Benchmark(Description = "Baseline: new Jint.Engine()")]
    public Engine NewEngine() => new();

    [Benchmark(Description = "Baseline: engine.Execute(\"1+1\") on the caller's thread")]
    public JsValue ExecuteOnePlusOne() => _engine.Execute("1+1").GetCompletionValue();

    /// <summary>The B100 loop of the tool-bridge suite with no guard, no limits and no thread hop.</summary>
    [Benchmark(Description = "Baseline: engine.Execute(100-iteration loop) on the caller's thread")]
    public JsValue ExecuteLoop() => _engine.Execute(ToolBridgeBenchmarks.LoopWithoutTool).GetCompletionValue();
}
