using System.Diagnostics;
using System.Globalization;
using CodeActSdk;
using CodeActSdk.Roslyn;

/// <summary>
/// How the C# backend answers hostile scripts: each runs in a child process of its own (so that one script's memory,
/// and a call it leaves running, cannot touch the next figure), in process, with a 2 s time limit and a 256 MiB memory
/// budget, as <c>codeact exec --backend csharp --timeout-ms 2000 --memory-mb 256</c> runs it. The child prints the
/// status, the time to answer (the wall time of <c>ExecuteAsync</c>, compiling included), the time the same session then
/// takes to answer <c>1 + 1</c>, and the process's peak resident memory (VmHWM, reset just before the script runs),
/// at the answer and again 10 s later (a call the session gave up on may still be running meanwhile).
/// </summary>
internal static class HostileFigures
{
    public static readonly (string Name, string Code)[] Scripts =
    [
        ("string doubling: s += s", "string s = \"x\"; while (true) s += s;"),
        ("StringBuilder doubling: sb.Append(sb)", "var sb = new StringBuilder(\"x\"); while (true) sb.Append(sb);"),
        ("interpolation doubling: s = $\"{s}{s}\"", "var s = \"x\"; while (true) s = $\"{s}{s}\";"),
        ("List<long>.Add forever", "var l = new List<long>(); while (true) l.Add(1);"),
        ("string.Join of a huge repeat", "var s = new string('x', 1_000_000); Console.WriteLine(string.Join(\",\", Enumerable.Repeat(s, 1000)).Length);"),
        ("BigInteger.Pow(3, 100000000)", "var x = System.Numerics.BigInteger.Pow(3, 100000000); Console.WriteLine(x.IsEven);"),
        ("BigInteger squaring: x *= x", "var x = new System.Numerics.BigInteger(3); while (true) x *= x;"),
        ("catastrophic regex (a+)+$", "var r = new System.Text.RegularExpressions.Regex(\"(a+)+$\"); Console.WriteLine(r.IsMatch(new string('a', 40) + \"!\"));"),
        ("100,000 nested Select", "IEnumerable<int> q = Enumerable.Range(0, 10); for (var i = 0; i < 100000; i++) q = q.Select(x => x + 1); Console.WriteLine(q.Sum());"),
        ("100,000 nested Where", "IEnumerable<int> q = Enumerable.Range(0, 10); for (var i = 0; i < 100000; i++) q = q.Where(x => x >= 0); Console.WriteLine(q.Count());"),
        ("100,000 nested Concat", "IEnumerable<long> q = new long[] { 1 }; for (var i = 0; i < 100000; i++) q = q.Concat(new long[] { i }); Console.WriteLine(q.Sum());"),
        ("100,000 nested OrderBy", "IEnumerable<int> q = Enumerable.Range(0, 10); for (var i = 0; i < 100000; i++) q = q.OrderBy(x => x); Console.WriteLine(q.Sum());"),
    ];

    public static async Task RunAsync()
    {
        Console.WriteLine($"hostile scripts: C# backend in process, Timeout 2 s, MemoryLimitBytes 256 MiB, one child process each; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start");
        Console.WriteLine($"{"script",-42} {"status",-28} {"answer",9} {"1+1 after",10} {"peak RSS",10} {"10 s later",11} {"before",8}");
        var self = typeof(HostileFigures).Assembly.Location;
        for (var i = 0; i < Scripts.Length; i++)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!, [self, "hostile-child", i.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true };
            using var child = Process.Start(start)!;
            var output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            Console.WriteLine($"{Scripts[i].Name,-42} {output.Trim()}");
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end");
    }

    public static async Task<int> ChildAsync(int index)
    {
        var (_, code) = Scripts[index];
        using var interpreter = new RoslynInterpreter();
        var options = new SandboxOptions { Timeout = TimeSpan.FromSeconds(2), MemoryLimitBytes = 256L * 1024 * 1024 };
        var session = await interpreter.CreateSessionAsync(options);
        await session.ExecuteAsync("var warm = new List<string> { \"compiler\" }; warm.Count");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Status("VmRSS");
        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
        var watch = Stopwatch.StartNew();
        var result = await session.ExecuteAsync(code);
        var answer = watch.Elapsed;
        watch.Restart();
        var nextCall = session.ExecuteAsync("1 + 1");
        var answered = await Task.WhenAny(nextCall, Task.Delay(TimeSpan.FromSeconds(60))) == nextCall;
        var nextTime = watch.Elapsed;
        var peak = Status("VmHWM");
        await Task.Delay(TimeSpan.FromSeconds(10));
        var later = Status("VmHWM");
        var status = $"{result.Status}/{result.Error?.Kind.Value ?? "-"}";
        var nextText = !answered ? "> 60 s" : (await nextCall).Value?.GetRawText() == "2" ? $"{nextTime.TotalMilliseconds:0} ms" : $"{(await nextCall).Status}!";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{status,-28} {answer.TotalMilliseconds,6:0} ms {nextText,10} {peak / 1024.0,7:0} MB {later / 1024.0,8:0} MB {before / 1024.0,5:0} MB"));
        Environment.Exit(0); // a call the session gave up on may still run: do not wait for it
        return 0;
    }

    /// <summary>A field of /proc/self/status, in KiB.</summary>
    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
