using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CodeActSdk.Benchmarks.Suites;
using CodeActSdk.Isolation;
using CodeActSdk.Isolation.Protocol;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// What process isolation (CodeActSdk.Isolation) costs, per backend, each figure beside the in-process one: a new
/// session from the warm pool, a cold worker start, the round trip of a trivial execution, and a tool call across
/// the process boundary. Then a breakdown of the warm-pool creation, taken by talking to fresh workers directly, so
/// that a slow figure says where its time goes.
/// </summary>
/// <remarks>
/// The worker is <c>CodeActSdk.Worker.dll</c> next to the benchmark (the project references it), started by the
/// default <see cref="WorkerLauncher"/>.
/// </remarks>
public static class IsolationFigures
{
    private const int PoolSize = 2;
    private static readonly TimeSpan RefillPause = TimeSpan.FromMilliseconds(5);

    // A worker that has just said ready may still be finishing its start (tiered compilation, the backend's own warm
    // engines); on a 2-core machine that would compete with the measured call, so each sample waits this much more.
    private static readonly TimeSpan SettlePause = TimeSpan.FromMilliseconds(200);

    private static readonly SandboxOptions Isolated = new() { Isolation = SandboxIsolation.Process };

    public static async Task RunAsync(int n)
    {
        var creations = Math.Max(10, n / 5);
        var coldStarts = Math.Max(5, n / 10);
        var launcher = new WorkerLauncher();
        Console.WriteLine($"[isolation] Process isolation against in-process, per backend. Worker {launcher.WorkerPath}");
        Console.WriteLine($"     load before: {LoadAverage()}");
        foreach (var backend in new[] { "jint", "v8", "csharp" })
        {
            ICodeInterpreter inProcess;
            try
            {
                inProcess = Create(backend);
                await using var probe = await inProcess.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Console.WriteLine($"[isolation] {backend}: skipped, the in-process backend does not start here ({e.GetType().Name}: {e.Message})");
                continue;
            }

            try
            {
                await MeasureBackendAsync(backend, inProcess, n, creations, coldStarts).ConfigureAwait(false);
                await BreakDownCreationAsync(backend, launcher, coldStarts).ConfigureAwait(false);
            }
            finally
            {
                await Disposal.DisposeAsync(inProcess).ConfigureAwait(false);
            }
        }

        Console.WriteLine($"     load after: {LoadAverage()}");
    }

    private static ICodeInterpreter Create(string backend) => backend switch
    {
        "jint" => new JintInterpreter(),
        "v8" => new V8Interpreter(),
        "csharp" => new RoslynInterpreter(),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "jint, v8 or csharp"),
    };

    private static (string Trivial, string ToolCall) Code(string backend) =>
        backend == "csharp" ? ("1 + 1", "tools.Add(1, 2)") : ("1 + 1", "add(1, 2)");

    private static async Task MeasureBackendAsync(string backend, ICodeInterpreter inProcess, int n, int creations, int coldStarts)
    {
        Console.WriteLine();
        Console.WriteLine($"[isolation] {backend}   (load {LoadAverage()})");

        // ---- 1: new session from the warm pool ----------------------------------------------------------------------
        var inProcessCreation = new double[n];
        for (var i = -30; i < n; i++)
        {
            Thread.Sleep(RefillPause);
            var started = Stopwatch.GetTimestamp();
            var session = await inProcess.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            await session.DisposeAsync().ConfigureAwait(false);
            if (i >= 0)
            {
                inProcessCreation[i] = elapsed;
            }
        }

        var (fromPool, refill) = await CreateFromPoolAsync(backend, inProcess, creations, new WorkerLauncher()).ConfigureAwait(false);
        Console.WriteLine($"  1 new session, warm pool   isolated   {fromPool.Describe()}");
        Console.WriteLine($"                             in-process {new Samples(inProcessCreation).Describe()}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"                             (pool of {PoolSize} full before every creation: each sample waited for the background refill, median {refill.Median / 1000:0} ms, then {SettlePause.TotalMilliseconds:0} ms more)"));

        // ---- 2: cold worker start -----------------------------------------------------------------------------------
        await using (var coldPool = new WorkerPool(new WorkerPoolOptions { Size = 0 }))
        {
            await using var isolated = new IsolatedInterpreter(inProcess, coldPool);
            var cold = new double[coldStarts];
            for (var i = -1; i < coldStarts; i++)
            {
                Thread.Sleep(SettlePause);
                var elapsed = await TimeCreationAsync(isolated).ConfigureAwait(false);
                if (i >= 0)
                {
                    cold[i] = elapsed;
                }
            }

            Console.WriteLine($"  2 cold worker start        isolated   {new Samples(cold).Describe()}");
            Console.WriteLine("                             (pool size 0: process start, backend loaded, ready, session created)");
        }

        // ---- 3 and 4: trivial execution and one tool call -----------------------------------------------------------
        var (trivialCode, toolCode) = Code(backend);
        var withTool = new SandboxOptions { Tools = [Fixtures.CreateAddTool()] };
        await using (var pool = new WorkerPool(new WorkerPoolOptions { Size = 1 }))
        {
            await using var isolated = new IsolatedInterpreter(inProcess, pool);
            await using var isolatedSession = await isolated.CreateSessionAsync(withTool with { Isolation = SandboxIsolation.Process }).ConfigureAwait(false);
            await using var inProcessSession = await inProcess.CreateSessionAsync(withTool).ConfigureAwait(false);
            var (isolatedTrivial, isolatedTool) = await TimeExecutionsAsync(isolatedSession, trivialCode, toolCode, n).ConfigureAwait(false);
            var (localTrivial, localTool) = await TimeExecutionsAsync(inProcessSession, trivialCode, toolCode, n).ConfigureAwait(false);
            Console.WriteLine($"  3 trivial execution `{trivialCode}` isolated   {isolatedTrivial.Describe()}");
            Console.WriteLine($"                             in-process {localTrivial.Describe()}");
            Console.WriteLine($"    execution with a tool call `{toolCode}`");
            Console.WriteLine($"                             isolated   {isolatedTool.Describe()}");
            Console.WriteLine($"                             in-process {localTool.Describe()}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  4 tool call round trip     isolated   {isolatedTool.Median - isolatedTrivial.Median,9:0.0} µs   in-process {localTool.Median - localTrivial.Median,9:0.0} µs   (difference of the two medians above)"));
        }
    }

    private static async Task<(Samples Created, Samples Refill)> CreateFromPoolAsync(string backend, ICodeInterpreter inProcess, int creations, WorkerLauncher launcher)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = PoolSize, Launcher = launcher });
        await using var isolated = new IsolatedInterpreter(inProcess, pool);
        isolated.Warm();
        var fromPool = new double[creations];
        var refill = new double[creations];
        for (var i = -3; i < creations; i++)
        {
            var waited = await WaitUntilFullAsync(pool, backend).ConfigureAwait(false);
            Thread.Sleep(SettlePause);
            var elapsed = await TimeCreationAsync(isolated).ConfigureAwait(false);
            if (i >= 0)
            {
                fromPool[i] = elapsed;
                refill[i] = waited;
            }
        }

        return (new Samples(fromPool), new Samples(refill));
    }

    /// <summary>Alternates the two executions in one session, after a warm-up, so that drift in the machine's load hits both alike.</summary>
    private static async Task<(Samples Trivial, Samples Tool)> TimeExecutionsAsync(IInterpreterSession session, string trivialCode, string toolCode, int n)
    {
        Fixtures.Check(session, trivialCode, "2");
        Fixtures.Check(session, toolCode, "3");
        var trivial = new double[n];
        var tool = new double[n];
        for (var i = -50; i < n; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await session.ExecuteAsync(trivialCode).ConfigureAwait(false);
            var trivialElapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            started = Stopwatch.GetTimestamp();
            await session.ExecuteAsync(toolCode).ConfigureAwait(false);
            var toolElapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            if (i >= 0)
            {
                trivial[i] = trivialElapsed;
                tool[i] = toolElapsed;
            }
        }

        return (new Samples(trivial), new Samples(tool));
    }

    /// <summary>Waits until the pool holds <see cref="PoolSize"/> ready workers; returns how long that took, in µs.</summary>
    private static async Task<double> WaitUntilFullAsync(WorkerPool pool, string backend)
    {
        var started = Stopwatch.GetTimestamp();
        while (pool.IdleCount(backend) < PoolSize)
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"The {backend} worker pool did not fill within 120 s.");
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        return Stopwatch.GetElapsedTime(started).TotalMicroseconds;
    }

    // ---- Breakdown: where a warm-pool creation spends its time -----------------------------------------------------

    /// <summary>
    /// Starts fresh workers with the launcher's own command and speaks the protocol to each directly: a bare round
    /// trip (a <c>describe</c> before any session, which the worker answers with an error at once) twice, then the
    /// very <c>create</c> message an <see cref="IsolatedSession"/> sends, then two trivial executions. The create
    /// minus a bare round trip is the worker's own part: the options parsed from JSON and the backend's first
    /// session creation in that process.
    /// </summary>
    private static async Task BreakDownCreationAsync(string backend, WorkerLauncher launcher, int workers)
    {
        var ready = new List<double>();
        var firstTrip = new List<double>();
        var secondTrip = new List<double>();
        var create = new List<double>();
        var tripAfterCreate = new List<double>();
        var firstExecution = new List<double>();
        var secondExecution = new List<double>();
        var (trivialCode, _) = Code(backend);
        var createMessage = new JsonObject
        {
            ["type"] = MessageTypes.Create,
            ["backend"] = backend,
            ["limits"] = SandboxOptionsWire.LimitsToJson(Isolated),
            ["tools"] = SandboxOptionsWire.ToolsToJson(Isolated.Tools),
            ["files"] = SandboxOptionsWire.FilesToJson(Isolated.Files),
        }.ToJsonString();
        for (var i = 0; i < workers; i++)
        {
            Thread.Sleep(SettlePause);
            await using var worker = await RawWorker.StartAsync(launcher, backend).ConfigureAwait(false);
            ready.Add(worker.ReadyAfter);
            Thread.Sleep(SettlePause); // as a pooled worker waits before it is taken
            firstTrip.Add(await worker.TimeAsync("""{"type":"describe","id":1}""").ConfigureAwait(false));
            secondTrip.Add(await worker.TimeAsync("""{"type":"describe","id":2}""").ConfigureAwait(false));
            create.Add(await worker.TimeAsync(createMessage[..^1] + ""","id":3}""", MessageTypes.Created).ConfigureAwait(false));
            tripAfterCreate.Add(await worker.TimeAsync("""{"type":"describe","id":4}""", MessageTypes.Variables).ConfigureAwait(false));
            var execute = new JsonObject { ["type"] = MessageTypes.Execute, ["code"] = trivialCode };
            execute["id"] = 5;
            firstExecution.Add(await worker.TimeAsync(execute.ToJsonString(), MessageTypes.Result).ConfigureAwait(false));
            execute["id"] = 6;
            secondExecution.Add(await worker.TimeAsync(execute.ToJsonString(), MessageTypes.Result).ConfigureAwait(false));
        }

        Console.WriteLine($"  breakdown, {workers} fresh workers spoken to directly (no pool, no IsolatedSession):");
        Console.WriteLine($"     process start to ready            {new Samples(ready).Describe()}");
        Console.WriteLine($"     1st bare round trip (describe)    {new Samples(firstTrip).Describe()}");
        Console.WriteLine($"     2nd bare round trip               {new Samples(secondTrip).Describe()}");
        Console.WriteLine($"     create (the session's message)    {new Samples(create).Describe()}");
        Console.WriteLine($"     round trip after create           {new Samples(tripAfterCreate).Describe()}");
        Console.WriteLine($"     1st execution `{trivialCode}`            {new Samples(firstExecution).Describe()}");
        Console.WriteLine($"     2nd execution `{trivialCode}`            {new Samples(secondExecution).Describe()}");
        Console.WriteLine($"     create message {Encoding.UTF8.GetByteCount(createMessage)} bytes");
    }

    /// <summary>A worker process driven line by line, for the breakdown only.</summary>
    private sealed class RawWorker : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private RawWorker(Process process, string directory, double readyAfter)
        {
            _process = process;
            _directory = directory;
            ReadyAfter = readyAfter;
        }

        /// <summary>From the process start until its ready line was read, in µs.</summary>
        public double ReadyAfter { get; }

        public static async Task<RawWorker> StartAsync(WorkerLauncher launcher, string backend)
        {
            var directory = Directory.CreateTempSubdirectory("codeact-bench-worker-").FullName;
            var started = Stopwatch.GetTimestamp();
            var process = Process.Start(launcher.CreateStartInfo(Create(backend).GetService<WorkerBackend>(), directory))!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            var line = await process.StandardOutput.ReadLineAsync().ConfigureAwait(false);
            var readyAfter = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            if (line is null || !line.Contains("\"ready\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The {backend} worker did not say ready: {line ?? "(its output ended)"}");
            }

            return new RawWorker(process, directory, readyAfter);
        }

        /// <summary>Sends one message and times until its reply's line is read, in µs.</summary>
        public async Task<double> TimeAsync(string message, string? expectedType = null)
        {
            var bytes = Encoding.UTF8.GetBytes(message + "\n");
            var input = _process.StandardInput.BaseStream;
            var started = Stopwatch.GetTimestamp();
            await input.WriteAsync(bytes).ConfigureAwait(false);
            await input.FlushAsync().ConfigureAwait(false);
            // An execution is first acknowledged with a "started" message; the time runs to the reply itself.
            var reply = await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false);
            while (reply is not null && JsonNode.Parse(reply)?["type"]?.GetValue<string>() == "started")
            {
                reply = await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false);
            }

            var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            if (reply is null || (expectedType is not null && JsonNode.Parse(reply)?["type"]?.GetValue<string>() != expectedType))
            {
                throw new InvalidOperationException($"The worker answered {reply ?? "(nothing)"} to {message[..Math.Min(80, message.Length)]}");
            }

            return elapsed;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _process.StandardInput.BaseStream.WriteAsync("""{"type":"dispose","id":99}"""u8.ToArray().Append((byte)'\n').ToArray()).ConfigureAwait(false);
                await _process.StandardInput.BaseStream.FlushAsync().ConfigureAwait(false);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
            WorkerLauncher.DeletePrivateDirectory(_directory);
        }
    }

    /// <summary>Microseconds to create an isolated session (the session is disposed after, outside the timing).</summary>
    private static async Task<double> TimeCreationAsync(IsolatedInterpreter isolated)
    {
        var started = Stopwatch.GetTimestamp();
        var session = await isolated.CreateSessionAsync(Isolated).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        await session.DisposeAsync().ConfigureAwait(false);
        return elapsed;
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) + " (1, 5, 15 min)" : "unknown";
}
