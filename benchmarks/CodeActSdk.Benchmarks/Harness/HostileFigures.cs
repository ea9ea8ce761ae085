using System.Diagnostics;
using System.Globalization;
using System.Text;
using Acornima.Ast;
using CodeActSdk.Jint;
using Jint;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// How far past its time limit a hostile script is stopped on the Jint backend (the "small, documented slack" of the
/// limits), and what the source-size cap costs in parse time. Not a latency target: each hostile script runs in a
/// fresh session with <c>Timeout = 2 s</c> a few times, and the figure is the median of (duration − 2 s) with the
/// status the script ended with. A negative slack means another limit (operations, memory, output, nesting) stopped
/// it before the clock did.
/// </summary>
public static class HostileFigures
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    /// <summary>How long the harness waits for a stop before it calls the script unstoppable and moves on.</summary>
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(60);

    private static readonly (string Name, string Code, long MemoryLimit)[] Scripts =
    [
        ("1 MiB console.log lines forever", "const line = 'x'.repeat(1 << 20); while (true) console.log(line);", 0),
        ("keep 16 MiB strings forever", "const kept = []; for (let i = 0; ; i++) kept.push(`${i}`.padStart(8 << 20, '-'));", 0),
        ("JSON.parse of 200,000 nested arrays", "JSON.parse('['.repeat(200000) + ']'.repeat(200000))", 0),
        ("source of 100,000 nested parentheses", new string('(', 100_000) + "1" + new string(')', 100_000), 0),
        ("49,999 nested parentheses (under the size cap)", new string('(', 49_999) + "1" + new string(')', 49_999), 0),
        ("throw a 64 Mi-char message (1 GiB limit)", "throw new Error('x'.repeat(64 << 20))", 1L << 30),
        ("Atomics.wait 10 s", "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10000)", 0),
        ("while (true) {}", "while (true) {}", 0),
        ("eval('while (true) {}')", "eval('while (true) {}')", 0),
        ("doubling a string, indexOf each time", "let s = 'x'; while (true) { s = s + s; s.indexOf('y'); }", 0),
    ];

    public static async Task RunAsync(int runs)
    {
        Console.WriteLine($"[hostile] Hostile scripts on Jint, Timeout = {Limit.TotalSeconds:0} s, fresh session per run, {runs} runs each: slack = duration - time limit (median; min..max)");
        using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });
        foreach (var (label, unlimitedOperations) in new[] { ("default limits (MaxOperations 10,000,000)", false), ("MaxOperations unlimited, so that the clock is the limit", true) })
        {
            Console.WriteLine($"     -- {label}");
            foreach (var (name, code, memoryLimit) in Scripts)
            {
                var options = new SandboxOptions
                {
                    Timeout = Limit,
                    MemoryLimitBytes = memoryLimit > 0 ? memoryLimit : new SandboxOptions().MemoryLimitBytes,
                    MaxOperations = unlimitedOperations ? long.MaxValue : new SandboxOptions().MaxOperations,
                };
                var slack = new List<double>();
                var statuses = new SortedSet<string>(StringComparer.Ordinal);
                string? message = null;
                var longestMessage = 0;
                var longestStdout = 0;
                for (var run = 0; run < runs; run++)
                {
                    await using var session = await interpreter.CreateSessionAsync(options).ConfigureAwait(false);
                    var started = Stopwatch.GetTimestamp();
                    var execution = session.ExecuteAsync(code);
                    if (await Task.WhenAny(execution, Task.Delay(GiveUp)).ConfigureAwait(false) != execution)
                    {
                        Console.WriteLine($"     {name,-48} NOT STOPPED within {GiveUp.TotalSeconds:0} s; abandoning the figure");
                        return;
                    }

                    var result = await execution.ConfigureAwait(false);
                    var wall = Stopwatch.GetElapsedTime(started);
                    slack.Add((wall - Limit).TotalMilliseconds);
                    statuses.Add($"{result.Status}/{result.Error?.Kind.Value ?? "-"}");
                    message ??= result.Error?.Message;
                    longestMessage = Math.Max(longestMessage, result.Error?.Message.Length ?? 0);
                    longestStdout = Math.Max(longestStdout, result.Stdout.Length);
                    GC.Collect();
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"     {name,-48} slack {new Samples(slack).Median,8:0} ms ({slack.Min(),6:0}..{slack.Max(),6:0})   {string.Join(", ", statuses)}   message {longestMessage:N0} chars, stdout {longestStdout:N0} chars: {Shorten(message)}"));
            }
        }
    }

    private static string Shorten(string? message) =>
        message is null ? "" : message.Length <= 110 ? message : message[..110] + "…";

    /// <summary>Parse time of a source at the size cap, <see cref="SourceChecks.MaxSourceChars"/>, on its own and as a whole execution.</summary>
    public static async Task ParseCostAsync(int n)
    {
        const int cap = 200_000; // SourceChecks.MaxSourceChars (internal to the backend)
        Console.WriteLine($"[parse] Sources of {cap:N0} characters (the source-size cap): Engine.PrepareScript alone, and a whole ExecuteAsync in a warm session; {n} samples after 5 warm-up");
        foreach (var (name, source) in new[] { ("data literal (an array of objects)", DataLiteral(cap)), ("code (many small functions and calls)", ManyFunctions(cap)) })
        {
            if (source.Length != cap)
            {
                throw new InvalidOperationException($"The {name} source is {source.Length} characters, not {cap}.");
            }

            var prepare = new List<double>();
            for (var i = 0; i < n + 5; i++)
            {
                var started = Stopwatch.GetTimestamp();
                Engine.PrepareScript(source);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                if (i >= 5)
                {
                    prepare.Add(elapsed);
                }
            }

            using var interpreter = new JintInterpreter();
            var execute = new List<double>();
            for (var i = 0; i < n + 5; i++)
            {
                // A fresh session each time: the sources declare top-level names, which a second step could not declare again.
                await using var session = await interpreter.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
                var started = Stopwatch.GetTimestamp();
                var result = await session.ExecuteAsync(source).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"The {name} source failed: {result.Status} {result.Error?.Message}");
                }

                if (i >= 5)
                {
                    execute.Add(elapsed);
                }
            }

            Console.WriteLine($"     {name,-40} PrepareScript   {new Samples(prepare).Describe()}");
            Console.WriteLine($"     {"",-40} ExecuteAsync    {new Samples(execute).Describe()}");
        }
    }

    /// <summary><c>const data = [{ id: 0, name: 'item 0', ... }, ...]; data.length</c>, padded to exactly <paramref name="size"/> characters.</summary>
    private static string DataLiteral(int size)
    {
        const string tail = "\n];\ndata.length";
        var text = new StringBuilder("const data = [\n");
        for (var i = 0; ; i++)
        {
            var item = string.Create(CultureInfo.InvariantCulture, $"  {{ id: {i}, name: 'item {i}', price: {i % 97}.{i % 100:00}, tags: ['t{i % 7}', 't{i % 11}'] }},\n");
            if (text.Length + item.Length + tail.Length > size)
            {
                break;
            }

            text.Append(item);
        }

        return Pad(text, tail, size);
    }

    /// <summary>Many small arrow functions, each called once, padded to exactly <paramref name="size"/> characters.</summary>
    private static string ManyFunctions(int size)
    {
        const string tail = "\ntotal";
        var text = new StringBuilder("let total = 0;\n");
        for (var i = 0; ; i++)
        {
            var item = string.Create(CultureInfo.InvariantCulture,
                $"const f{i} = (x) => {{ const y = x * {i % 13} + {i}; return y > 100 ? `${{y}}`.length : y; }};\ntotal += f{i}({i});\n");
            if (text.Length + item.Length + tail.Length > size)
            {
                break;
            }

            text.Append(item);
        }

        return Pad(text, tail, size);
    }

    private static string Pad(StringBuilder text, string tail, int size)
    {
        // A comment fills the gap, so that the source is exactly at the cap.
        var gap = size - text.Length - tail.Length;
        if (gap >= 4)
        {
            text.Append("/*").Append('.', gap - 4).Append("*/");
        }
        else
        {
            text.Append(' ', gap);
        }

        return text.Append(tail).ToString();
    }
}
