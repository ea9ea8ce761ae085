using System.Diagnostics;

namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>
/// The <c>scaling</c> mode, per backend: throughput of trivial executions (<c>1 + 1</c>) with 1, 2, 8 and 64
/// concurrent sessions, and the memory of idle sessions.
/// </summary>
internal static class Scaling
{
    private static readonly int[] Concurrency = [1, 2, 8, 64];
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(2);
    private const int IdleSessions = 200;

    /// <summary>Measures and prints both tables.</summary>
    /// <param name="backends">Our backends that run here.</param>
    public static async Task RunAsync(IReadOnlyList<Backend> backends)
    {
        await PrintThroughputAsync(backends);
        await PrintMemoryAsync(backends);
    }

    private static async Task PrintThroughputAsync(IReadOnlyList<Backend> backends)
    {
        Console.WriteLine();
        Console.WriteLine(Stats.Invariant(
            $"## scaling: executions of `1 + 1` per second, all sessions together; one interpreter per backend (warm pool on); each concurrent worker owns one session and executes for {Duration.TotalSeconds:0.#} s after {WarmUp.TotalSeconds:0.#} s of warm-up"));
        Console.WriteLine("| backend | " + string.Join(" | ", Concurrency.Select(c => Stats.Invariant($"{c} session{(c == 1 ? "" : "s")}"))) + " |");
        Console.WriteLine("| --- |" + string.Concat(Concurrency.Select(_ => " --- |")));
        foreach (var backend in backends)
        {
            Console.Error.WriteLine($"... throughput of {backend.Name}");
            using var scope = backend.Open(warmPool: true);
            await ThroughputAsync(scope.Interpreter, backend, 2); // untimed: the JIT and the backend's caches settle first.
            var cells = new List<string>();
            foreach (var workers in Concurrency)
            {
                cells.Add(Stats.Invariant($"{await ThroughputAsync(scope.Interpreter, backend, workers):#,0}"));
            }

            Console.WriteLine($"| {backend.Name} | {string.Join(" | ", cells)} |");
        }
    }

    /// <summary>Executions per second of <paramref name="workers"/> sessions of one interpreter running at once.</summary>
    private static async Task<double> ThroughputAsync(ICodeInterpreter interpreter, Backend backend, int workers)
    {
        var sessions = new List<IInterpreterSession>(workers);
        try
        {
            for (var i = 0; i < workers; i++)
            {
                sessions.Add(await interpreter.CreateSessionAsync(new SandboxOptions()));
            }

            var source = backend.Source(Workload.Start);
            var from = Stopwatch.GetTimestamp() + Ticks(WarmUp);
            var to = from + Ticks(Duration);
            var counts = await Task.WhenAll(sessions.Select(session => Task.Run(() => WorkAsync(backend.Name, session, source, from, to))));
            return counts.Sum() / Duration.TotalSeconds;
        }
        finally
        {
            await DisposeAllAsync(sessions);
        }
    }

    /// <summary>Executes until <paramref name="to"/>; counts the executions that end between the two timestamps.</summary>
    private static async Task<int> WorkAsync(string backend, IInterpreterSession session, string source, long from, long to)
    {
        var counted = 0;
        while (Stopwatch.GetTimestamp() < to)
        {
            var result = await session.ExecuteAsync(source);
            BackendTimings.Check(backend, Workload.Start, result);
            var ended = Stopwatch.GetTimestamp();
            if (ended >= from && ended < to)
            {
                counted++;
            }
        }

        return counted;
    }

    private static async Task PrintMemoryAsync(IReadOnlyList<Backend> backends)
    {
        Console.WriteLine();
        Console.WriteLine(Stats.Invariant(
            $"## memory per idle session: {IdleSessions} live sessions, each after one execution of `1 + 1`; full GC before each reading; warm pools off, so that only these sessions are counted"));
        Console.WriteLine("| backend | managed heap per session | process RSS per session (V8's heaps are native) | managed heap left after disposing them all |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var backend in backends)
        {
            Console.Error.WriteLine($"... memory of {backend.Name}");
            var figures = await MemoryAsync(backend);
            var resident = backend.Name == "v8" ? Stats.Bytes(figures.ResidentPerSession) : "—";
            Console.WriteLine($"| {backend.Name} | {Stats.Bytes(figures.HeapPerSession)} | {resident} | {Stats.Bytes(figures.HeapLeft)} |");
        }

        Console.WriteLine();
        Console.WriteLine("Managed heap: GC.GetTotalMemory(true) difference. RSS: /proc/self/status VmRSS difference, shown for V8 only: for the managed backends it mostly follows what the GC keeps committed, not the sessions.");
    }

    /// <summary>What <see cref="IdleSessions"/> idle sessions cost, per session, and what remains once they are disposed.</summary>
    private sealed record MemoryFigures(double HeapPerSession, double ResidentPerSession, double HeapLeft);

    private static async Task<MemoryFigures> MemoryAsync(Backend backend)
    {
        using var scope = backend.Open(warmPool: false);
        var source = backend.Source(Workload.Start);
        for (var i = 0; i < 5; i++)
        {
            await DisposeAllAsync([await OpenIdleSessionAsync(scope.Interpreter, backend, source)]);
        }

        var heapBefore = Machine.CollectAndMeasureHeap();
        var residentBefore = Machine.ResidentBytes();
        var sessions = new List<IInterpreterSession>(IdleSessions);
        for (var i = 0; i < IdleSessions; i++)
        {
            sessions.Add(await OpenIdleSessionAsync(scope.Interpreter, backend, source));
        }

        var heapLive = Machine.CollectAndMeasureHeap();
        var residentLive = Machine.ResidentBytes();
        await DisposeAllAsync(sessions);
        var heapAfter = Machine.CollectAndMeasureHeap();
        return new MemoryFigures(
            (heapLive - heapBefore) / (double)IdleSessions,
            (residentLive - residentBefore) / (double)IdleSessions,
            heapAfter - heapBefore);
    }

    private static async Task<IInterpreterSession> OpenIdleSessionAsync(ICodeInterpreter interpreter, Backend backend, string source)
    {
        var session = await interpreter.CreateSessionAsync(new SandboxOptions());
        BackendTimings.Check(backend.Name, Workload.Start, await session.ExecuteAsync(source));
        return session;
    }

    private static async Task DisposeAllAsync(IEnumerable<IInterpreterSession> sessions)
    {
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
