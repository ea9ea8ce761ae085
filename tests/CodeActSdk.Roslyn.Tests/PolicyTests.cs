namespace CodeActSdk.Roslyn.Tests;

/// <summary>Every way out of the sandbox is refused before anything runs, naming the symbol, its line and column.</summary>
public class PolicyTests : RoslynTestBase
{
    [TearDown]
    public async Task The_next_session_still_works()
    {
        (await RunAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    [TestCase("System.IO.File.ReadAllText(\"/etc/passwd\")", "System.IO.File.ReadAllText(string)", "files and streams are not available")]
    [TestCase("using System.IO;\nFile.WriteAllText(\"/tmp/x\", \"y\");", "System.IO.File.WriteAllText(string, string?)", "files")]
    [TestCase("var d = new System.IO.DirectoryInfo(\"/\");", "System.IO.DirectoryInfo", "files")]
    [TestCase("var client = new System.Net.Http.HttpClient();", "System.Net.Http.HttpClient", "the network is not available")]
    [TestCase("System.Diagnostics.Process.Start(\"ls\")", "System.Diagnostics.Process", "processes")]
    [TestCase("typeof(string).Assembly", "System.Type.Assembly", "reflection is not available")]
    [TestCase("var t = typeof(int);", "System.Type", "reflection")]
    [TestCase("\"\".GetType().GetMethod(\"Trim\")", "object.GetType()", "reflection")]
    [TestCase("Func<int> f = () => 1; var m = f.Method;", "System.Delegate.Method", "reflection")]
    [TestCase("try { } catch (Exception e) { var s = e.TargetSite; }", "System.Exception.TargetSite", "reflection")]
    [TestCase("Activator.CreateInstance<List<int>>()", "System.Activator", "reflection")]
    [TestCase("AppDomain.CurrentDomain.BaseDirectory", "System.AppDomain", "host's process")]
    [TestCase("Environment.GetEnvironmentVariable(\"PATH\")", "System.Environment", "host's process")]
    [TestCase("Environment.Exit(1);", "System.Environment", "host's process")]
    [TestCase("GC.Collect();", "System.GC", "garbage collector")]
    [TestCase("System.Runtime.InteropServices.Marshal.AllocHGlobal(10)", "System.Runtime.InteropServices.Marshal", "native code")]
    [TestCase("System.Runtime.InteropServices.NativeLibrary.Load(\"libc\")", "System.Runtime.InteropServices.NativeLibrary", "native code")]
    [TestCase("class Native { [System.Runtime.InteropServices.DllImport(\"libc\")] public static extern int getpid(); }", "extern", "native functions")]
    [TestCase("delegate*<int, int> f = null;", "function pointer", "unsafe code")]
    [TestCase("unsafe { int x = 1; int* p = &x; }", "unsafe", "unsafe code")]
    [TestCase("Span<int> s = stackalloc int[10];", "stackalloc", "unsafe code")]
    [TestCase("dynamic d = 1; d.Foo();", "dynamic", "dynamic is not available")]
    [TestCase("new System.Threading.Thread(() => { }).Start();", "System.Threading.Thread", "threads")]
    [TestCase("var t = new System.Threading.Timer(_ => { }, null, 0, 1000);", "System.Threading.Timer", "timers")]
    [TestCase("await Task.Run(() => 1)", "System.Threading.Tasks.Task.Run", "threads")]
    [TestCase("Task.Factory.StartNew(() => 1);", "System.Threading.Tasks.Task.Factory", "threads")]
    [TestCase("Parallel.For(0, 10, i => { });", "System.Threading.Tasks.Parallel", "threads")]
    [TestCase("System.Threading.ThreadPool.QueueUserWorkItem(_ => { });", "System.Threading.ThreadPool", "thread pool")]
    [TestCase("System.Runtime.CompilerServices.Unsafe.SizeOf<int>()", "System.Runtime.CompilerServices.Unsafe", "native code and raw memory")]
    [TestCase("System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(new object())", "System.Runtime.CompilerServices.RuntimeHelpers", "runtime and compiler internals")]
    [TestCase("System.Linq.Expressions.Expression<Func<int>> e = () => 1; e.Compile()();", "System.Linq.Expressions.Expression", "expression trees")]
    [TestCase("new[] { 1 }.AsQueryable().Where(x => x > 0).ToList()", "System.Linq.Queryable", "queryables")]
    [TestCase("new[] { 1 }.AsParallel().Sum()", "System.Linq.ParallelEnumerable", "parallel LINQ")]
    [TestCase("class C { ~C() { } }", "finalizer", "finalizers are not allowed")]
    [TestCase("class C { [System.Runtime.CompilerServices.ModuleInitializer] internal static void Init() { } }", "System.Runtime.CompilerServices.ModuleInitializerAttribute", "module initialisers")]
    [TestCase("#r \"System.IO.dll\"\n1", "#r", "referencing assemblies")]
    [TestCase("#load \"other.csx\"\n1", "#load", "loading other script files")]
    [TestCase("lock (new object()) { }", "lock", "one thread")]
    [TestCase("async void Fire() { await Task.Delay(1); }", "async void", "return Task")]
    [TestCase("Task.Delay(10).Wait();", "System.Threading.Tasks.Task.Wait()", "blocking on a task")]
    [TestCase("var r = Task.FromResult(1).Result;", "System.Threading.Tasks.Task<int>.Result", "blocking")]
    [TestCase("Task.Delay(10).GetAwaiter().GetResult();", "System.Threading.Tasks.Task.GetAwaiter()", "blocking")]
    [TestCase("await Task.Delay(1).ConfigureAwait(false);", "System.Threading.Tasks.Task.ConfigureAwait(bool)", "plain await")]
    [TestCase("class MyRegex : Regex { }", "System.Text.RegularExpressions.Regex", "deriving from Regex")]
    [TestCase("string.Intern(\"x\")", "string.Intern(string)", "interning")]
    [TestCase("System.Console.Out.Flush();", "System.Console", "sandbox captures")]
    [TestCase("TimeZoneInfo.Local.Id", "System.TimeZoneInfo", "time zones")]
    [TestCase("CultureInfo.CurrentCulture = new CultureInfo(\"fr-FR\");", "System.Globalization.CultureInfo.CurrentCulture", "invariant culture")]
    [TestCase("int r = __makeref(r) is var x ? 1 : 0;", "__makeref", "internals")]
    public async Task Escapes_are_refused_before_anything_runs(string code, string symbol, string reason)
    {
        // Directives and usings must come first; everything else is preceded by a print that must not run.
        var first = code.StartsWith('#') || code.StartsWith("using ", StringComparison.Ordinal);
        var result = await RunAsync(first ? code + ";\nConsole.WriteLine(\"ran\");" : "Console.WriteLine(\"ran\");\n" + code);

        result.Status.Should().Be(ExecutionStatus.PolicyViolation, result.Error?.Message);
        result.Stdout.Should().BeEmpty("nothing runs when the policy refuses the code");
        result.Error!.Kind.Should().Be(ErrorKind.PolicyViolation);
        result.Error.Message.Should().Contain(symbol).And.Contain(reason).And.Contain("Allowed: the safe core of System");
        result.Error.Line.Should().Be(code.StartsWith('#') ? 1 : 2, "lines are those of the submitted code");
    }

    [TestCase("var files = new List<System.IO.FileInfo>();", "System.IO.FileInfo", "a generic type argument")]
    [TestCase("foreach (var f in new System.IO.DirectoryInfo(\"/\").EnumerateFiles()) { }", "System.IO.DirectoryInfo", "foreach")]
    [TestCase("var (type, n) = (typeof(int), 1);", "System.Type", "deconstruction")]
    [TestCase("var s = $\"{typeof(int)}\";", "System.Type", "an interpolated string")]
    [TestCase("var q = from x in new[] { 1 }.AsQueryable() where x > 0 select x;", "System.Linq.Queryable", "query syntax")]
    [TestCase("class Wrapper { public static implicit operator System.IO.FileInfo(Wrapper w) => null; }", "System.IO.FileInfo", "a conversion")]
    [TestCase("record R(System.Reflection.MethodInfo M);", "System.Reflection.MethodInfo", "a record parameter")]
    [TestCase("class Leaky : System.IO.Stream { }", "System.IO.Stream", "a base type")]
    [TestCase("{ using var w = new System.IO.StringWriter(); }", "System.IO.StringWriter", "using")]
    [TestCase("var list = new List<object> { typeof(int) };", "System.Type", "a collection initialiser")]
    [TestCase("await System.Threading.Tasks.Task.Factory.StartNew(() => 1);", "System.Threading.Tasks.Task.Factory", "await")]
    [TestCase("Func<string, string, bool> matches = Regex.IsMatch; matches(new string('a', 40) + \"!\", \"^(a+)+$\");", "System.Text.RegularExpressions.Regex.IsMatch(string, string)", "a method group (no match timeout)")]
    [TestCase("var sb = new StringBuilder(); Func<char, int, StringBuilder> repeat = sb.Append; repeat('x', 1_000_000_000);", "System.Text.StringBuilder.Append(char, int)", "a method group (no memory charge)")]
    [TestCase("Func<int, int, IEnumerable<int>> range = Enumerable.Range; range(0, int.MaxValue).Sum();", "System.Linq.Enumerable.Range(int, int)", "a method group (no operation charge)")]
    [TestCase("Func<object, JsonSerializerOptions, string> write = JsonSerializer.Serialize; write(1, null);", "System.Text.Json.JsonSerializer.Serialize", "a method group (no session options)")]
    [TestCase("Func<string, string, string> twice = string.Concat; var s = \"x\"; while (true) s = twice(s, s);", "string.Concat(string?, string?)", "a method group (no charge before the concatenation)")]
    [TestCase("var sb = new StringBuilder(\"x\"); Func<string> copy = sb.ToString; copy();", "System.Text.StringBuilder.ToString()", "a method group (no charge for the copy)")]
    public async Task Implicit_and_indirect_uses_are_refused_too(string code, string symbol, string through)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.PolicyViolation, "{0} must be checked ({1})", through, result.Error?.Message);
        result.Error!.Message.Should().Contain(symbol);
    }

    [Test]
    public async Task A_violation_names_line_and_column_of_each_banned_symbol()
    {
        var result = await RunAsync("var a = 1;\nvar text = System.IO.File.ReadAllText(\"x\");\nvar env = Environment.MachineName;");

        result.Error.Should().BeEquivalentTo(new { Kind = ErrorKind.PolicyViolation, Line = 2, Column = 12 });
        result.Error!.Message.Should().Contain("line 2, column 12: System.IO.File").And.Contain("line 3, column 11: System.Environment");
    }

    [Test]
    public async Task The_safe_core_is_allowed()
    {
        var result = await RunAsync("""
            var sb = new StringBuilder();
            var words = "b a c".Split(' ').OrderBy(w => w).ToList();
            foreach (var (w, i) in words.Select((w, i) => (w, i))) sb.Append($"{i}:{w} ");
            var dict = words.ToDictionary(w => w, w => w.Length);
            var big = BigInteger.Pow(2, 70);
            var when = new DateTime(2024, 1, 1).AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var rounded = Math.Round(2.345, 2, MidpointRounding.AwayFromZero);
            var guid = Guid.Empty.ToString();
            var span = "hello".AsSpan(1, 3).ToString();
            var json = JsonSerializer.Serialize(dict);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var rnd = new Random(1).Next(10) >= 0;
            var numbers = new[] { 3, 1, 2 }; Array.Sort(numbers);
            (sb.ToString().Trim(), dict["a"], big.ToString(), when, rounded, guid.Length, span, json, rnd, numbers[0], words[1..].Count)
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
    }

    [Test]
    public async Task Hosts_can_widen_and_narrow_the_policy()
    {
        using var custom = new RoslynInterpreter(new RoslynInterpreterOptions
        {
            Policy = CSharpApiPolicy.Default
                .AllowType("System.Environment")
                .DenyMember("System.Environment", "GetEnvironmentVariable", "ask the host instead")
                .DenyMember("System.Math", "Pow", "multiply instead")
                .AllowNamespace("System.Buffers"),
        });
        await using var session = await custom.CreateSessionAsync(new SandboxOptions());

        (await session.ExecuteAsync("Environment.NewLine.Length > 0 && System.Buffers.ArrayPool<int>.Shared != null")).Value!.Value.GetBoolean().Should().BeTrue();
        (await session.ExecuteAsync("Environment.GetEnvironmentVariable(\"PATH\")")).Error!.Message.Should().Contain("ask the host instead");
        (await session.ExecuteAsync("Math.Pow(2, 3)")).Error!.Message.Should().Contain("System.Math.Pow(double, double): multiply instead");
        (await session.ExecuteAsync("Math.Sqrt(4)")).Value!.Value.GetDouble().Should().Be(2);
    }

    [Test]
    public void The_policy_answers_questions_about_types_and_members()
    {
        var policy = CSharpApiPolicy.Default;

        policy.IsAllowed(typeof(List<int>)).Should().BeTrue();
        policy.IsAllowed(typeof(System.IO.File)).Should().BeFalse();
        policy.IsAllowed(typeof(object), "GetType").Should().BeFalse();
        policy.IsAllowed(typeof(object), "ToString").Should().BeTrue();
        policy.DenyType(typeof(List<>)).IsAllowed(typeof(List<string>)).Should().BeFalse();
        CSharpApiPolicy.Empty.IsAllowed(typeof(string)).Should().BeFalse();
    }

    [Test]
    public async Task The_host_console_is_not_even_in_scope()
    {
        var result = await RunAsync("System.Console.WriteLine(\"to the host\");");

        result.Status.Should().BeOneOf(ExecutionStatus.PolicyViolation, ExecutionStatus.SyntaxError);
        result.Stdout.Should().BeEmpty();
    }
}
