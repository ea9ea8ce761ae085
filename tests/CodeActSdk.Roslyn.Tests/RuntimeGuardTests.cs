namespace CodeActSdk.Roslyn.Tests;

/// <summary>Code that tries to hang, exhaust or outlive the sandbox at run time: each ends with a clear status, and the host keeps working.</summary>
public class RuntimeGuardTests : RoslynTestBase
{
    private static readonly SandboxOptions Short = new() { Timeout = TimeSpan.FromMilliseconds(300), MaxOperations = long.MaxValue };

    [TearDown]
    public async Task The_next_session_still_works()
    {
        (await RunAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    [TestCase("while (true) { }")]
    [TestCase("for (;;) ;")]
    [TestCase("do { } while (true);")]
    [TestCase("IEnumerable<int> Forever() { while (true) yield return 1; } foreach (var x in Forever()) { }")]
    [TestCase("top: goto top;")]
    [TestCase("var i = 0; again: i++; if (i > 0) goto again;")]
    [TestCase("switch (1) { case 1: goto case 1; }")]
    [TestCase("while (true) { try { while (true) { } } catch { } }")]
    [TestCase("while (true) { try { throw new Exception(); } catch (Exception) { } finally { } }")]
    [TestCase("while (true) { try { while (true) { } } catch (Exception e) when (true) { } }")]
    [TestCase("try { while (true) { } } finally { while (true) { } }")]
    [TestCase("try { throw new Exception(); } catch { while (true) { } }")]
    [TestCase("void F() { try { for (;;) { } } catch { F(); } } F();")]
    [TestCase("new[] { 3, 1, 2 }.OrderBy(x => { while (true) { } return x; }).ToList();")]
    [TestCase("class C { public int P { get { while (true) { } } } } var p = new C().P;")]
    [TestCase("class C { public override string ToString() { for (;;) { } } } var s = $\"{new C()}\";")]
    [TestCase("class C { static C() { while (true) { } } public static int X; } var x = C.X;")]
    [TestCase("Enumerable.Range(0, 10).Select(i => { while (true) { } return i; }).Sum();")]
    [TestCase("async Task Spin() { while (true) { await Task.Yield(); } } await Spin();")]
    [TestCase("while (true) { await Task.Delay(1); }")]
    public async Task Every_form_of_endless_loop_ends_as_timeout(string code)
    {
        var result = await RunAsync(code, Short);

        result.Status.Should().Be(ExecutionStatus.Timeout, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.Timeout);
        result.Error.Message.Should().Contain("time limit of 0.3 s");
    }

    [Test]
    public async Task The_operation_budget_ends_long_loops_deterministically()
    {
        var result = await RunAsync("var i = 0;\nwhile (true) { i++; }", new SandboxOptions { MaxOperations = 100_000 });

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be(ErrorKind.OperationLimit);
        result.Error.Message.Should().Contain("100,000 operations");
        result.Error.Line.Should().Be(2);
    }

    [Test]
    public async Task A_catch_all_cannot_swallow_the_stop()
    {
        var result = await RunAsync("var caught = 0; while (true) { try { while (true) { } } catch { caught++; Console.WriteLine(\"caught\"); } }", Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Stdout.Should().BeEmpty();
    }

    [Test]
    public async Task An_exception_filter_never_sees_the_stop()
    {
        await using var session = await Interpreter.CreateSessionAsync(Short);
        await session.ExecuteAsync("var seen = new List<string>(); bool Saw(Exception e) { seen.Add(e.Message); return true; }");

        var result = await session.ExecuteAsync("try { while (true) { } } catch (Exception e) when (Saw(e)) { Console.WriteLine(\"swallowed\"); }");

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Stdout.Should().BeEmpty();
        (await session.ExecuteAsync("seen.Count")).Value!.Value.GetInt32().Should().Be(0);
    }

    [Test]
    public async Task A_stop_turned_into_another_exception_still_cannot_be_caught()
    {
        // A static constructor that hits the limit surfaces as TypeInitializationException: it is not catchable either.
        var result = await RunAsync("class Slow { public static int X = Spin(); static int Spin() { while (true) { } } } try { var x = Slow.X; } catch (Exception) { Console.WriteLine(\"caught\"); }", Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Stdout.Should().BeEmpty();
    }

    [TestCase("int F(int n) => F(n + 1); F(0)")]
    [TestCase("void F() { void G() => F(); G(); } F();")]
    [TestCase("class C { public int P => P; } new C().P")]
    [TestCase("class N { public N() { new N(); } } new N();")]
    [TestCase("class T { public override string ToString() => $\"<{this}>\"; } new T().ToString()")]
    [TestCase("IEnumerable<int> Deep(int n) { foreach (var x in Deep(n + 1)) yield return x; yield return n; } Deep(0).Count()")]
    [TestCase("async Task<int> A(int n) => await A(n + 1); await A(0)")]
    public async Task Deep_recursion_ends_as_a_runtime_error_not_a_stack_overflow(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
    }

    [TestCase("record Node { public Node Next { get; set; } } var n = new Node(); n.Next = n; n.GetHashCode()")]
    [TestCase("record Node { public Node Next { get; set; } } var n = new Node(); n.Next = n; n.ToString()")]
    [TestCase("record Node(int V) { public Node Next; } sealed record Leaf(int V) : Node(V); var l = new Leaf(1); l.Next = l; l.GetHashCode()")]
    public async Task Cyclic_records_end_as_a_runtime_error_not_a_stack_overflow(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
    }

    /// <summary>The JIT turns these into tail calls, so the stack does not grow: they end on the operation budget instead.</summary>
    [TestCase("Func<int, int> f = null; f = n => f(n + 1); f(0)")]
    [TestCase("record Node { public Node Next { get; set; } } var a = new Node(); var b = new Node(); a.Next = a; b.Next = b; a.Equals(b)")]
    public async Task Endless_tail_recursion_ends_on_a_limit(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().BeOneOf(ExecutionStatus.RuntimeError, ExecutionStatus.Timeout);
        result.Error!.Kind.Should().BeOneOf(ErrorKind.RecursionLimit, ErrorKind.OperationLimit);
    }

    [Test]
    public async Task Recursion_within_the_limit_works()
    {
        var result = await RunAsync("int F(int n) => n == 0 ? 0 : 1 + F(n - 1); F(200)");

        result.Value!.Value.GetInt32().Should().Be(200);
    }

    [Test]
    public async Task Records_keep_their_equality_and_printing()
    {
        var result = await RunAsync("record P(int X, string Y); record Q(int X, string Y, int Z) : P(X, Y); var a = new P(1, \"a\"); (a == new P(1, \"a\"), a.GetHashCode() == new P(1, \"a\").GetHashCode(), a.ToString(), new Q(1, \"b\", 2).ToString(), a == new Q(1, \"a\", 0))");

        result.Value!.Value.GetRawText().Should().Be("""{"Item1":true,"Item2":true,"Item3":"P { X = 1, Y = a }","Item4":"Q { X = 1, Y = b, Z = 2 }","Item5":false}""");
    }

    [TestCase("var list = new List<string>(); while (true) { list.Add(new string('x', 10_000)); }")]
    [TestCase("var s = \"x\"; while (true) { s += s; }")]
    [TestCase("var arrays = new List<long[]>(); while (true) { arrays.Add(new long[100_000]); }")]
    [TestCase("var huge = new byte[int.MaxValue];")]
    [TestCase("var grid = new long[50_000, 50_000];")]
    [TestCase("var text = new string('x', int.MaxValue);")]
    [TestCase("var sb = new StringBuilder(); sb.Append('x', 1_000_000_000);")]
    [TestCase("var d = new Dictionary<int, int>(500_000_000);")]
    public async Task Memory_bombs_end_as_memory_limit(string code)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var result = await RunAsync(code, new SandboxOptions { MemoryLimitBytes = 32L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue });

        result.Status.Should().Be(ExecutionStatus.MemoryLimit, result.Error?.Message);
        result.Error!.Message.Should().Contain("32 MiB");
        GC.GetTotalMemory(forceFullCollection: true).Should().BeLessThan(before + 16L * 1024 * 1024, "the bomb's memory is released");
    }

    [Test]
    public async Task A_loop_that_churns_memory_but_keeps_little_is_not_a_memory_bomb()
    {
        var result = await RunAsync("long kept = 0; for (var i = 0; i < 300_000; i++) { var tmp = new object[] { i, \"x\" + i, new List<int> { i } }; kept += tmp.Length; } kept",
            new SandboxOptions { MemoryLimitBytes = 16L * 1024 * 1024 });

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetInt32().Should().Be(900_000);
    }

    [Test]
    public async Task Huge_sequences_from_the_library_are_charged_to_the_operation_budget()
    {
        var result = await RunAsync("Enumerable.Repeat(1, int.MaxValue).ToList().Count");

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be(ErrorKind.OperationLimit);
    }

    [Test]
    public async Task Awaiting_past_the_deadline_ends_as_timeout()
    {
        // Were the deadline not enforced, the delay would end and "done" would be printed, with status Completed.
        var result = await RunAsync("Console.WriteLine(\"waiting\"); await Task.Delay(60_000); Console.WriteLine(\"done\");", Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Stdout.Should().Be("waiting\n");
    }

    [Test]
    public async Task Catastrophic_backtracking_is_stopped_by_the_forced_regex_timeout()
    {
        var result = await RunAsync("Regex.IsMatch(new string('a', 40) + \"!\", \"^(a+)+$\")", Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
    }

    [Test]
    public async Task A_regex_timeout_the_code_asks_for_is_capped_at_the_deadline()
    {
        var result = await RunAsync("new Regex(\"^(a+)+$\", RegexOptions.None, Regex.InfiniteMatchTimeout).IsMatch(new string('a', 40) + \"!\")", Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
    }

    [Test]
    public async Task Work_left_running_after_the_execution_never_resumes()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("var log = new List<string>(); async Task Later() { await Task.Delay(50); log.Add(\"late\"); } var pending = Later();");
        await Task.Delay(300);

        (await session.ExecuteAsync("log.Count")).Value!.Value.GetInt32().Should().Be(0);
    }

    [TestCase("for (var i = 0; i < 10_000; i++) { _ = Task.Delay(TimeSpan.FromDays(1)); }")]
    [TestCase("for (var i = 0; i < 10_000; i++) { _ = Task.Delay(int.MaxValue); }")]
    [TestCase("async Task<int> Later() { await Task.Delay(100_000); return 1; } var later = Later(); for (var i = 0; i < 10_000; i++) { _ = later.WaitAsync(TimeSpan.FromDays(1)); }")]
    public async Task Timers_the_code_starts_do_not_outlive_the_execution(string code)
    {
        // The timers of Task.Delay and WaitAsync live in the process-wide timer queue: left there, a long wait would
        // keep its timer (and what it holds) in the host long after the session is gone.
        var before = System.Threading.Timer.ActiveCount;

        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        System.Threading.Timer.ActiveCount.Should().BeLessThan(before + 1_000, "the 10,000 timers ended with the execution");
    }

    [Test]
    public async Task A_stopped_execution_leaves_its_session_usable()
    {
        await using var session = await Interpreter.CreateSessionAsync(Short);
        await session.ExecuteAsync("var x = 41;");
        (await session.ExecuteAsync("while (true) { }")).Status.Should().Be(ExecutionStatus.Timeout);

        (await session.ExecuteAsync("x + 1")).Value!.Value.GetInt32().Should().Be(42);
    }
}
