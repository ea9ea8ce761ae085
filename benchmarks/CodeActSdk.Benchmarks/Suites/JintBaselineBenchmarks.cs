using Acornima.Ast;
using BenchmarkDotNet.Attributes;
using Jint;
using Jint.Native;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// Not a target: the bare Jint 4 engine, for scale. The difference from the SDK figures is what the sandbox adds
/// (hardening of the engine, constraints, REPL declarations, JSON conversion, the sandbox thread).
/// </summary>
public class JintBaselineBenchmarks
{
    private Engine _engine = null!;
    private Prepared<Script> _loop;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new Engine();
        _engine.Evaluate("1+1");
        _loop = Engine.PrepareScript(ToolBridgeBenchmarks.LoopWithoutTool);
    }

    [Benchmark(Description = "Baseline: new Jint.Engine()")]
    public Engine NewEngine() => new();

    [Benchmark(Description = "Baseline: engine.Evaluate(\"1+1\") on the caller's thread")]
    public JsValue EvaluateOnePlusOne() => _engine.Evaluate("1+1");

    /// <summary>The B100 loop of the tool-bridge suite with no constraint, no limits and no thread hop, parsed each time.</summary>
    [Benchmark(Description = "Baseline: engine.Evaluate(100-iteration loop) on the caller's thread")]
    public JsValue EvaluateLoop() => _engine.Evaluate(ToolBridgeBenchmarks.LoopWithoutTool);

    /// <summary>The same loop prepared once (<c>Engine.PrepareScript</c>): the run alone, without the parse.</summary>
    [Benchmark(Description = "Baseline: engine.Evaluate(prepared 100-iteration loop)")]
    public JsValue EvaluatePreparedLoop() => _engine.Evaluate(_loop);
}
