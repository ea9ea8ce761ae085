namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// Allocations whose size the operands determine are charged to the memory budget before they happen: one that would
/// pass the budget is a MemoryLimit result, and nothing of that size is allocated. Each script below makes a single
/// allocation larger than the 32 MiB budget in one statement, with no loop or call after it where a guard would look
/// at the memory afterwards, so without the charge it would complete.
/// </summary>
public class ChargedAllocationTests : RoslynTestBase
{
    private static readonly SandboxOptions Budget32 = new() { MemoryLimitBytes = 32L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue };

    /// <summary>8 million characters: 16 MiB.</summary>
    private const string S = "var s = new string('x', 8_000_000); ";

    [TearDown]
    public async Task The_next_session_still_works()
    {
        (await RunAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    [TestCase(S + "var t = s + s + s; t.Length")]
    [TestCase(S + "var t = s + 1 + s + 'c' + s; t.Length")]
    [TestCase(S + "s += s; s += s; s.Length")]
    [TestCase(S + "var a = new[] { s }; a[0] += s; a[0] += s; a[0].Length")]
    [TestCase(S + "var d = new Dictionary<int, string> { [1] = s }; d[1] += s; d[1] += s; d[1].Length")]
    [TestCase(S + "var t = $\"{s}-{s}-{s}\"; t.Length")]
    [TestCase(S + "var t = $\"{s}{$\"{s}{s}\"}\"; t.Length")]
    [TestCase("var t = $\"{1,20_000_000}\"; t.Length")]
    [TestCase(S + "string.Concat(s, s, s).Length")]
    [TestCase(S + "string.Concat(s, s, s, s, s).Length")]
    [TestCase(S + "string.Concat(Enumerable.Repeat(s, 3)).Length")]
    [TestCase(S + "string.Join(\",\", s, s, s).Length")]
    [TestCase(S + "string.Join(\",\", new List<string> { s, s, s }).Length")]
    [TestCase(S + "string.Join(',', Enumerable.Repeat(s, 3).Select(x => x)).Length")]
    [TestCase(S + "s.Replace(\"x\", \"xyz\").Length")]
    [TestCase(S + "s.Replace(\"x\", \"xyz\", StringComparison.OrdinalIgnoreCase).Length")]
    [TestCase(S + "s.Insert(0, s + s).Length")]
    [TestCase(S + "s.PadLeft(20_000_000).Length")]
    [TestCase("var s = new string('x', 10_000_000); s.Split('x').Length")]
    [TestCase(S + "var sb = new StringBuilder(s); sb.Append(sb); sb.Append(sb); sb.Append(sb); sb.Length")]
    [TestCase("var sb = new StringBuilder(); sb.Append($\"{1,20_000_000}\"); sb.Length")]
    [TestCase("var sb = new StringBuilder(); sb.Insert(0, \"abcd\", 5_000_000); sb.Length")]
    [TestCase("var sb = new StringBuilder(); sb.Capacity = 20_000_000; sb.Capacity")]
    [TestCase("var sb = new StringBuilder(); sb.Length = 20_000_000; sb.Length")]
    [TestCase("Enumerable.Range(0, 10_000_000).ToArray().Length")]
    [TestCase("Enumerable.Repeat(0L, 5_000_000).ToList().Count")]
    [TestCase("Enumerable.Range(0, 5_000_000).ToHashSet().Count")]
    [TestCase("var l = new List<long>(); l.AddRange(Enumerable.Repeat(0L, 5_000_000)); l.Count")]
    [TestCase("var l = new List<long>(); l.InsertRange(0, new long[3_000_000]); l.InsertRange(0, l); l.Count")]
    [TestCase("var l = new List<long>(); l.Capacity = 5_000_000; l.Capacity")]
    [TestCase("(System.Numerics.BigInteger.One << 300_000_000).IsZero")]
    [TestCase("var b = System.Numerics.BigInteger.One; b <<= 300_000_000; b.IsZero")]
    [TestCase("var b = System.Numerics.BigInteger.One << 100_000_000; (b * b * b).IsZero")]
    [TestCase("var b = System.Numerics.BigInteger.One << 100_000_000; b *= b; b.IsZero")]
    [TestCase("System.Numerics.BigInteger.Pow(3, 100_000_000).IsZero")]
    [TestCase("System.Numerics.BigInteger.Multiply(System.Numerics.BigInteger.One << 100_000_000, System.Numerics.BigInteger.One << 100_000_000).IsZero")]
    [TestCase("(System.Numerics.BigInteger.One << 100_000_000).ToString().Length")]
    [TestCase("var b = System.Numerics.BigInteger.One << 100_000_000; $\"{b}\".Length")]
    public async Task An_allocation_past_the_budget_is_refused_before_it_happens(string code)
    {
        var result = await RunAsync(code, Budget32);

        result.Status.Should().Be(ExecutionStatus.MemoryLimit, result.Error?.Message);
        result.Error!.Message.Should().Contain("32 MiB");
    }

    [Test]
    public async Task Doubling_a_string_in_a_loop_stops_at_the_charge_not_after_the_allocation()
    {
        var result = await RunAsync("string s = \"x\"; var doublings = 0; while (true) { s += s; doublings++; Console.WriteLine(doublings); }",
            new SandboxOptions { MemoryLimitBytes = 256L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue });

        result.Status.Should().Be(ExecutionStatus.MemoryLimit);
        // 2^26 characters (128 MiB) fit next to the 64 MiB they are made from; the 27th doubling would hold 128 MiB and
        // make 256 MiB, past the budget, and is refused before it allocates anything.
        result.Stdout.TrimEnd().Split('\n').Last().Should().Be("26");
    }
}

/// <summary>The charged forms of concatenation, interpolation and library calls compute exactly what the code wrote.</summary>
public class ChargedSemanticsTests : RoslynTestBase
{
    [TestCase("string s = null; object o = null; int? n = null; char c = 'c'; double d = 1.5; var e = DayOfWeek.Monday; var big = System.Numerics.BigInteger.Parse(\"123\"); var sb = new StringBuilder(\"sb\"); \"a\" + s + o + n + c + d + e + big + sb + 1 + 2", "ac1.5Monday123sb12")]
    [TestCase("1 + 2 + \"x\" + 1 + 2", "3x12")]
    [TestCase("var s = \"a\"; var i = 1; s += i + \",\" + (i + 1) + (\"b\" + (s + \"c\")); s += (\"d\" + 'e'); s", "a1,2bacde")]
    [TestCase("class N { public override string ToString() => null; } \"a\" + new N() + \"b\"", "ab")]
    [TestCase("T Id<T>(T x) => x; string Show<T>(T x) => \"<\" + x + \">\"; Show(1) + Show<string>(null) + Show(Id<int?>(null))", "<1><><>")]
    [TestCase("var name = \"Ann\"; var n = 3; $\"{name,-5}|{n:D3}|{(string)null}|{n,4}|{{}}\"", "Ann  |003||   3|{}")]
    [TestCase("var a = \"x\"; $\"{a}{$\"[{a}{$\"({a})\"}]\"}{a}\"", "x[x(x)]x")]
    [TestCase("var sb = new StringBuilder(); var name = \"Ann\"; sb.Append($\"{name}:{1,3}\"); sb.AppendLine($\"!{name}\"); sb.Append(sb.Length).Insert(0, \"-\", 2); sb.ToString()", "--Ann:  1!Ann\n12")]
    [TestCase("var count = 0; var seq = Enumerable.Range(0, 3).Select(x => { count++; return x; }); string.Join(\",\", seq) + \"/\" + string.Join('-', seq.Select(x => x.ToString())) + \"/\" + string.Concat(seq) + \"/\" + count", "0,1,2/0-1-2/012/9")]
    [TestCase("\"aXbX\".Replace(\"X\", \"yy\") + \"aXbX\".Replace(\"x\", \"z\", StringComparison.OrdinalIgnoreCase) + \"ab\".Insert(1, \"-\") + \"a,b\".Split(',').Length + \"Ab\".ToUpper()", "ayybyyazbza-b2AB")]
    [TestCase("var f = System.Numerics.BigInteger.One; for (var i = 1; i <= 25; i++) f *= i; var g = f; g <<= 3; (f * 2 + (System.Numerics.BigInteger.One << 70) + System.Numerics.BigInteger.Pow(10, 3) + g).ToString()", "155113281024930577251304424")]
    [TestCase("Enumerable.ToArray<int>(new List<int> { 1, 2 }).Length + Enumerable.ToList(new[] { 1, 2, 3 }).Count + new[] { 1, 2 }.ToHashSet().Count + \"\"", "7")]
    [TestCase("var l = new List<int>(); for (var i = 0; i < 10_000; i++) l.Add(i); l.AddRange(l); l.InsertRange(0, new[] { -1 }); l.Count + \":\" + l.Sum()", "20001:99989999")]
    public async Task Charged_code_computes_what_was_written(string code, string expected)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetString().Should().Be(expected);
    }

    [Test]
    public async Task Compound_assignments_read_and_write_their_target_once()
    {
        var result = await RunAsync("""
            class C { public string P = ""; public string Q { get; set; } = ""; public int Gets; string r = ""; public string R { get { Gets++; return r; } set => r = value; } }
            var c = new C(); c.P += "x"; c.Q += "y"; c.R += "z"; c.R += "z";
            var a = new[] { "1" }; a[0] += "2";
            var d = new Dictionary<string, string> { ["k"] = "v" }; d["k"] += "w";
            var l = new List<string> { "l" }; l[0] += "m";
            var i = 0; string F() { i++; return "f"; } var arr = new[] { "" }; arr[0] += F(); arr[0] += F();
            var j = 0; var arr2 = new[] { "a", "b" }; arr2[j++] += "x";
            string.Join(",", c.P, c.Q, c.R, c.Gets, a[0], d["k"], l[0], arr[0], i, arr2[0], arr2[1], j)
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetString().Should().Be("x,y,zz,3,12,vw,lm,ff,2,ax,b,1");
    }

    [TestCase("var a = \"x\" +\n    \"y\" +\n    a2();\nstring a2() => \"z\";\nthrow new InvalidOperationException(a);", 5)]
    [TestCase("var sb = new StringBuilder()\n    .Append(\"a\")\n    .Append(\"b\");\nthrow new InvalidOperationException(sb\n    .ToString());", 4)]
    [TestCase("var n = 1;\nvar s = $@\"{n}\n{n}\" + n\n    + n;\nthrow new InvalidOperationException(s);", 5)]
    public async Task Charged_code_keeps_its_lines(string code, int line)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Line.Should().Be(line);
    }
}
