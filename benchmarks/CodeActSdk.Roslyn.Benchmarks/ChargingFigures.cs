using System.Diagnostics;
using System.Globalization;
using CodeActSdk;
using CodeActSdk.Roslyn;
using CodeActSdk.Roslyn.Compilation;
using CodeActSdk.Roslyn.Runtime;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;

/// <summary>
/// What charging allocations before they happen costs realistic model code: string building in loops, a StringBuilder
/// report, LINQ pipelines, list building, splitting and replacing. Each workload is compiled once, checked and guarded
/// as the sandbox does, and then run again and again under a fresh budget, so that the figure is the guarded code's own
/// run time, without compiling (which varies far more than the charges cost on a loaded machine). Run it on a build
/// before and after the charges to compare.
/// </summary>
internal static class ChargingFigures
{
    private static readonly (string Name, string Body)[] Workloads =
    [
        ("string += in a loop (500 appends)", "var s = \"\"; for (var i = 0; i < 500; i++) s += i + \",\"; total += s.Length;"),
        ("interpolation in a loop (1,000 lines)", "var n = 0; for (var i = 0; i < 1000; i++) { var line = $\"{names[i % 3]}: {i * 1.5:F2} ({i,5})\"; n += line.Length; } total += n;"),
        ("StringBuilder report (1,000 rows)", "var sb = new StringBuilder(); for (var i = 0; i < 1000; i++) sb.Append(\"row \").Append(i).Append(\": \").AppendLine($\"{i * 1.5:F2} {names[i % 3]}\"); total += sb.ToString().Length;"),
        ("LINQ pipeline (2,000 items)", "var rows = Enumerable.Range(0, 2000).Select(i => (Id: i, G: i % 10, V: i * 0.5)).ToList(); var sums = rows.GroupBy(r => r.G).Select(g => (g.Key, Sum: g.Sum(r => r.V))).OrderBy(x => x.Key).ToList(); total += sums.Count + string.Join(\",\", sums.Select(x => x.Sum)).Length;"),
        ("List.Add and string.Join (5,000 items)", "var l = new List<int>(); for (var i = 0; i < 5000; i++) l.Add(i * 2); total += string.Join(\";\", l).Length + l.ToArray().Length;"),
        ("split, replace, upper (200 lines)", "var text = string.Join(\"\\n\", Enumerable.Repeat(\"alpha,beta,gamma,delta\", 200)); foreach (var line in text.Split('\\n')) total += line.Replace(\"beta\", \"BETA\").ToUpper().Split(',').Length;"),
    ];

    public static Task RunAsync(int runs)
    {
        Console.WriteLine($"charging: run time of each workload (compiled once, guarded, 10 repetitions per run), median of {runs} runs after 20 warm-up runs; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start");
        var options = new SandboxOptions { Timeout = TimeSpan.FromMinutes(2), MaxOperations = long.MaxValue, MemoryLimitBytes = 512L * 1024 * 1024 };
        foreach (var (name, body) in Workloads)
        {
            var code = "var names = new[] { \"Ann\", \"Bob\", \"Eve\" }; long total = 0; for (var rep = 0; rep < 10; rep++) { __BODY__ } total".Replace("__BODY__", body);
            var times = new List<double>();
            var thread = new Thread(() => times.AddRange(RunCompiled(code, options, runs)), 64 * 1024 * 1024);
            thread.Start();
            thread.Join();
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"     {name,-42} {times[times.Count / 2],9:0.0} µs per run (p10 {times[times.Count / 10]:0.0}, p90 {times[times.Count * 9 / 10]:0.0})"));
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end");
        return Task.CompletedTask;
    }

    private static List<double> RunCompiled(string code, SandboxOptions options, int runs)
    {
        var chain = new SubmissionChain(Guid.NewGuid().ToString("N"));
        var compiled = chain.Compile(code, CSharpApiPolicy.Default, CancellationToken.None);
        if (compiled.Failure is { } failure)
        {
            throw new InvalidOperationException(failure.Message);
        }

        var json = ValueConverter.CreateOptions();
        var codeJson = ValueConverter.CreateCodeDefaults();
        var times = new List<double>();
        for (var i = 0; i < runs + 20; i++)
        {
            using var budget = new ExecutionBudget(options, CancellationToken.None);
            var execution = new ScriptExecution(budget, options, new ToolBridge([]), json, codeJson, StackPosition());
            execution.Enter();
            var watch = Stopwatch.StartNew();
            compiled.Factory!(chain.State).GetAwaiter().GetResult();
            var elapsed = watch.Elapsed.TotalMicroseconds;
            execution.Leave();
            if (i >= 20)
            {
                times.Add(elapsed);
            }
        }

        chain.Dispose();
        return times;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static unsafe nint StackPosition()
    {
        byte marker = 0;
        return (nint)(&marker);
    }
}
