using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>
/// Times the workloads on one backend through the public API, as a host runs them: session start on an interpreter
/// with its warm pool on, and each compute script repeated in one session (compiled and run each time).
/// </summary>
internal static class BackendTimings
{
    /// <summary>Session starts timed per backend (after <see cref="StartWarmUp"/> untimed ones).</summary>
    public const int StartRuns = 100;

    /// <summary>Session starts run first and not timed: the JIT and the pools settle.</summary>
    public const int StartWarmUp = 20;

    /// <summary>Untimed pause before each session start, in which a warm pool refills, as between a host's sessions.</summary>
    public static readonly TimeSpan StartPause = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How long a compute script is run first in its session, untimed (at least once): long enough for V8's optimising
    /// compiler on the short scripts, a single run of the long ones.
    /// </summary>
    public static readonly TimeSpan ComputeWarmUp = TimeSpan.FromSeconds(0.5);

    /// <summary>Limits that let the compute scripts run to the end on every backend (Jint's loop takes seconds).</summary>
    private static readonly SandboxOptions ComputeOptions = new()
    {
        Timeout = TimeSpan.FromMinutes(10),
        MaxOperations = long.MaxValue,
        MemoryLimitBytes = 1L << 30,
    };

    /// <summary>The tool of the tools workload: <c>add(a, b)</c>, a reflection-bound delegate as hosts write them.</summary>
    private static readonly AIFunction AddTool = AIFunctionFactory.Create((int a, int b) => a + b, "add");

    /// <summary>The median milliseconds of each workload on <paramref name="backend"/>.</summary>
    /// <param name="backend">The backend.</param>
    /// <param name="computeRuns">Timed executions of each compute script.</param>
    public static async Task<IReadOnlyDictionary<Workload, double>> MeasureAsync(Backend backend, int computeRuns)
    {
        using var scope = backend.Open(warmPool: true);
        return new Dictionary<Workload, double>
        {
            [Workload.Start] = await StartAsync(scope.Interpreter, backend),
            [Workload.Loop] = await ComputeAsync(scope.Interpreter, backend, Workload.Loop, computeRuns),
            [Workload.Json] = await ComputeAsync(scope.Interpreter, backend, Workload.Json, computeRuns),
            [Workload.Tools] = await ComputeAsync(scope.Interpreter, backend, Workload.Tools, computeRuns),
        };
    }

    /// <summary>Throws unless <paramref name="result"/> completed with the value <paramref name="workload"/> must give.</summary>
    public static void Check(string backend, Workload workload, ExecutionResult result)
    {
        var expected = Workloads.Expected(workload);
        if (!result.IsSuccess || result.Value is not { ValueKind: JsonValueKind.Number } value || !value.TryGetInt64(out var actual) || actual != expected)
        {
            throw new InvalidOperationException(
                $"{backend}: {workload} ended {result.Status} with value {result.Value?.GetRawText() ?? "none"} ({result.Error?.Message}); expected {expected}.");
        }
    }

    private static async Task<double> StartAsync(ICodeInterpreter interpreter, Backend backend)
    {
        var source = backend.Source(Workload.Start);
        var times = new List<double>(StartRuns);
        for (var run = 0; run < StartWarmUp + StartRuns; run++)
        {
            await Task.Delay(StartPause);
            var started = Stopwatch.GetTimestamp();
            var session = await interpreter.CreateSessionAsync(new SandboxOptions());
            var result = await session.ExecuteAsync(source);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await session.DisposeAsync();
            Check(backend.Name, Workload.Start, result);
            if (run >= StartWarmUp)
            {
                times.Add(elapsed);
            }
        }

        return Stats.Median(times);
    }

    private static async Task<double> ComputeAsync(ICodeInterpreter interpreter, Backend backend, Workload workload, int runs)
    {
        var source = backend.Source(workload);
        // Only the tools workload's session has the tool, so that the other sessions are as before.
        var options = workload == Workload.Tools ? ComputeOptions with { Tools = [AddTool] } : ComputeOptions;
        await using var session = await interpreter.CreateSessionAsync(options);
        var warmUp = Stopwatch.StartNew();
        do
        {
            await TimeExecutionAsync(session, backend, workload, source);
        }
        while (warmUp.Elapsed < ComputeWarmUp);

        var times = new List<double>(runs);
        for (var run = 0; run < runs; run++)
        {
            times.Add(await TimeExecutionAsync(session, backend, workload, source));
        }

        return Stats.Median(times);
    }

    /// <summary>Milliseconds of one execution, checked.</summary>
    private static async Task<double> TimeExecutionAsync(IInterpreterSession session, Backend backend, Workload workload, string source)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await session.ExecuteAsync(source);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Check(backend.Name, workload, result);
        return elapsed;
    }
}
