using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using CodeActSdk.Jint;

namespace CodeActSdk.V8.Benchmarks;

/// <summary>
/// <c>[start] [memory] [compute] [--n N] [--reps R]</c>: the V8 backend's figures (all three by default).
/// <c>start</c> times session creation with the warm pool (waiting for the pool to refill between creations, as a
/// host that creates sessions now and then sees it) and without it, and the overhead of one execution;
/// <c>memory</c> measures the resident memory of live sessions; <c>compute</c> times compute-heavy scripts on a warm
/// session, side by side with <c>node</c> running the same source (timed inside node with process.hrtime, so its
/// start-up is excluded) and with the Jint backend. Prints medians and p95s.
/// </summary>
public static class Program
{
    /// <summary>
    /// The same source runs on all three engines: modern JavaScript as a model writes it (let/const, arrow
    /// functions, template literals). Each script is one block, because it runs again and again in one session (and
    /// in one node context) and a top-level <c>let</c> or <c>const</c> persists from one run to the next.
    /// </summary>
    private static readonly (string Name, string Source)[] Scripts =
    [
        ("numeric loop, 5,000,000 iterations", """
            {
              let s = 0;
              for (let i = 0; i < 5_000_000; i++) { s = (s + i * i) % 1000003; }
              s
            }
            """),
        ("JSON round trip of 10,000 objects", """
            {
              const items = [];
              for (let i = 0; i < 10_000; i++) {
                items.push({ id: i, name: `item ${i}`, price: i * 1.25, tags: ['a', 'b', 'c'], meta: { active: i % 2 === 0, rank: i % 17 } });
              }
              const text = JSON.stringify(items);
              const back = JSON.parse(text);
              `${back.length}:${text.length}`
            }
            """),
        ("array and string built-ins (filter/map/reduce/split/forEach over 200,000 items)", """
            {
              const rows = [];
              for (let i = 0; i < 200_000; i++) { rows.push({ id: i, v: i % 100 }); }
              const total = rows.filter((r) => r.v > 50).map((r) => r.v * 2).reduce((a, b) => a + b, 0);
              const words = 'lorem ipsum dolor sit amet '.repeat(40_000).split(' ');
              const counts = {};
              words.forEach((w) => { if (w) { counts[w] = (counts[w] || 0) + 1; } });
              `${total}:${Object.keys(counts).join(',')}`
            }
            """),
    ];

    public static async Task<int> Main(string[] args)
    {
        var figures = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)).ToHashSet();
        if (figures.Count == 0)
        {
            figures = ["start", "bridge", "memory", "compute"];
        }

        var samples = Option(args, "--n", 200);
        var reps = Option(args, "--reps", 15);
        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Console.Error.WriteLine(reason);
            return 1;
        }

        PrintMachine();
        if (figures.Contains("start"))
        {
            await SessionStartAsync(samples);
        }

        if (figures.Contains("bridge"))
        {
            await BridgeAsync(samples);
        }

        if (figures.Contains("memory"))
        {
            await MemoryAsync(samples);
        }

        if (figures.Contains("compute"))
        {
            await ComputeAsync(reps);
        }

        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
    }

    private static void PrintMachine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").First().Split(':', 2)[1].Trim()
            : "?";
        Console.WriteLine("## Machine");
        Console.WriteLine($"{Environment.ProcessorCount} logical CPUs ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memory} memory, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"V8 {V8Interpreter.V8Version} (Microsoft.ClearScript.V8 7.5.1.1); node {NodeVersion() ?? "not found"}");
        Console.WriteLine();
    }

    private static async Task SessionStartAsync(int samples)
    {
        Console.WriteLine($"## Session start ({samples} creations each)");
        Console.WriteLine("| figure | median | p95 | mean |");
        Console.WriteLine("| --- | --- | --- | --- |");

        using (var pooled = new V8Interpreter())
        {
            // Warm-up: the host's own code reaches optimised (tier-1) JIT code only after hundreds of calls, as it
            // has in a long-running host.
            await MeasureStartAsync(pooled, 500, waitForPool: true);
            var (create, firstResult) = await MeasureStartAsync(pooled, samples, waitForPool: true);
            Row("new session, warm pool (WarmIsolates = 2)", create);
            Row("new session + first result of `1 + 1`, warm pool", firstResult);
        }

        using (var cold = new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0 }))
        {
            await MeasureStartAsync(cold, 100, waitForPool: false);
            var (create, firstResult) = await MeasureStartAsync(cold, samples, waitForPool: false);
            Row("new session, no pool (WarmIsolates = 0): isolate + context", create);
            Row("new session + first result of `1 + 1`, no pool", firstResult);
        }

        using (var interpreter = new V8Interpreter())
        {
            await using var session = await interpreter.CreateSessionAsync(new SandboxOptions());
            // Warmed up for 2 s: the runtime compiles hot methods again, optimised, in the background some time after
            // they become hot; 50 calls measured the code before that.
            var warming = Stopwatch.StartNew();
            while (warming.Elapsed < TimeSpan.FromSeconds(2))
            {
                await session.ExecuteAsync("1");
            }

            var trivial = new List<double>();
            for (var i = 0; i < samples * 25; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await session.ExecuteAsync("1");
                trivial.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            Row("ExecuteAsync(\"1\") on a warm session (per-execution overhead)", trivial);
        }

        Console.WriteLine();
    }

    /// <summary>
    /// The cost of one bridged tool call: executions of <c>add(1, 2)</c> and <c>1 + 2</c>, the direct .NET call of the
    /// same AIFunction, and 100 calls in one execution against the same loop without the tool. Bridge overhead per
    /// call = (A - B) - C, and (A100 - B100) / 100 - C.
    /// </summary>
    private static async Task BridgeAsync(int samples)
    {
        Console.WriteLine($"## Tool bridge ({samples * 10} samples each, medians)");
        var add = Microsoft.Extensions.AI.AIFunctionFactory.Create((int a, int b) => a + b, "add");
        using var interpreter = new V8Interpreter();
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions { Tools = [add] });
        const string loopWithTool = "{ let s = 0; for (let i = 0; i < 100; i++) { s += add(i, 1); } s }";
        const string loopWithoutTool = "{ let s = 0; for (let i = 0; i < 100; i++) { s += i + 1; } s }";
        var arguments = new Microsoft.Extensions.AI.AIFunctionArguments { ["a"] = 1, ["b"] = 2 };

        async Task<double> Time(Func<Task> run)
        {
            var times = new List<double>();
            for (var i = 0; i < samples * 10 + 500; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await run();
                if (i >= 500)
                {
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
            }

            return Median(times);
        }

        // Alternating rounds, so that a change of the machine's load touches every figure alike.
        var a = new List<double>(); var b = new List<double>(); var c = new List<double>(); var a100 = new List<double>(); var b100 = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            a.Add(await Time(() => session.ExecuteAsync("add(1, 2)")));
            b.Add(await Time(() => session.ExecuteAsync("1 + 2")));
            c.Add(await Time(async () => await add.InvokeAsync(arguments)));
            a100.Add(await Time(() => session.ExecuteAsync(loopWithTool)));
            b100.Add(await Time(() => session.ExecuteAsync(loopWithoutTool)));
        }

        var (ma, mb, mc, ma100, mb100) = (Median(a), Median(b), Median(c), Median(a100), Median(b100));
        Console.WriteLine("| figure | median µs |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine($"| A: execute `add(1, 2)` | {ma:0.0} |");
        Console.WriteLine($"| B: execute `1 + 2` | {mb:0.0} |");
        Console.WriteLine($"| C: direct add.InvokeAsync(a=1, b=2) | {mc:0.00} |");
        Console.WriteLine($"| A100: execute 100 × add(i, 1) | {ma100:0.0} |");
        Console.WriteLine($"| B100: execute 100 × (i + 1) | {mb100:0.0} |");
        Console.WriteLine($"| bridge overhead per call, one call: (A - B) - C | {ma - mb - mc:0.0} |");
        Console.WriteLine($"| bridge overhead per call, 100 calls: (A100 - B100) / 100 - C | {(ma100 - mb100) / 100 - mc:0.00} |");
        Console.WriteLine();
    }

    /// <summary>Resident memory of live, idle sessions (each has run one small execution), per session.</summary>
    private static async Task MemoryAsync(int count)
    {
        using var interpreter = new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0 });
        await using (var first = await interpreter.CreateSessionAsync(new SandboxOptions()))
        {
            await first.ExecuteAsync("1");
        }

        GC.Collect();
        var before = ResidentBytes();
        var sessions = new List<IInterpreterSession>();
        for (var i = 0; i < count; i++)
        {
            var session = await interpreter.CreateSessionAsync(new SandboxOptions());
            await session.ExecuteAsync("var x = [1, 2, 3].map(v => v * 2); x.length");
            sessions.Add(session);
        }

        GC.Collect();
        var perSession = (ResidentBytes() - before) / (double)count;
        Console.WriteLine($"## Memory");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} live idle sessions: {perSession / (1024 * 1024):0.00} MiB resident memory each (RSS growth / {count})."));
        Console.WriteLine();
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }
    }

    private static long ResidentBytes() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS", StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;

    private static async Task<(List<double> Create, List<double> FirstResult)> MeasureStartAsync(V8Interpreter interpreter, int count, bool waitForPool)
    {
        var create = new List<double>(count);
        var firstResult = new List<double>(count);
        var options = new SandboxOptions();
        for (var i = 0; i < count; i++)
        {
            if (waitForPool)
            {
                var waited = Stopwatch.StartNew();
                while (interpreter.WarmCount < 2 && waited.ElapsedMilliseconds < 2000)
                {
                    await Task.Delay(1);
                }
            }

            var started = Stopwatch.GetTimestamp();
            var session = await interpreter.CreateSessionAsync(options);
            create.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var result = await session.ExecuteAsync("1 + 1");
            firstResult.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (result.Value?.GetInt32() != 2)
            {
                throw new InvalidOperationException("1 + 1 did not give 2: " + result.Error?.Message);
            }

            await session.DisposeAsync();
        }

        return (create, firstResult);
    }

    private static async Task ComputeAsync(int reps)
    {
        const int warmUp = 3;
        const int rounds = 3;
        Console.WriteLine($"## Compute-heavy scripts ({rounds} alternating rounds of {warmUp} warm-up + {reps} timed repetitions per engine; Jint: {Math.Max(3, reps / 5)} per round)");
        Console.WriteLine("| script | node (in-process hrtime) | V8 backend ExecuteAsync | V8 / node | Jint backend ExecuteAsync | Jint / V8 |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");

        using var v8 = new V8Interpreter();
        using var jint = new JintInterpreter();
        var node = NodeVersion() is not null;
        foreach (var (name, source) in Scripts)
        {
            var nodeTimes = new List<double>();
            var v8Times = new List<double>();
            var jintTimes = new List<double>();
            string? v8Value = null;
            for (var round = 0; round < rounds; round++)
            {
                if (node)
                {
                    nodeTimes.AddRange(await RunNodeAsync(source, warmUp, reps));
                }

                await using (var session = await v8.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMinutes(1) }))
                {
                    for (var i = 0; i < warmUp + reps; i++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        var result = await session.ExecuteAsync(source);
                        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        if (!result.IsSuccess)
                        {
                            throw new InvalidOperationException($"V8: {result.Status} {result.Error?.Message}");
                        }

                        v8Value = result.Value?.GetRawText();
                        if (i >= warmUp)
                        {
                            v8Times.Add(elapsed);
                        }
                    }
                }

                var jintOptions = new SandboxOptions { Timeout = TimeSpan.FromMinutes(10), MaxOperations = long.MaxValue, MemoryLimitBytes = 1L << 30 };
                await using (var session = await jint.CreateSessionAsync(jintOptions))
                {
                    for (var i = 0; i < 1 + Math.Max(3, reps / 5); i++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        var result = await session.ExecuteAsync(source);
                        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        if (!result.IsSuccess || result.Value?.GetRawText() != v8Value)
                        {
                            throw new InvalidOperationException($"Jint: {result.Status} {result.Error?.Message} {result.Value}");
                        }

                        if (i >= 1)
                        {
                            jintTimes.Add(elapsed);
                        }
                    }
                }
            }

            var nodeMedian = node ? Median(nodeTimes) : double.NaN;
            var v8Median = Median(v8Times);
            var jintMedian = Median(jintTimes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Cell(nodeTimes)} | {Cell(v8Times)} | {v8Median / nodeMedian:0.00}× | {Cell(jintTimes)} | {jintMedian / v8Median:0}× |"));
        }

        Console.WriteLine();
        Console.WriteLine("Cells: median ms (p95 ms). node runs `node -e` with the same source compiled by vm.Script each repetition, timed inside the process.");
    }

    private static async Task<List<double>> RunNodeAsync(string source, int warmUp, int reps)
    {
        var wrapper = $$"""
            const vm = require('vm');
            const source = {{JsonSerializer.Serialize(source)}};
            const times = [];
            let value;
            for (let r = 0; r < {{warmUp + reps}}; r++) {
              const started = process.hrtime.bigint();
              value = new vm.Script(source, { filename: 'code.js' }).runInThisContext();
              const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
              if (r >= {{warmUp}}) times.push(elapsed);
            }
            process.stdout.write(JSON.stringify({ times, value }));
            """;
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(wrapper);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("node failed: " + error);
        }

        using var document = JsonDocument.Parse(output);
        return document.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).ToList();
    }

    private static string? NodeVersion()
    {
        try
        {
            var start = new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(start);
            var version = process?.StandardOutput.ReadToEnd().Trim();
            process?.WaitForExit();
            return process?.ExitCode == 0 ? version : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static void Row(string name, List<double> values) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Format(Median(values))} | {Format(Percentile(values, 0.95))} | {Format(values.Average())} |"));

    private static string Cell(List<double> values) =>
        values.Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{Median(values):0.00} ms ({Percentile(values, 0.95):0.00})");

    private static string Format(double ms) =>
        ms < 1 ? string.Create(CultureInfo.InvariantCulture, $"{ms * 1000:0} µs") : string.Create(CultureInfo.InvariantCulture, $"{ms:0.00} ms");

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = p * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
