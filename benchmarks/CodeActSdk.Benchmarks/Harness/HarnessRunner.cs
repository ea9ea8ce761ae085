using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using CodeActSdk.Benchmarks.Suites;
using CodeActSdk.Jint;
using CodeActSdk.Testing;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// The figures that a tight BenchmarkDotNet loop cannot give: session creation from a warm pool (a tight loop drains
/// the pool), memory per live session, and the agent loop's own cost per step (which needs the durations each step
/// records). Every figure is a median (and p95) over measured samples after a warm-up.
/// </summary>
public static class HarnessRunner
{
    private static readonly string[] AllFigures = ["pool", "sustained", "cold", "memory", "agent"];
    private static readonly string[] ExtraFigures = ["execute", "churn", "memory-policies", "journal-sqlite", "journal-postgres", "resume", "approval", "context", "delegation", "isolation", "hostile", "parse", "compile-cost", "parse-failures"];

    // Figures that run no Jint sandbox, so they skip its warm-up.
    private static readonly string[] WithoutInterpreter = ["journal-sqlite", "journal-postgres", "compile-cost", "parse-failures"];
    private static readonly TimeSpan RefillPause = TimeSpan.FromMilliseconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var n = 200;
        var figures = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--n" && i + 1 < args.Length && int.TryParse(args[i + 1], out var parsed) && parsed > 0)
            {
                n = parsed;
                i++;
            }
            else if (AllFigures.Contains(args[i]) || ExtraFigures.Contains(args[i]))
            {
                figures.Add(args[i]);
            }
            else
            {
                Console.Error.WriteLine($"Unknown harness argument '{args[i]}'. Figures: {string.Join(", ", AllFigures.Concat(ExtraFigures))}; option: --n N.");
                return 1;
            }
        }

        if (figures.Count == 0)
        {
            figures.AddRange(AllFigures);
        }

        PrintEnvironment();
        if (!figures.All(WithoutInterpreter.Contains))
        {
            await FirstUseAndWarmUpAsync().ConfigureAwait(false);
        }

        foreach (var figure in figures)
        {
            Console.WriteLine();
            switch (figure)
            {
                case "pool":
                    await WarmPoolCreationAsync(n).ConfigureAwait(false);
                    break;
                case "sustained":
                    await SustainedCreationAsync(n).ConfigureAwait(false);
                    break;
                case "cold":
                    await ColdCreationAsync(n).ConfigureAwait(false);
                    break;
                case "memory":
                    await MemoryPerSessionAsync(1000).ConfigureAwait(false);
                    break;
                case "agent":
                    await AgentOverheadAsync(n).ConfigureAwait(false);
                    break;
                case "parse-failures":
                    await ParseFailureFigures.RunAsync().ConfigureAwait(false);
                    break;
                case "execute":
                    await AwaitedExecutionFigures.RunAsync(n).ConfigureAwait(false);
                    break;
                case "churn":
                    await AllocationChurnAsync().ConfigureAwait(false);
                    break;
                case "memory-policies":
                    await MemoryPolicyFigures.RunAsync(n).ConfigureAwait(false);
                    break;
                case "journal-sqlite":
                    await JournalSqliteFigures.RunAsync().ConfigureAwait(false);
                    break;
                case "journal-postgres":
                    await JournalPostgresFigures.RunAsync().ConfigureAwait(false);
                    break;
                case "resume":
                    await DurableResumeFigures.RunAsync().ConfigureAwait(false);
                    break;
                case "approval":
                    await ApprovalFigures.RunAsync().ConfigureAwait(false);
                    break;
                case "context":
                    await ContextFigures.RunAsync(n).ConfigureAwait(false);
                    break;
                case "delegation":
                    await DelegationFigures.RunAsync(n).ConfigureAwait(false);
                    break;
                case "isolation":
                    await IsolationFigures.RunAsync(n).ConfigureAwait(false);
                    break;
                case "hostile":
                    await HostileFigures.RunAsync(Math.Clamp(n / 40, 3, 9)).ConfigureAwait(false);
                    break;
                case "parse":
                    await HostileFigures.ParseCostAsync(Math.Clamp(n / 4, 5, 50)).ConfigureAwait(false);
                    break;
                case "compile-cost":
                    await CompileCostFigures.RunAsync(Math.Clamp(n / 40, 3, 15)).ConfigureAwait(false);
                    break;
            }
        }

        return 0;
    }

    private static void PrintEnvironment()
    {
        var optimized = typeof(HarnessRunner).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        Console.WriteLine($"Runtime      {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        Console.WriteLine($"OS           {RuntimeInformation.OSDescription}");
        Console.WriteLine($"Processors   {Environment.ProcessorCount}");
        Console.WriteLine($"GC           {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, latency mode {System.Runtime.GCSettings.LatencyMode}");
        Console.WriteLine($"Build        {(optimized ? "optimized (Release)" : "NOT OPTIMIZED: run with -c Release, these figures are meaningless")}");
    }

    // ---- JIT warm-up ------------------------------------------------------------------------------------------------

    private const int WarmUpSessions = 6000;

    /// <summary>
    /// Times the very first session of the process (JIT included), then creates sessions until the code they run is
    /// fully tiered up. Building an engine calls hundreds of methods once each; they reach tier-1 code only after a
    /// few thousand engines (about 130 µs per engine before, about 40 µs after, on the reference machine). Without
    /// this the first figures would measure the JIT, not the SDK, and a long-running host is in the tiered-up state.
    /// </summary>
    private static async Task FirstUseAndWarmUpAsync()
    {
        var started = Stopwatch.GetTimestamp();
        using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });
        var session = await interpreter.CreateSessionAsync(new SandboxOptions { Tools = [Fixtures.CreateAddTool()] }).ConfigureAwait(false);
        var created = Stopwatch.GetElapsedTime(started);
        Fixtures.Check(session, "add(1, 2)", "3");
        var executed = Stopwatch.GetElapsedTime(started);
        await session.DisposeAsync().ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"First use     new interpreter + first session {created.TotalMilliseconds:0.0} ms, + first execution with a tool call {executed.TotalMilliseconds:0.0} ms (JIT included; once per process)"));

        started = Stopwatch.GetTimestamp();
        var tools = new SandboxOptions { Tools = [Fixtures.CreateAddTool()] };
        for (var i = 0; i < WarmUpSessions; i++)
        {
            session = await interpreter.CreateSessionAsync(i % 2 == 0 ? new SandboxOptions() : tools).ConfigureAwait(false);
            if (i % 20 == 1)
            {
                Fixtures.Check(session, SmallExecution, "6");
                Fixtures.Check(session, "add(1, 2)", "3");
            }

            await session.DisposeAsync().ConfigureAwait(false);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Warm-up       {WarmUpSessions:N0} sessions created back to back in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s, so that every figure below is for tiered-up (steady-state) code"));
    }

    // ---- 1a: creation from a warm pool -------------------------------------------------------------------------

    /// <summary>
    /// A host that creates a session now and then: create one, dispose it, give the pool time to build a replacement,
    /// repeat. Only the CreateSessionAsync call is timed.
    /// </summary>
    private static async Task WarmPoolCreationAsync(int n)
    {
        Console.WriteLine($"[1a] Session creation from a warm pool (WarmEngines = 4, {RefillPause.TotalMilliseconds:0} ms pause between creations)");
        await MeasureWarmPoolAsync(n, new SandboxOptions(), "no tools").ConfigureAwait(false);
        await MeasureWarmPoolAsync(n, new SandboxOptions { Tools = [Fixtures.CreateAddTool()] }, "one tool (add)").ConfigureAwait(false);
    }

    private static async Task MeasureWarmPoolAsync(int n, SandboxOptions options, string label)
    {
        using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 4 });
        var pool = PoolProbe.For(interpreter);
        await CreateRepeatedlyAsync(interpreter, options, 30, RefillPause).ConfigureAwait(false); // warm-up: JIT, thread pool
        var timings = new double[n];
        var fullPool = 0;
        var emptyPool = 0;
        for (var i = 0; i < n; i++)
        {
            Thread.Sleep(RefillPause);
            var before = pool.Count;
            fullPool += before >= 4 ? 1 : 0;
            emptyPool += before == 0 ? 1 : 0;
            var started = Stopwatch.GetTimestamp();
            var session = await interpreter.CreateSessionAsync(options).ConfigureAwait(false);
            timings[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            await session.DisposeAsync().ConfigureAwait(false);
        }

        Console.WriteLine($"     {label,-16} {new Samples(timings).Describe()}");
        Console.WriteLine($"     {"",-16} pool full before {fullPool}/{n} creations, empty before {emptyPool}/{n}{pool.Note}");
    }

    // ---- 1a': sustained creation ---------------------------------------------------------------------------------

    /// <summary>Back-to-back creation with no pause: the pool drains after a few sessions and the rest build their engines.</summary>
    private static async Task SustainedCreationAsync(int n)
    {
        Console.WriteLine("[1a'] Sustained session creation, back to back, no pause (WarmEngines = 4)");
        using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 4 });
        var pool = PoolProbe.For(interpreter);
        await CreateRepeatedlyAsync(interpreter, new SandboxOptions(), 30, RefillPause).ConfigureAwait(false);
        Thread.Sleep(50);
        var timings = new double[n];
        var fromPool = new List<double>();
        var built = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var empty = pool.Count == 0;
            var started = Stopwatch.GetTimestamp();
            var session = await interpreter.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
            timings[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            (empty ? built : fromPool).Add(timings[i]);
            await session.DisposeAsync().ConfigureAwait(false);
        }

        Console.WriteLine($"     {"all",-16} {new Samples(timings).Describe()}");
        if (pool.Count >= 0)
        {
            // The distribution is bimodal (an engine is ready, or it is not), so the overall median says little.
            Console.WriteLine($"     {"pool had one",-16} {(fromPool.Count > 0 ? new Samples(fromPool).Describe() : "(never)")}");
            Console.WriteLine($"     {"pool was empty",-16} {(built.Count > 0 ? new Samples(built).Describe() : "(never)")}");
        }
        else
        {
            Console.WriteLine($"     {"",-16}{pool.Note}");
        }
    }

    // ---- 1b: cold creation -----------------------------------------------------------------------------------------

    private static async Task ColdCreationAsync(int n)
    {
        Console.WriteLine($"[1b] Cold session creation (WarmEngines = 0: the engine is built inside CreateSessionAsync; {RefillPause.TotalMilliseconds:0} ms pause)");
        using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });
        var options = new SandboxOptions();
        await CreateRepeatedlyAsync(interpreter, options, 30, RefillPause).ConfigureAwait(false);
        var timings = new double[n];
        for (var i = 0; i < n; i++)
        {
            Thread.Sleep(RefillPause);
            var started = Stopwatch.GetTimestamp();
            var session = await interpreter.CreateSessionAsync(options).ConfigureAwait(false);
            timings[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            await session.DisposeAsync().ConfigureAwait(false);
        }

        Console.WriteLine($"     {"no tools",-16} {new Samples(timings).Describe()}");
    }

    private static async Task CreateRepeatedlyAsync(JintInterpreter interpreter, SandboxOptions options, int count, TimeSpan pause)
    {
        for (var i = 0; i < count; i++)
        {
            var session = await interpreter.CreateSessionAsync(options).ConfigureAwait(false);
            if (i == 0)
            {
                Fixtures.Check(session, "1+1", "2");
            }

            await session.DisposeAsync().ConfigureAwait(false);
            Thread.Sleep(pause);
        }
    }

    // ---- 5: memory per live session --------------------------------------------------------------------------------

    // Modern syntax, as a model writes it; it declares top-level names, so it runs once per session.
    private const string SmallExecution = "const items = [3, 1, 2]; const total = items.reduce((sum, x) => sum + x, 0); console.log(`total ${total}`); total";

    /// <summary>Managed heap growth (after full collections) for <paramref name="count"/> live sessions, per session.</summary>
    private static async Task MemoryPerSessionAsync(int count)
    {
        Console.WriteLine($"[5] Managed memory per live session, {count:N0} sessions in one process (WarmEngines = 0, so that no pooled engine is counted)");
        foreach (var execute in new[] { false, true })
        {
            using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });
            // Warm-up: JIT, static caches, the sandbox threads.
            for (var i = 0; i < 20; i++)
            {
                var warm = await interpreter.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
                Fixtures.Check(warm, SmallExecution, "6");
                await warm.DisposeAsync().ConfigureAwait(false);
            }

            var sessions = new List<IInterpreterSession>(count);
            var before = SettledHeap();
            var workingSetBefore = Environment.WorkingSet;
            for (var i = 0; i < count; i++)
            {
                var session = await interpreter.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
                if (execute)
                {
                    var result = await session.ExecuteAsync(SmallExecution).ConfigureAwait(false);
                    if (!result.IsSuccess)
                    {
                        throw new InvalidOperationException($"The small execution failed: {result.Error}");
                    }
                }

                sessions.Add(session);
            }

            var after = SettledHeap();
            var workingSetAfter = Environment.WorkingSet;
            var perSession = (after - before) / (double)count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"     {(execute ? "one small execution each" : "no execution"),-26} {perSession / 1024,8:0.0} KiB per session   ({(after - before) / (1024.0 * 1024),6:0.0} MiB managed for {count:N0}; working set grew {(workingSetAfter - workingSetBefore) / (1024.0 * 1024),6:0.0} MiB)"));
            foreach (var session in sessions)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }

            GC.KeepAlive(sessions);
        }
    }

    private static long SettledHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    // ---- extra: an allocating execution next to many live sessions --------------------------------------------

    private const string ChurnExecution = "var a; for (var i = 0; i < 100000; i++) { a = [i, i + 1, { x: i }]; } a.length";

    /// <summary>
    /// Not one of the targets. The memory limit is enforced with forced, blocking full collections once an execution
    /// has allocated (garbage included) about the limit; a full collection stops the whole process and its cost
    /// grows with everything else that is alive. This runs one allocation-heavy execution with no other session and
    /// with 1,000 live sessions, and reports its duration and the GC pauses it caused.
    /// </summary>
    private static async Task AllocationChurnAsync()
    {
        Console.WriteLine("[extra] One allocation-heavy execution (100,000 iterations building small arrays), alone and next to 1,000 live sessions");
        using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });
        var live = new List<IInterpreterSession>();
        // The third run raises the memory limit above what the execution allocates, so that no forced collection
        // runs: the difference from the second is the cost of the forced collections.
        foreach (var (others, limit) in new[] { (0, 64L << 20), (1000, 64L << 20), (1000, 1L << 30) })
        {
            var options = new SandboxOptions { Timeout = TimeSpan.FromSeconds(60), MemoryLimitBytes = limit };
            while (live.Count < others)
            {
                var other = await interpreter.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
                await other.ExecuteAsync(SmallExecution).ConfigureAwait(false);
                live.Add(other);
            }

            var session = await interpreter.CreateSessionAsync(options).ConfigureAwait(false);
            Fixtures.Check(session, ChurnExecution, "3"); // warm-up, and proof that it completes
            var durations = new List<double>();
            var pauses = new List<double>();
            var fullCollections = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var gen2 = GC.CollectionCount(2);
                var pause = GC.GetTotalPauseDuration();
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var result = await session.ExecuteAsync(ChurnExecution).ConfigureAwait(false);
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"The churn execution failed: {result.Error}");
                }

                durations.Add(result.Duration.TotalMicroseconds / 1000);
                pauses.Add((GC.GetTotalPauseDuration() - pause).TotalMicroseconds / 1000);
                fullCollections.Add(GC.CollectionCount(2) - gen2);
                if (i == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"     {others,5:N0} other live sessions, MemoryLimitBytes {limit >> 20:N0} MiB: the execution allocates {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (1024.0 * 1024):0} MiB"));
                }
            }

            Console.WriteLine($"     {"",5}   duration           {new Samples(durations).Describe("ms")}");
            Console.WriteLine($"     {"",5}   GC pause in it     {new Samples(pauses).Describe("ms")}");
            Console.WriteLine($"     {"",5}   gen2 collections   {new Samples(fullCollections).Describe("")}");
            await session.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var other in live)
        {
            await other.DisposeAsync().ConfigureAwait(false);
        }
    }

    // ---- 4: agent-loop overhead per step ------------------------------------------------------------------------

    private const int AgentSteps = 10;

    /// <summary>
    /// A 10-step run with a scripted model: steps 1-9 each run one trivial block, step 10 calls final_answer. The
    /// loop's own cost is the run's wall time minus the model and execution time that the steps record, and minus the
    /// other calls the loop makes into the sandbox (the session's creation and disposal, the state digest), which a
    /// timing decorator around the interpreter measures; those are shown on their own lines.
    /// </summary>
    private static async Task AgentOverheadAsync(int n)
    {
        Console.WriteLine($"[4] Agent loop, {AgentSteps}-step scripted run (ScriptedChatClient; default CodeActOptions and SandboxOptions; WarmEngines = 4, {RefillPause.TotalMilliseconds:0} ms pause between runs)");
        var turns = Enumerable.Range(1, AgentSteps - 1)
            .Select(i => $"Step {i}: keep a running value.\n```js\nvar x{i} = {i};\nconsole.log('x{i} =', x{i});\n```")
            .Append("Done.\n```js\nfinal_answer(x1 + x9);\n```")
            .ToArray();
        using var jint = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 4 });
        var interpreter = new SandboxCallTimer(jint);

        for (var i = 0; i < 30; i++)
        {
            await RunAgentOnceAsync(interpreter, turns).ConfigureAwait(false);
        }

        _ = interpreter.TakeMicroseconds();
        var names = new[] { "loop's own work / step", "total / step", "  model / step", "  execution / step", "  digest / step", "  session open+close / step", "whole run (10 steps)" };
        var samples = names.Select(_ => new double[n]).ToArray();
        for (var i = 0; i < n; i++)
        {
            var (total, model, execution) = await RunAgentOnceAsync(interpreter, turns).ConfigureAwait(false);
            var (digest, lifecycle) = interpreter.TakeMicroseconds();
            double[] values = [(total - model - execution - digest - lifecycle) / AgentSteps, total / AgentSteps, model / AgentSteps, execution / AgentSteps, digest / AgentSteps, lifecycle / AgentSteps, total];
            for (var k = 0; k < values.Length; k++)
            {
                samples[k][i] = values[k];
            }
        }

        for (var k = 0; k < names.Length; k++)
        {
            Console.WriteLine($"     {names[k],-28} {new Samples(samples[k]).Describe()}");
        }
    }

    /// <summary>Runs one agent (built outside the timing, as a host keeps one agent) and returns total, model and execution time in µs.</summary>
    private static async Task<(double Total, double Model, double Execution)> RunAgentOnceAsync(ICodeInterpreter interpreter, string[] turns)
    {
        var client = new ScriptedChatClient(turns);
        using var agent = new CodeActAgent(interpreter, new ChatClientCodeGenerator(client), new CodeActOptions { MaxSteps = AgentSteps });
        Thread.Sleep(RefillPause);
        var started = Stopwatch.GetTimestamp();
        var result = await agent.RunAsync("Add up a few numbers.").ConfigureAwait(false);
        var total = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        if (result.Outcome != AgentOutcome.FinalAnswer || result.Steps.Count != AgentSteps || result.FinalAnswerText != "10")
        {
            throw new InvalidOperationException($"The scripted run did not go as planned: {result.Outcome} after {result.Steps.Count} steps, answer {result.FinalAnswerText}.");
        }

        var model = result.Steps.Sum(s => s.ModelDuration.TotalMicroseconds);
        var execution = result.Steps.Sum(s => s.ExecutionDuration.TotalMicroseconds);
        return (total, model, execution);
    }

    /// <summary>
    /// Times the loop's calls into the sandbox other than executions (which the steps time themselves): creating and
    /// disposing the run's session, and the state digest. The runs are sequential, so plain fields suffice.
    /// </summary>
    private sealed class SandboxCallTimer(ICodeInterpreter inner) : DelegatingCodeInterpreter(inner)
    {
        private long _digestTicks;
        private long _lifecycleTicks;

        public (double Digest, double Lifecycle) TakeMicroseconds()
        {
            var taken = (Stopwatch.GetElapsedTime(0, _digestTicks).TotalMicroseconds, Stopwatch.GetElapsedTime(0, _lifecycleTicks).TotalMicroseconds);
            _digestTicks = _lifecycleTicks = 0;
            return taken;
        }

        public override async ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default)
        {
            var started = Stopwatch.GetTimestamp();
            var session = await base.CreateSessionAsync(options, cancellationToken).ConfigureAwait(false);
            _lifecycleTicks += Stopwatch.GetTimestamp() - started;
            return new TimedSession(session, this);
        }

        private sealed class TimedSession(IInterpreterSession inner, SandboxCallTimer timer) : DelegatingInterpreterSession(inner)
        {
            public override async ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default)
            {
                var started = Stopwatch.GetTimestamp();
                var digest = await base.DescribeVariablesAsync(cancellationToken).ConfigureAwait(false);
                timer._digestTicks += Stopwatch.GetTimestamp() - started;
                return digest;
            }

            protected override async ValueTask DisposeAsyncCore()
            {
                var started = Stopwatch.GetTimestamp();
                await base.DisposeAsyncCore().ConfigureAwait(false);
                timer._lifecycleTicks += Stopwatch.GetTimestamp() - started;
            }
        }
    }

    /// <summary>
    /// Reads how many engines the interpreter holds ready, for the diagnostic line only (the pool is private; if its
    /// field is renamed the count reads as unknown and the figures are unaffected).
    /// </summary>
    private sealed class PoolProbe
    {
        private readonly ICollection? _queue;

        private PoolProbe(ICollection? queue) => _queue = queue;

        public int Count => _queue?.Count ?? -1;

        public string Note => _queue is null ? " (pool size unknown: the probe found no pool field)" : "";

        public static PoolProbe For(JintInterpreter interpreter) =>
            new(typeof(JintInterpreter).GetField("_warm", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(interpreter) as ICollection);
    }
}
