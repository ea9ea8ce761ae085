using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CodeActSdk;
using CodeActSdk.Roslyn;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

// Figures of the C# backend, printed as medians. Usage:
//   dotnet run -c Release --project benchmarks/CodeActSdk.Roslyn.Benchmarks -- [all|cold|warm|guard|memory|charging|hostile]
// "cold-child" and "hostile-child" are the modes the cold and hostile figures spawn, one process per sample.
var mode = args.FirstOrDefault() ?? "all";
switch (mode)
{
    case "cold-child":
        return await Figures.ColdChildAsync();
    case "hostile-child":
        return await HostileFigures.ChildAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
    case "hostile":
        await HostileFigures.RunAsync();
        break;
    case "charging":
        await ChargingFigures.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200);
        break;
    case "cold":
        await Figures.ColdAsync();
        break;
    case "warm":
        await Figures.WarmAsync();
        break;
    case "guard":
        await Figures.GuardAsync();
        break;
    case "memory":
        // Optional counts: sessions, then executions in the one long session (both 10,000 by default).
        await Figures.MemoryAsync(
            args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000,
            args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000);
        break;
    case "all":
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Figures.MemoryGiB():0.#} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        await Figures.ColdAsync();
        await Figures.WarmAsync();
        await Figures.GuardAsync();
        await Figures.MemoryAsync(10_000, 10_000);
        break;
    default:
        Console.Error.WriteLine("usage: [all|cold|warm|guard|memory [sessions] [executions in one session]|charging|hostile]");
        return 2;
}

return 0;

internal static class Figures
{
    /// <summary>A typical agent step: data, LINQ, a record, a method, a loop, output and a value.</summary>
    public const string Snippet = """
        record Sale(string Region, string Product, double Amount);
        var sales = new List<Sale>
        {
            new("EU", "apples", 120.5), new("EU", "pears", 80), new("US", "apples", 200),
            new("US", "plums", 42.25), new("APAC", "apples", 99.9), new("EU", "plums", 15),
        };
        double Share(string region) => sales.Where(s => s.Region == region).Sum(s => s.Amount) / sales.Sum(s => s.Amount);
        var byRegion = sales.GroupBy(s => s.Region)
            .Select(g => new { Region = g.Key, Total = g.Sum(s => s.Amount), Share = Math.Round(Share(g.Key), 3) })
            .OrderByDescending(r => r.Total)
            .ToList();
        var text = new StringBuilder();
        foreach (var row in byRegion)
        {
            text.AppendLine($"{row.Region,-5} {row.Total,8:F2} {row.Share:P1}");
        }

        var best = byRegion.First();
        Console.Write(text.ToString());
        var checksum = 0L;
        for (var i = 0; i < 1000; i++) { checksum += i % 7; }
        new { best.Region, best.Total, checksum }
        """;

    private const string TightLoop = "long s = 0; for (long i = 0; i < N; i++) { s += i * i; } s";

    public static double MemoryGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);

    public static async Task<int> ColdChildAsync()
    {
        var processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        var watch = Stopwatch.StartNew();
        using var interpreter = new RoslynInterpreter();
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions());
        var result = await session.ExecuteAsync(Snippet);
        var firstExecution = watch.Elapsed.TotalMilliseconds;
        var sinceStart = (DateTime.UtcNow - processStart).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{firstExecution:F1} {sinceStart:F1} {result.Status}"));
        return result.IsSuccess ? 0 : 1;
    }

    public static async Task ColdAsync()
    {
        var self = typeof(Figures).Assembly.Location;
        var first = new List<double>();
        var sinceStart = new List<double>();
        var wall = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!, [self, "cold-child"]) { RedirectStandardOutput = true };
            var watch = Stopwatch.StartNew();
            using var child = Process.Start(start)!;
            var output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            wall.Add(watch.Elapsed.TotalMilliseconds);
            var parts = output.Trim().Split(' ');
            first.Add(double.Parse(parts[0], CultureInfo.InvariantCulture));
            sinceStart.Add(double.Parse(parts[1], CultureInfo.InvariantCulture));
            if (parts[2] != "Completed")
            {
                throw new InvalidOperationException("The cold child failed: " + output);
            }
        }

        Print("cold: first execution (new interpreter + session + compile + run), median of 5 processes", Median(first), "ms");
        Print("cold: process start to first result", Median(sinceStart), "ms");
        Print("cold: whole child process, wall clock", Median(wall), "ms");
    }

    public static async Task WarmAsync()
    {
        using var interpreter = new RoslynInterpreter();
        // Tiered compilation with PGO needs a few hundred compilations before Roslyn's hot paths are fully optimised
        // on two cores: warm up for that long, in fresh sessions like the measured ones.
        for (var i = 0; i < 300; i++)
        {
            await using var warmup = await interpreter.CreateSessionAsync(new SandboxOptions());
            Check(await warmup.ExecuteAsync(Snippet));
        }

        var fresh = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var watch = Stopwatch.StartNew();
            await using var session = await interpreter.CreateSessionAsync(new SandboxOptions());
            Check(await session.ExecuteAsync(Snippet));
            fresh.Add(watch.Elapsed.TotalMilliseconds);
        }

        // The same step again and again (its record repeats word for word, so the existing type is reused), then a
        // step declaring a new record each time (each such step stays loaded, as its type must keep its identity).
        var same = new List<double>();
        var newTypes = new List<double>();
        await using (var session = await interpreter.CreateSessionAsync(new SandboxOptions()))
        {
            for (var i = 0; i < 50; i++)
            {
                var watch = Stopwatch.StartNew();
                Check(await session.ExecuteAsync(Snippet));
                same.Add(watch.Elapsed.TotalMilliseconds);
            }

            for (var i = 0; i < 50; i++)
            {
                var watch = Stopwatch.StartNew();
                Check(await session.ExecuteAsync(Snippet.Replace("Sale", $"Sale{i}")));
                newTypes.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        var trivial = new List<double>();
        await using (var session = await interpreter.CreateSessionAsync(new SandboxOptions()))
        {
            for (var i = 0; i < 50; i++)
            {
                var watch = Stopwatch.StartNew();
                Check(await session.ExecuteAsync("1 + 1"));
                trivial.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        Print("warm: 20-line snippet, new session each time (session + check + guard + compile + load + run)", Median(fresh), "ms");
        Print("warm: 20-line snippet, 50 times in one session", Median(same), "ms");
        Print("warm: 20-line snippet declaring a new record each time, 50 times in one session", Median(newTypes), "ms");
        Print("warm: \"1 + 1\" in one session", Median(trivial), "ms");
    }

    public static async Task GuardAsync()
    {
        const long small = 20_000_000;
        const long large = 220_000_000;
        using var interpreter = new RoslynInterpreter();
        var options = new SandboxOptions { Timeout = TimeSpan.FromMinutes(5), MaxOperations = long.MaxValue };
        async Task<double> Guarded(long n)
        {
            await using var session = await interpreter.CreateSessionAsync(options);
            var watch = Stopwatch.StartNew();
            Check(await session.ExecuteAsync(TightLoop.Replace("N", n.ToString(CultureInfo.InvariantCulture))));
            return watch.Elapsed.TotalMilliseconds;
        }

        var scriptOptions = ScriptOptions.Default.WithOptimizationLevel(OptimizationLevel.Release);
        async Task<double> Plain(long n)
        {
            var watch = Stopwatch.StartNew();
            await CSharpScript.EvaluateAsync<long>(TightLoop.Replace("N", n.ToString(CultureInfo.InvariantCulture)), scriptOptions);
            return watch.Elapsed.TotalMilliseconds;
        }

        // The same compiler settings, references and collectible loading as the sandbox, without policy or guards.
        double Unguarded(long n)
        {
            var chain = new CodeActSdk.Roslyn.Compilation.SubmissionChain(Guid.NewGuid().ToString("N"));
            try
            {
                var watch = Stopwatch.StartNew();
                var compiled = chain.Compile(TightLoop.Replace("N", n.ToString(CultureInfo.InvariantCulture)), policy: null, CancellationToken.None);
                compiled.Factory!(chain.State).GetAwaiter().GetResult();
                return watch.Elapsed.TotalMilliseconds;
            }
            finally
            {
                chain.Dispose();
            }
        }

        await Guarded(small);
        await Plain(small);
        Unguarded(small);
        var guarded = new List<double>();
        var plain = new List<double>();
        var unguarded = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            // The difference between a long and a short run cancels compilation and start-up: what is left is the loop.
            guarded.Add((await Guarded(large) - await Guarded(small)) / (large - small) * 1e6);
            plain.Add((await Plain(large) - await Plain(small)) / (large - small) * 1e6);
            unguarded.Add((Unguarded(large) - Unguarded(small)) / (large - small) * 1e6);
        }

        Print($"guard: tight loop ({TightLoop}), guarded", Median(guarded), "ns/iteration");
        Print("guard: same loop through plain CSharpScript (Release)", Median(plain), "ns/iteration");
        Print("guard: same loop through the sandbox's compiler settings, without policy or guards", Median(unguarded), "ns/iteration");
        Print("guard: ratio guarded / plain CSharpScript", Median(guarded) / Median(plain), "x");
        Print("guard: ratio guarded / unguarded (same settings)", Median(guarded) / Median(unguarded), "x");
    }

    public static async Task MemoryAsync(int sessions, int executions)
    {
        using var interpreter = new RoslynInterpreter();
        await using (var warm = await interpreter.CreateSessionAsync(new SandboxOptions()))
        {
            Check(await warm.ExecuteAsync(Snippet));
        }

        var baseline = Settle();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < sessions; i++)
        {
            await using var session = await interpreter.CreateSessionAsync(new SandboxOptions());
            Check(await session.ExecuteAsync(i % 2 == 0 ? Snippet : $"record R(int V); var r = new R({i}); Console.WriteLine(r); r.V * 2"));
        }

        var sessionsTime = watch.Elapsed;
        var afterSessions = Settle();
        Print($"memory: {sessions:N0} sessions of one execution each, heap growth after a full collection", (afterSessions - baseline) / 1048576.0, "MiB");
        Print($"memory: {sessions:N0} sessions, time per session", sessionsTime.TotalMilliseconds / Math.Max(1, sessions), "ms");

        baseline = Settle();
        double liveGrowth;
        watch.Restart();
        var session10k = await interpreter.CreateSessionAsync(new SandboxOptions());
        try
        {
            // A realistic mix: the 20-line snippet (a record, a method, variables, an anonymous type) and a small step
            // that updates variables of earlier steps, alternately.
            Check(await session10k.ExecuteAsync("var total = 0L; var log = new List<string>();"));
            for (var i = 0; i < executions; i++)
            {
                Check(await session10k.ExecuteAsync(i % 2 == 0 ? Snippet : $"total += {i} + checksum; if (log.Count < 100) log.Add(\"step {i}\"); Console.WriteLine(total); total"));
                if (i + 1 is 500 or 1000 or 5000)
                {
                    Print($"memory: one session after {i + 1:N0} executions, time per execution so far", watch.Elapsed.TotalMilliseconds / (i + 1), "ms");
                    Print($"memory: one session after {i + 1:N0} executions, heap growth while it is alive", (Settle() - baseline) / 1048576.0, "MiB");
                }
            }

            liveGrowth = (Settle() - baseline) / 1048576.0;
        }
        finally
        {
            await session10k.DisposeAsync();
        }

        var oneSessionTime = watch.Elapsed;
        var afterDispose = Settle();
        Print($"memory: one session with {executions:N0} executions, heap growth while it is alive", liveGrowth, "MiB");
        Print($"memory: one session with {executions:N0} executions, heap growth after disposing it", (afterDispose - baseline) / 1048576.0, "MiB");
        Print($"memory: one session, time per execution over {executions:N0}", oneSessionTime.TotalMilliseconds / executions, "ms");
    }

    /// <summary>
    /// Heap size after full collections, once System.Text.Json has evicted the accessors it generated for the
    /// scripts' types (it keeps them for a second after last use and evicts them on its next use).
    /// </summary>
    private static long Settle()
    {
        Thread.Sleep(1200);
        JsonSerializer.Serialize(new { Probe = 1 }, new JsonSerializerOptions { TypeInfoResolver = new DefaultJsonTypeInfoResolver() });
        for (var i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void Check(ExecutionResult result)
    {
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"{result.Status}: {result.Error?.Message}");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void Print(string what, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {value:0.###} {unit}"));
}
