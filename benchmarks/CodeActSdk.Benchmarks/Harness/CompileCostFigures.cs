using System.Diagnostics;
using System.Globalization;
using System.Text;
using CodeActSdk.Roslyn;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// What the C# backend's compile-cost limits (CompileCostCheck, docs/security.md) let through and how fast they refuse
/// the rest. For each limit: the costliest shape it still accepts (found by stepping the shape down from past the limit
/// until it is accepted), the same shape one step past the limit, and the bombs of issue #18. Each figure is the median
/// (and maximum) of the wall time and of the process's CPU time of <c>ExecuteAsync</c> in a fresh session, default
/// settings: compiling dominates it (the shapes do next to nothing when they run).
/// </summary>
public static class CompileCostFigures
{
    private delegate string Shape(int n);

    private static readonly (string Name, Shape Code, int Start)[] Limits =
    [
        ("3 overloads of M (the issue's shape), lambdas nested n deep", n => "static int M(Func<int,int> f) => 0; static int M(Func<string,int> f) => 1; static int M(Func<double,int> f) => 2;\nM(" + Nest(n - 1, i => $"x{i} => M(", "y => 0", _ => ")") + ");", 8),
        ("LINQ Sum (10 overloads) nested n deep", n => "var a = new[] { 1, 2 };\na.Sum(" + Nest(n - 1, i => $"x{i} => a.Sum(", "y => y", _ => ")") + ");", 5),
        ("Sum, Sum, then Select nested n deep", n => "var a = new[] { 1, 2 };\na.Sum(x => a.Sum(y => " + Nest(n - 2, i => $"a.Select(z{i} => ", "1", _ => ").Count()") + "));", 6),
        ("LINQ Select nested n deep", n => "var a = new[] { 1, 2 };\na.Select(" + Nest(n - 1, i => $"x{i} => a.Select(", "y => y", _ => ")") + ").Count();", 8),
        ("10 overloads (struct parameters), lambdas nested n deep", n => Overloads(10, "Func<S{0}, int> f") + "M(" + Nest(n - 1, i => $"x{i} => M(", "y => 0", _ => ")") + ");", 5),
        ("16 ambiguous overloads with conversions, n calls in a block", n => Overloads(16, "S{0} s", conversion: true) + "{\n" + string.Concat(Enumerable.Repeat("M(1);\n", n)) + "}", 40),
        ("parentheses nested n deep", n => "var x = " + Nest(n, _ => "(", "1", _ => ")") + ";", 80),
        ("collection initialisers nested n deep", n => "var x = " + Nest(n, _ => "new List<object> { ", "1", _ => " }") + ";", 40),
        ("positional patterns nested n deep", n => "record R(object A, object B);\nobject o = null;\nvar b = o is " + Nest(n, _ => "R(", "1", _ => ", _)") + ";", 80),
        ("lambdas returning lambdas, n deep", n => "var f = " + Nest(n, i => $"(int x{i}) => ", "0", _ => "") + ";", 80),
        ("for loops nested n deep", n => Nest(n, i => $"for (var i{i} = 0; i{i} < 1; i{i}++) {{ ", "var q = 1;", _ => " }"), 40),
        ("generic type arguments nested n deep", n => "var x = new " + Nest(n, _ => "List<", "int", _ => ">") + "();", 80),
        ("tuples nested n deep", n => "var t = " + Nest(n, _ => "(1, ", "1", _ => ")") + ";", 80),
        ("a + b + ... with n terms", n => "var y = 1;\nvar x = y" + string.Concat(Enumerable.Repeat(" + y", n - 1)) + ";", 1_050),
        ("else if chain of n branches", n => "var k = 3; var r = 0;\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"if (k == {i}) r = {i}; else ")) + "r = -1;", 530),
        ("StringBuilder.Append chain of n calls", n => "var sb = new StringBuilder();\nsb" + string.Concat(Enumerable.Range(0, n).Select(i => $".Append({i})")) + ";", 530),
        ("query with n clauses: from, lets, select", n => "var a = new[] { 1, 2 };\nvar q = from x0 in a " + string.Concat(Enumerable.Range(1, n - 2).Select(i => $"let x{i} = x{i - 1} + 1 ")) + "select x0;", 20),
        ("query with n clauses: from, wheres, select", n => "var a = new[] { 1, 2 };\nvar q = from x in a " + string.Concat(Enumerable.Range(1, n - 2).Select(i => $"where x > -{i} ")) + "select x;", 20),
        ("switch expression of n string arms", n => "var k = \"x\";\nvar r = k switch\n{\n" + string.Concat(Enumerable.Range(0, n - 1).Select(i => $"    \"s{i}\" => {i},\n")) + "    _ => -1,\n};", 140),
        ("switch statement of n cases", n => "var k = 3; var r = 0;\nswitch (k)\n{\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"    case {i}: r = {i}; break;\n")) + "}", 140),
        ("GroupBy(x => x) chained n times", n => "var a = new[] { 1 };\nvar q = a" + string.Concat(Enumerable.Repeat(".GroupBy(x => x)", n)) + ".Count();", 12),
        ("tuples doubled through n variables", n => "var v0 = (1, 1);\n" + string.Concat(Enumerable.Range(1, n).Select(i => $"var v{i} = (v{i - 1}, v{i - 1});\n")) + "1", 12),
        ("constants doubled n times", n => Doubling(n) + "1", 20),
    ];

    private static readonly (string Name, string Code)[] Bombs =
    [
        ("issue #18: const string doubled 26 times (64 Mi chars)", Doubling(26) + "Console.WriteLine(s26.Length);"),
        ("issue #18: 3 overloads, 14 nested lambdas", "static int M(Func<int,int> f) => 0; static int M(Func<string,int> f) => 1; static int M(Func<double,int> f) => 2;\nConsole.WriteLine(M(" + Nest(13, i => $"x{i} => M(", "x => 0", _ => ")") + "));"),
        ("issue #18: 5,000 nested parentheses", "var x = " + Nest(5_000, _ => "(", "1", _ => ")") + ";\nConsole.WriteLine(x);"),
        ("GroupBy(x => x) chained 30 times", "var a = new[] { 1 };\nvar q = a" + string.Concat(Enumerable.Repeat(".GroupBy(x => x)", 30)) + ".Count();"),
        ("nested interpolated strings, 200 deep", "var a = 1;\nvar s = " + Nest(200, _ => "$\"{", "a", _ => "}\"") + ";"),
        ("100,000-character source refused at its last line", AtTheCap(refusedAtTheEnd: true)),
    ];

    public static async Task RunAsync(int runs)
    {
        Console.WriteLine($"[compile-cost] C# compile-cost limits: ExecuteAsync in a fresh session (default settings), {runs} runs each: median (max) wall time / median CPU time of the process");
        Console.WriteLine($"     load before: {IsolationFigures.LoadAverage()}");
        using var interpreter = new RoslynInterpreter();
        for (var i = 0; i < 5; i++)
        {
            // JIT and Roslyn's first compilations, before anything is timed.
            await MeasureAsync(interpreter, "var a = new[] { 1, 2 };\na.Select(x => a.Sum(y => y * x)).GroupBy(x => x).Select(g => new { g.Key, N = g.Count() }).ToList().Count", 1).ConfigureAwait(false);
        }

        foreach (var (name, code, start) in Limits)
        {
            var limit = start;
            ExecutionResult probe;
            while ((probe = (await MeasureAsync(interpreter, code(limit), 1).ConfigureAwait(false)).Last) is { Error.Kind.Value: "CompileLimit" } && limit > 1)
            {
                limit--;
            }

            var accepted = await MeasureAsync(interpreter, code(limit), runs).ConfigureAwait(false);
            var refused = await MeasureAsync(interpreter, code(limit + 1), runs).ConfigureAwait(false);
            Console.WriteLine($"     {name}");
            Console.WriteLine($"        accepted at n = {limit,-5} {accepted.Describe()}");
            Console.WriteLine($"        refused at n = {limit + 1,-6} {refused.Describe()}");
            if (refused.Last.Error?.Kind != ErrorKind.CompileLimit)
            {
                Console.WriteLine("        (NOT refused by a compile-cost limit: see the status above)");
            }
        }

        Console.WriteLine("     -- bombs");
        foreach (var (name, code) in Bombs)
        {
            var refused = await MeasureAsync(interpreter, code, runs).ConfigureAwait(false);
            Console.WriteLine($"     {name,-56} {refused.Describe()}");
        }

        // For scale: what ordinary code costs at the source limit (it is bounded by MaxCompileTime, not by the check).
        var ordinary = await MeasureAsync(interpreter, AtTheCap(refusedAtTheEnd: false), 1).ConfigureAwait(false);
        Console.WriteLine($"     {"for scale: 100,000 characters of ordinary statements",-56} {ordinary.Describe()}");
        Console.WriteLine($"     load after: {IsolationFigures.LoadAverage()}");
    }

    private static async Task<Measurement> MeasureAsync(RoslynInterpreter interpreter, string code, int runs)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        ExecutionResult? last = null;
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < runs; i++)
        {
            await using var session = await interpreter.CreateSessionAsync(new SandboxOptions()).ConfigureAwait(false);
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            last = await session.ExecuteAsync(code).ConfigureAwait(false);
            wall.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
        }

        return new Measurement(new Samples(wall), new Samples(cpu), last!);
    }

    private sealed record Measurement(Samples Wall, Samples Cpu, ExecutionResult Last)
    {
        public string Describe()
        {
            var status = Last.Error is { } error ? $"{Last.Status}/{error.Kind}: {Shorten(error.Message)}" : Last.Status.ToString();
            return string.Create(CultureInfo.InvariantCulture, $"{Wall.Median,8:0.0} ms ({Wall.Max,8:0.0})  cpu {Cpu.Median,8:0.0} ms   {status}");
        }

        private static string Shorten(string message) => message.Length <= 90 ? message : message[..90] + "…";
    }

    private static string Nest(int levels, Func<int, string> open, string inner, Func<int, string> close)
    {
        var code = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            code.Append(open(i));
        }

        code.Append(inner);
        for (var i = levels - 1; i >= 0; i--)
        {
            code.Append(close(i));
        }

        return code.ToString();
    }

    /// <summary><paramref name="count"/> overloads of <c>M</c>, each on a struct of its own (with an implicit conversion from int when asked).</summary>
    private static string Overloads(int count, string parameter, bool conversion = false) => string.Concat(Enumerable.Range(0, count).Select(i =>
        $"struct S{i} {{ {(conversion ? $"public static implicit operator S{i}(int v) => default; " : "")}}} static int M({string.Format(CultureInfo.InvariantCulture, parameter, i)}) => {i};\n"));

    private static string Doubling(int count) =>
        "const string s0 = \"x\";\n" + string.Concat(Enumerable.Range(1, count).Select(i => $"const string s{i} = s{i - 1} + s{i - 1};\n"));

    /// <summary>Ordinary statements up to 100,000 characters (the default source limit), the last of which can be one the check refuses.</summary>
    private static string AtTheCap(bool refusedAtTheEnd)
    {
        var last = refusedAtTheEnd ? "\nvar q = a.Sum(x => a.Sum(y => a.Sum(z => z)));" : "\nvar q = 1;";
        var code = new StringBuilder("var a = new[] { 1, 2 };\n");
        for (var i = 0; code.Length + last.Length < 99_900; i++)
        {
            code.Append(CultureInfo.InvariantCulture, $"var v{i} = a.Where(x => x > {i % 7}).Select(x => x * {i}).Sum() + \"{i}\".Length;\n");
        }

        return code.Append(last).ToString();
    }
}
