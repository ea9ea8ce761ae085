using System.Diagnostics;
using System.Globalization;
using CodeActSdk.Benchmarks.Suites;
using CodeActSdk.Jint;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// Figures 2 and 3 as an application gets them: <c>await session.ExecuteAsync(...)</c> in an async loop, each call
/// timed on its own. BenchmarkDotNet times the same calls too (ExecutionBenchmarks, ToolBridgeBenchmarks), but it
/// waits for each task by blocking its thread, so its figure also holds the wake-up of that thread, which an
/// application that awaits does not pay.
/// </summary>
internal static class AwaitedExecutionFigures
{
    /// <summary>
    /// How long each call is run before it is timed. The runtime compiles hot methods again, optimised, in the
    /// background and some time after they become hot; a count of warm-up calls that takes a fraction of a second
    /// measured the code before that (about twice as slow, measured).
    /// </summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(int n)
    {
        var samples = n * 25;
        Console.WriteLine($"[2, 3] Executions awaited in an async loop ({samples} samples each after {WarmUp.TotalSeconds:0} s of warm-up; the bridge in 3 alternating rounds)");
        using var interpreter = new JintInterpreter();
        var add = Fixtures.CreateAddTool();
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions { Tools = [add] }).ConfigureAwait(false);
        Fixtures.Check(session, "1+1", "2");
        Fixtures.Check(session, ToolBridgeBenchmarks.LoopWithTool, "5050");
        Fixtures.Check(session, ToolBridgeBenchmarks.LoopWithoutTool, "5050");

        var onePlusOne = await TimeAsync(() => session.ExecuteAsync("1+1"), samples).ConfigureAwait(false);
        Console.WriteLine($"     [2] `1+1`, warm session      {onePlusOne.Describe()}");

        var arguments = new AIFunctionArguments { ["a"] = 1, ["b"] = 2 };
        var a100 = new List<double>();
        var b100 = new List<double>();
        var direct = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            a100.Add((await TimeAsync(() => session.ExecuteAsync(ToolBridgeBenchmarks.LoopWithTool), samples / 10).ConfigureAwait(false)).Median);
            b100.Add((await TimeAsync(() => session.ExecuteAsync(ToolBridgeBenchmarks.LoopWithoutTool), samples / 10).ConfigureAwait(false)).Median);
            direct.Add((await TimeAsync(async () => await add.InvokeAsync(arguments).ConfigureAwait(false), samples).ConfigureAwait(false)).Median);
        }

        var (a, b, c) = (new Samples(a100).Median, new Samples(b100).Median, new Samples(direct).Median);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"     [3] A100 {a:0.0} µs, B100 {b:0.0} µs, C (direct call) {c:0.00} µs (medians of the rounds' medians): bridge per call (A100 - B100) / 100 - C = {(a - b) / 100 - c:0.00} µs"));
    }

    private static async Task<Samples> TimeAsync(Func<Task> run, int samples)
    {
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < WarmUp)
        {
            await run().ConfigureAwait(false);
        }

        var timings = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await run().ConfigureAwait(false);
            timings[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        return new Samples(timings);
    }
}
