namespace CodeActSdk.Conformance.Tests;

/// <summary>A session is a REPL: what one execution declares, the next sees; sessions never see each other.</summary>
public class StateTests(Backend backend) : ConformanceTest(backend)
{
    [Test]
    public async Task Variables_and_functions_persist_between_executions()
    {
        await using var session = await NewSessionAsync();
        (await RunAsync(session, "var total = 40; function add(x) { return total + x; }", "var total = 40; int Add(int x) => total + x;")).Status.Should().Be(ExecutionStatus.Completed);

        Json(await RunAsync(session, "total = add(2); total", "total = Add(2); total")).Should().Be("42");
    }

    [Test]
    public async Task Sessions_are_isolated()
    {
        await using var first = await NewSessionAsync();
        await using var second = await NewSessionAsync();
        await RunAsync(first, "var secret = 1;", "var secret = 1;");

        var result = await RunAsync(second, "secret", "secret");

        result.Status.Should().Be(Backend.Has(Difference.NamesResolvedBeforeRunning) ? ExecutionStatus.SyntaxError : ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().Contain("secret");
        Json(await RunAsync(first, "secret", "secret")).Should().Be("1");
    }

    [Test]
    public async Task An_execution_that_throws_keeps_what_it_declared_before_the_throw()
    {
        await using var session = await NewSessionAsync();
        (await RunAsync(session, "var before = 5; throw new Error('boom');", "var before = 5; throw new InvalidOperationException(\"boom\");")).Status.Should().Be(ExecutionStatus.RuntimeError);

        Json(await RunAsync(session, "before + 1", "before + 1")).Should().Be("6");
    }

    [Test]
    public async Task A_session_works_again_after_a_limit_stopped_it()
    {
        await using var session = await NewSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        await RunAsync(session, "var kept = 7;", "var kept = 7;");
        (await RunAsync(session, "while (true) { }", "while (true) { }")).Status.Should().Be(ExecutionStatus.Timeout);

        Json(await RunAsync(session, "kept * 6", "kept * 6")).Should().Be("42");
    }
}
