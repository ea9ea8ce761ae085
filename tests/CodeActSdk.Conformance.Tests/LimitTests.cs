namespace CodeActSdk.Conformance.Tests;

/// <summary>Every limit stops the code with its own status, whatever the code does to resist.</summary>
public class LimitTests(Backend backend) : ConformanceTest(backend)
{
    /// <summary>A short time limit, and no operation budget, so that the time limit is what stops the code.</summary>
    private static readonly SandboxOptions Short = new() { Timeout = TimeSpan.FromMilliseconds(300), MaxOperations = long.MaxValue };

    [Test]
    public async Task An_operation_budget_stops_an_endless_loop_too()
    {
        var ignoresBudget = Backend.Has(Difference.NoOperationBudget);
        var options = new SandboxOptions { MaxOperations = 100_000, Timeout = ignoresBudget ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMinutes(5) };

        var result = await RunAsync("while (true) { }", "while (true) { }", options);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be(ignoresBudget ? ErrorKind.Timeout : ErrorKind.OperationLimit);
    }

    [Test]
    public async Task An_endless_loop_is_stopped_at_the_time_limit()
    {
        var result = await RunAsync("while (true) { }", "while (true) { }", Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Error!.Kind.Should().Be(ErrorKind.Timeout);
    }

    [Test]
    public async Task A_catch_all_cannot_swallow_the_stop()
    {
        var result = await RunAsync(
            "while (true) { try { while (true) { } } catch (e) { } finally { } }",
            "while (true) { try { while (true) { } } catch { } finally { } }",
            Short);

        result.Status.Should().Be(ExecutionStatus.Timeout);
    }

    [Test]
    public async Task Catastrophic_regex_backtracking_is_stopped_at_the_time_limit()
    {
        await using var session = await NewSessionAsync(Short);

        var result = await RunAsync(session, "var s = new Array(34).join('a') + '!'; /(a+)+b/.test(s)", "Regex.IsMatch(new string('a', 33) + \"!\", \"(a+)+b\")");

        result.Status.Should().Be(ExecutionStatus.Timeout);
        Json(await RunAsync(session, "1 + 1", "1 + 1")).Should().Be("2");
    }

    [Test]
    public async Task Deep_recursion_is_a_runtime_error_not_a_crash()
    {
        var result = await RunAsync("function f(n) { return f(n + 1) + 1; } f(0)", "int F(int n) => F(n + 1) + 1; F(0)");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
    }

    [Test]
    public async Task A_memory_bomb_is_stopped_at_the_memory_limit()
    {
        var result = await RunAsync(
            "var kept = []; while (true) { var a = []; for (var i = 0; i < 10000; i++) { a.push(i * 1.5); } kept.push(a); }",
            "var kept = new List<double[]>(); while (true) { var a = new double[10000]; for (var i = 0; i < a.Length; i++) { a[i] = i * 1.5; } kept.Add(a); }",
            new SandboxOptions { MemoryLimitBytes = 32L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(20), MaxOperations = long.MaxValue });

        result.Status.Should().Be(ExecutionStatus.MemoryLimit);
    }

    [Test]
    public async Task Cancellation_stops_a_running_execution()
    {
        await using var session = await NewSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue });
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var result = await session.ExecuteAsync(Backend.Code("while (true) { }", "while (true) { }"), cancellation.Token);

        result.Status.Should().Be(ExecutionStatus.Cancelled);
    }
}
