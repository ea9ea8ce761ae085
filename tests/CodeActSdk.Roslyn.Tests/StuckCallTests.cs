using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// Code stuck inside a single library call, where no guard runs: the session answers at the deadline (or at the
/// host's cancellation) plus the grace, gives up on the call, and answers the next call at once with fresh variables.
/// The watchdog's clock is a fake one, so the deadline is reached without waiting for it; the stuck calls are real and
/// end on their own within a few seconds, in the background.
/// </summary>
[NonParallelizable]
public class StuckCallTests
{
    /// <summary>A power whose computation takes about a second of CPU: a call no guard can interrupt.</summary>
    private const string StuckCall = "System.Numerics.BigInteger.Pow(3, 3_000_000).IsEven";

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    private FakeTimeProvider _clock = null!;
    private RoslynInterpreter _interpreter = null!;
    private DirectoryInfo _signals = null!;

    [SetUp]
    public async Task CreateInterpreter()
    {
        _clock = new FakeTimeProvider();
        _interpreter = new RoslynInterpreter(new RoslynInterpreterOptions { TimeProvider = _clock, MaxConcurrentExecutions = 1 });
        _signals = Directory.CreateTempSubdirectory("codeact-stuck-");
        await using var warm = await _interpreter.CreateSessionAsync(new SandboxOptions());
        await warm.ExecuteAsync("1");
    }

    [TearDown]
    public void DisposeInterpreter()
    {
        _interpreter.Dispose();
        _signals.Delete(recursive: true);
    }

    /// <summary>
    /// Code that writes a file the test can see, then makes <paramref name="stuck"/>: nothing checks the limits
    /// between the two (a tool call would, after it returns), so once the file is there the code is inside the call.
    /// </summary>
    private static string Stuck(string stuck) => $"Files.WriteText(\"signal/started.txt\", \"\"); {stuck}";

    private async Task InsideTheCallAsync()
    {
        while (!File.Exists(Path.Combine(_signals.FullName, "started.txt")))
        {
            await Task.Delay(10);
        }
    }

    private SandboxOptions Options(TimeSpan? timeout = null) => new()
    {
        Timeout = timeout ?? Limit,
        MaxOperations = long.MaxValue,
        MemoryLimitBytes = 1L << 30,
        Tools = [AIFunctionFactory.Create(() => true, "entered", "Answers true.")],
        Files = new FileSystemOptions { Mounts = [FileMount.ReadWrite("signal", _signals.FullName)] },
    };

    [TestCase(StuckCall)]
    [TestCase("var r = new Regex(\"(a+)+$\"); r.IsMatch(new string('a', 40) + \"!\")")]
    [TestCase("Regex.IsMatch(new string('a', 40) + \"!\", \"^(a+)+$\")")]
    public async Task A_call_stuck_past_the_time_limit_is_answered_at_the_deadline(string stuck)
    {
        // The regular expressions get what is left of a 3 s limit as their match timeout, so that they end soon in the background.
        await using var session = await _interpreter.CreateSessionAsync(Options(stuck == StuckCall ? Limit : TimeSpan.FromSeconds(3)));
        await session.ExecuteAsync("var kept = 41;");

        var execution = session.ExecuteAsync(Stuck(stuck));
        await InsideTheCallAsync();
        _clock.Advance((stuck == StuckCall ? Limit : TimeSpan.FromSeconds(3)) + new RoslynInterpreterOptions().AbandonGrace);
        var result = await execution;

        result.Status.Should().Be(ExecutionStatus.Timeout, result.Error?.Message);
        result.Error!.Message.Should().Contain("inside a single library call").And.Contain("variables were reset");
        (await session.ExecuteAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2, "the session answers at once, while the stuck call still runs");
        (await session.ExecuteAsync("kept")).Status.Should().Be(ExecutionStatus.SyntaxError, "the variables of the abandoned REPL are gone");
    }

    [TestCase(StuckCall)]
    [TestCase("new Regex(\"(a+)+$\").IsMatch(new string('a', 40) + \"!\")")]
    public async Task A_host_cancellation_ends_a_stuck_call_after_the_grace(string stuck)
    {
        await using var session = await _interpreter.CreateSessionAsync(Options(TimeSpan.FromSeconds(3)));
        using var cancellation = new CancellationTokenSource();

        var execution = session.ExecuteAsync(Stuck(stuck), cancellation.Token);
        await InsideTheCallAsync();
        await cancellation.CancelAsync();
        _clock.Advance(new RoslynInterpreterOptions().AbandonGrace);
        var result = await execution;

        result.Status.Should().Be(ExecutionStatus.Cancelled, result.Error?.Message);
        result.Error!.Message.Should().Contain("cancelled by the host").And.Contain("variables were reset");
        (await session.ExecuteAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    [Test]
    public async Task The_fresh_repl_has_the_tools_and_the_files_of_the_session()
    {
        await using var session = await _interpreter.CreateSessionAsync(Options());
        await session.ExecuteAsync("Files.WriteText(\"notes.txt\", \"kept\");");
        var execution = session.ExecuteAsync(Stuck(StuckCall));
        await InsideTheCallAsync();
        _clock.Advance(Limit + new RoslynInterpreterOptions().AbandonGrace);
        (await execution).Status.Should().Be(ExecutionStatus.Timeout);

        var result = await session.ExecuteAsync("(tools.Entered(), Files.ReadText(\"notes.txt\"))");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""{"Item1":true,"Item2":"kept"}""");
    }

    [Test]
    public async Task An_abandoned_call_does_not_hold_the_only_sandbox_thread()
    {
        // One sandbox thread: the stuck execution gives its place up, so other sessions run at once.
        await using var session = await _interpreter.CreateSessionAsync(Options());
        var execution = session.ExecuteAsync(Stuck(StuckCall));
        await InsideTheCallAsync();
        _clock.Advance(Limit + new RoslynInterpreterOptions().AbandonGrace);
        (await execution).Status.Should().Be(ExecutionStatus.Timeout);

        await using var other = await _interpreter.CreateSessionAsync(new SandboxOptions());
        (await other.ExecuteAsync("40 + 2")).Value!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task A_session_disposes_at_once_while_its_abandoned_call_still_runs()
    {
        var session = await _interpreter.CreateSessionAsync(Options());
        var execution = session.ExecuteAsync(Stuck(StuckCall));
        await InsideTheCallAsync();
        _clock.Advance(Limit + new RoslynInterpreterOptions().AbandonGrace);
        (await execution).Status.Should().Be(ExecutionStatus.Timeout);

        var disposal = session.DisposeAsync().AsTask();

        (await Task.WhenAny(disposal, Task.Delay(TimeSpan.FromSeconds(30)))).Should().BeSameAs(disposal);
    }

    [Test]
    public async Task The_abandoned_repl_is_unloaded_once_its_call_returns()
    {
        await using var session = await _interpreter.CreateSessionAsync(Options());
        await session.ExecuteAsync("record Row(int Id); var rows = new List<Row> { new(1) };");
        var context = Find(session.Id);
        var execution = session.ExecuteAsync(Stuck(StuckCall));
        await InsideTheCallAsync();
        _clock.Advance(Limit + new RoslynInterpreterOptions().AbandonGrace);
        (await execution).Status.Should().Be(ExecutionStatus.Timeout);

        // Real waiting, bounded: the call returns within seconds, then its REPL is disposed and can be collected.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (context.IsAlive && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            System.Text.Json.JsonSerializer.Serialize(new { Probe = 1 }); // lets the serializer evict accessors it generated for the code's types
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        context.IsAlive.Should().BeFalse("the abandoned REPL's load context is unloaded when its thread returns");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference Find(string sessionId) =>
        new(System.Runtime.Loader.AssemblyLoadContext.All.Single(c => c.Name == "codeact-" + sessionId));
}
