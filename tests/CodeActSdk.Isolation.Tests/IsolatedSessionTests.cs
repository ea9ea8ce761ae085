using System.Diagnostics;
using CodeActSdk.Isolation;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation.Tests;

public sealed class IsolatedSessionTests
{
    private static readonly SandboxOptions Isolated = new() { Isolation = SandboxIsolation.Process };
    private WorkerPool _pool = null!;
    private IsolatedInterpreter _jint = null!;

    [OneTimeSetUp]
    public void CreatePool()
    {
        _pool = new WorkerPool(new WorkerPoolOptions { Size = 1 });
        _jint = new JintInterpreter().WithProcessIsolation(_pool);
    }

    [OneTimeTearDown]
    public async Task DisposePool() => await _pool.DisposeAsync();

    [Test]
    public async Task Runs_javascript_in_a_worker_process_and_keeps_state()
    {
        await using var session = await _jint.CreateSessionAsync(Isolated);

        var first = await session.ExecuteAsync("var total = 40; console.log('hi');");
        var second = await session.ExecuteAsync("total + 2");

        session.Should().BeOfType<IsolatedSession>().Which.WorkerProcessId.Should().NotBe(Environment.ProcessId);
        first.Stdout.Should().Be("hi\n");
        second.Status.Should().Be(ExecutionStatus.Completed, second.Error?.Message);
        second.Value!.Value.GetRawText().Should().Be("42");
        (await session.DescribeVariablesAsync()).Should().Contain(v => v.Name == "total");
    }

    [Test]
    public async Task Runs_csharp_in_a_worker_process()
    {
        await using var interpreter = new RoslynInterpreter().WithProcessIsolation(_pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated);

        await session.ExecuteAsync("var xs = new List<int> { 1, 2, 3 };");
        var result = await session.ExecuteAsync("xs.Sum()");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("6");
    }

    [Test]
    public async Task In_process_options_still_get_an_in_process_session()
    {
        await using var session = await _jint.CreateSessionAsync(new SandboxOptions());

        session.Should().NotBeOfType<IsolatedSession>();
    }

    [Test]
    public void Settings_that_change_what_code_may_do_are_refused_rather_than_dropped_in_the_worker()
    {
        var stricter = new RoslynInterpreter(new RoslynInterpreterOptions { Policy = CSharpApiPolicy.Default.DenyNamespace("System.Linq") });
        var shorter = new RoslynInterpreter(new RoslynInterpreterOptions { MaxSourceChars = 1_000 });

        var wrapStricter = () => stricter.WithProcessIsolation(_pool);
        var wrapShorter = () => shorter.WithProcessIsolation(_pool);

        wrapStricter.Should().Throw<ArgumentException>().WithMessage("*default settings*RoslynInterpreterOptions.Policy*in process*");
        wrapShorter.Should().Throw<ArgumentException>().WithMessage("*RoslynInterpreterOptions.MaxSourceChars*");
    }

    [Test]
    public async Task Settings_of_the_interpreters_own_pools_are_allowed()
    {
        using var jint = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0, MaxConcurrentExecutions = 1 });
        await using var interpreter = jint.WithProcessIsolation(_pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated);

        (await session.ExecuteAsync("2 * 21")).Value!.Value.GetRawText().Should().Be("42");
    }

    [Test]
    public async Task A_bare_backend_refuses_process_isolation_rather_than_running_in_the_host()
    {
        using var jint = new JintInterpreter();

        var create = async () => await jint.CreateSessionAsync(Isolated);

        await create.Should().ThrowAsync<ArgumentException>().WithMessage("*IsolatedInterpreter*");
    }

    [Test]
    public async Task Tool_calls_run_in_the_host_and_see_its_state()
    {
        var counter = 0;
        var bump = AIFunctionFactory.Create((int by) => counter += by, "bump", "Adds to the host's counter.");
        await using var session = await _jint.CreateSessionAsync(Isolated with { Tools = [bump] });

        var result = await session.ExecuteAsync("bump(2); bump(3)");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("5");
        counter.Should().Be(5);
        result.ToolCalls.Should().HaveCount(2);
        result.ToolCalls[1].Arguments.GetRawText().Should().Be("""{"by":3}""");
    }

    [Test]
    public async Task A_failing_tool_is_an_error_the_code_can_catch()
    {
        var fail = AIFunctionFactory.Create(string () => throw new InvalidOperationException("no stock"), "order", "Orders.");
        await using var session = await _jint.CreateSessionAsync(Isolated with { Tools = [fail] });

        var result = await session.ExecuteAsync("try { order(); 'no' } catch (e) { e.message }");

        result.Value!.Value.GetString().Should().Contain("no stock");
    }

    [Test]
    public async Task A_killed_worker_is_a_clear_result_and_the_next_execution_starts_fresh()
    {
        var session = (IsolatedSession)await _jint.CreateSessionAsync(Isolated with { Timeout = TimeSpan.FromSeconds(20), MaxOperations = long.MaxValue });
        await using var _ = session;
        await session.ExecuteAsync("var kept = 1;");
        var pid = session.WorkerProcessId!.Value;

        var running = session.ExecuteAsync("while (true) {}");
        await Task.Delay(300);
        Process.GetProcessById(pid).Kill();
        var killed = await running;
        var next = await session.ExecuteAsync("typeof kept");

        killed.Status.Should().BeOneOf(ExecutionStatus.MemoryLimit, ExecutionStatus.RuntimeError);
        killed.Error!.Message.Should().Contain($"pid {pid}").And.Contain("state").And.Contain("lost");
        next.Status.Should().Be(ExecutionStatus.Completed, next.Error?.Message);
        next.Value!.Value.GetString().Should().Be("undefined");
        next.Stdout.Should().StartWith("[The sandbox restarted in a fresh worker process");
        session.WorkerProcessId.Should().NotBe(pid);
    }

    [Test]
    public async Task A_worker_past_the_hard_deadline_is_killed_and_the_result_is_a_timeout()
    {
        var blocker = AIFunctionFactory.Create(async (CancellationToken _) =>
        {
            // Ignores cancellation, so only the host's hard deadline can end the execution before the tool returns 1.
            await Task.Delay(TimeSpan.FromSeconds(60), CancellationToken.None);
            return 1;
        }, "slow", "Never returns in time.");
        var session = (IsolatedSession)await _jint.CreateSessionAsync(Isolated with { Timeout = TimeSpan.FromMilliseconds(200), Tools = [blocker] });
        await using var _ = session;
        var result = await session.ExecuteAsync("slow()");

        // The worker's own deadline may answer first (the bridge stops waiting for the tool); either way it is a timeout.
        result.Status.Should().Be(ExecutionStatus.Timeout);
    }

    [Test]
    public async Task Dispose_kills_the_worker_process()
    {
        var session = (IsolatedSession)await _jint.CreateSessionAsync(Isolated);
        var process = Process.GetProcessById(session.WorkerProcessId!.Value);

        await session.DisposeAsync();

        process.WaitForExit(5000).Should().BeTrue();
    }

    [Test]
    public async Task Uploads_reach_the_worker_and_artifacts_come_back()
    {
        await using var session = await _jint.CreateSessionAsync(Isolated);
        await session.Files.AddAsync("in.txt", new MemoryStream("hello"u8.ToArray()));

        var result = await session.ExecuteAsync("files.writeText('out/shout.txt', files.readText('in.txt').toUpperCase())");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Artifacts.Should().ContainSingle().Which.ReadText().Should().Be("HELLO");
        session.Files.Artifacts.Should().ContainSingle(a => a.Path == "out/shout.txt");
        session.Files.Uploads.Should().ContainSingle(u => u.Path == "in.txt");
    }

    [Test]
    public async Task A_worker_left_waiting_past_the_idle_time_is_stopped_and_not_replaced()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 1, IdleTime = TimeSpan.FromSeconds(3) });
        pool.Warm(new JintInterpreter().GetService<WorkerBackend>()!);
        for (var i = 0; i < 200 && pool.IdleCount("jint") == 0; i++)
        {
            await Task.Delay(50);
        }

        pool.IdleCount("jint").Should().Be(1);
        for (var i = 0; i < 300 && pool.IdleCount("jint") > 0; i++)
        {
            await Task.Delay(50);
        }

        pool.IdleCount("jint").Should().Be(0, "an idle host must not hold worker processes forever");
        await Task.Delay(TimeSpan.FromSeconds(2));
        pool.IdleCount("jint").Should().Be(0, "the pool refills when a session takes a worker, not when one is stopped for idleness");
    }

    [Test]
    public async Task The_pool_hands_out_a_worker_that_is_already_started()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 1 });
        pool.Warm(new JintInterpreter().GetService<WorkerBackend>()!);
        for (var i = 0; i < 200 && pool.IdleCount("jint") == 0; i++)
        {
            await Task.Delay(50);
        }

        pool.IdleCount("jint").Should().Be(1);
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated);
        (await session.ExecuteAsync("1 + 1")).Value!.Value.GetRawText().Should().Be("2");
    }

    [Test]
    public void A_missing_worker_is_an_exception_that_says_what_to_reference()
    {
        var launcher = new WorkerLauncher("/nowhere/CodeActSdk.Worker.dll");

        var start = () => launcher.CreateStartInfo(new JintInterpreter().GetService<WorkerBackend>(), Path.GetTempPath());

        start.Should().Throw<FileNotFoundException>().WithMessage("*reference the CodeActSdk.Worker package*");
    }
}
