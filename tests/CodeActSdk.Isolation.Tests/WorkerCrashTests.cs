using System.Diagnostics;
using CodeActSdk.Jint;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation.Tests;

/// <summary>A worker that dies, during an execution or before it is ready, is a clear result or exception, never a hang or a host crash.</summary>
[NonParallelizable]
public sealed class WorkerCrashTests
{
    private static readonly SandboxOptions Isolated = new() { Isolation = SandboxIsolation.Process };

    [TestCase(11, "SIGSEGV")]
    [TestCase(6, "SIGABRT")]
    public async Task A_worker_that_dies_of_a_crash_signal_mid_execution_is_a_runtime_error_and_the_next_execution_runs_in_a_fresh_worker(int signal, string signalName)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Signals are a Unix matter.");
        }

        // The .NET runtime treats SIGSEGV and SIGABRT as faults of its own and survives them when they are sent with
        // kill, so the first worker is a stand-in that speaks the protocol and dies of the signal once it has begun
        // the execution; the next worker is the real one.
        var launcher = new FirstWorkerCrashes(signal);
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = launcher });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        var session = (IsolatedSession)await interpreter.CreateSessionAsync(Isolated);
        await using var _ = session;
        var pid = session.WorkerProcessId!.Value;

        var crashed = await session.ExecuteAsync("var kept = 1;").WaitAsync(TimeSpan.FromSeconds(20));
        var next = await session.ExecuteAsync("typeof kept");

        crashed.Status.Should().Be(ExecutionStatus.RuntimeError, crashed.Error?.Message);
        crashed.Error!.Kind.Should().Be(ErrorKind.WorkerCrashed);
        crashed.Error.Message.Should().Contain(signalName).And.Contain($"pid {pid}").And.Contain("state").And.Contain("is lost");
        AssertFreshWorker(session, next, pid, signalName);
        await AssertHostUntouched();
    }

    [Test]
    public async Task A_worker_killed_with_SIGKILL_mid_execution_is_a_memory_limit_and_the_next_execution_runs_in_a_fresh_worker()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Signals are a Unix matter.");
        }

        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0 });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var signalRunning = AIFunctionFactory.Create(() => running.TrySetResult(), "running", "Tells the test that the code runs.");
        var session = (IsolatedSession)await interpreter.CreateSessionAsync(
            Isolated with { Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue, Tools = [signalRunning] });
        await using var _ = session;
        await session.ExecuteAsync("var kept = 1;");
        var pid = session.WorkerProcessId!.Value;

        var execution = session.ExecuteAsync("running(); while (true) {}");
        await running.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Kill(pid, 9).Should().Be(0, "the test must be able to signal its own worker");
        var killed = await execution.WaitAsync(TimeSpan.FromSeconds(20));
        var next = await session.ExecuteAsync("typeof kept");

        killed.Status.Should().Be(ExecutionStatus.MemoryLimit, killed.Error?.Message);
        killed.Error!.Message.Should().Contain("SIGKILL").And.Contain("out-of-memory").And.Contain($"pid {pid}").And.Contain("is lost");
        AssertFreshWorker(session, next, pid, "SIGKILL");
        await AssertHostUntouched();
    }

    [Test]
    public async Task A_worker_that_uses_up_its_CPU_time_is_a_timeout_and_the_next_execution_runs_in_a_fresh_worker()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("The CPU-time limit is applied on Linux only.");
        }

        // Three seconds over the worker's whole life: its start takes about one, the endless loop the rest. The
        // session's own limits are far above that, so the kernel's limit is the one reached.
        var launcher = new WorkerLauncher(limits: new WorkerLimits { CpuTime = TimeSpan.FromSeconds(3) });
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = launcher });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        var session = (IsolatedSession)await interpreter.CreateSessionAsync(Isolated with { Timeout = TimeSpan.FromMinutes(1), MaxOperations = long.MaxValue });
        await using var _ = session;
        var pid = session.WorkerProcessId!.Value;

        var spent = await session.ExecuteAsync("var kept = 1; while (true) {}").WaitAsync(TimeSpan.FromSeconds(30));
        var next = await session.ExecuteAsync("typeof kept");

        spent.Status.Should().Be(ExecutionStatus.Timeout, spent.Error?.Message);
        spent.Error!.Message.Should().Contain("SIGXCPU").And.Contain("WorkerLimits.CpuTime").And.Contain("is lost");
        AssertFreshWorker(session, next, pid, "SIGXCPU");
    }

    [TestCase("tr -d '\\n' < /dev/zero", "longer than")]
    [TestCase("echo 'this is not JSON'", "broke the protocol")]
    [TestCase("echo '{\"type\":\"result\",\"id\":\"two\"}'", "broke the protocol")]
    [TestCase("""echo '{"type":"error","id":'$id',"message":"boom"}'""", "answered with an error: boom")]
    [TestCase("""echo '{"type":"result","id":'$id',"result":{"status":"Completed","artifacts":[{"path":"out/../../.bashrc","mediaType":"text/plain","base64":""}]}}'""", "out/../../.bashrc")]
    public async Task A_worker_that_breaks_the_protocol_is_killed_and_the_host_keeps_its_memory(string onExecute, string expected)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("The stand-in worker is a bash script.");
        }

        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = new StandInWorker(onExecute) });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var result = await session.ExecuteAsync("1 + 1").WaitAsync(TimeSpan.FromSeconds(30));

        result.Status.Should().Be(ExecutionStatus.RuntimeError, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.WorkerCrashed);
        result.Error.Message.Should().Contain("killed by the host because it broke the protocol").And.Contain(expected).And.Contain("is lost");
        (GC.GetTotalMemory(forceFullCollection: true) - before).Should().BeLessThan(16L * 1024 * 1024, "nothing of the endless line is kept");
        await AssertHostUntouched();
    }

    [Test]
    public async Task A_worker_that_floods_the_host_with_tool_calls_is_killed_and_the_calls_ran_one_at_a_time()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("The stand-in worker is a bash script.");
        }

        var running = 0;
        var mostAtOnce = 0;
        var calls = 0;
        var slow = AIFunctionFactory.Create(
            async () =>
            {
                Interlocked.Increment(ref calls);
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref mostAtOnce, now);
                await Task.Delay(200);
                Interlocked.Decrement(ref running);
            },
            "slow",
            "Takes a while.");
        var flood = """for i in $(seq 1 100); do echo "{\"type\":\"toolCall\",\"callId\":$i,\"name\":\"slow\",\"argumentsJson\":\"{}\"}"; done""";
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = new StandInWorker(flood) });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated with { Tools = [slow] });

        var result = await session.ExecuteAsync("slow()").WaitAsync(TimeSpan.FromSeconds(30));

        result.Error!.Kind.Should().Be(ErrorKind.WorkerCrashed);
        result.Error.Message.Should().Contain("broke the protocol").And.Contain("more than 8 tool calls");
        mostAtOnce.Should().Be(1, "the host runs one tool call at a time, as in process");
        calls.Should().BeLessThan(10);
    }

    [Test]
    public async Task A_fresh_worker_that_cannot_start_is_a_result_and_the_session_stays_usable()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Signals are a Unix matter.");
        }

        IsolatedSession? session = null;
        var die = AIFunctionFactory.Create(() => Kill(session!.WorkerProcessId!.Value, 9), "die", "Kills the worker that calls it.");
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = new OnlyTheFirstWorkerStarts() });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        session = (IsolatedSession)await interpreter.CreateSessionAsync(Isolated with { Tools = [die] });
        await using var _ = session;
        (await session.ExecuteAsync("die(); while (true) {}")).Status.Should().Be(ExecutionStatus.MemoryLimit);

        var second = await session.ExecuteAsync("1 + 1");
        var third = await session.ExecuteAsync("1 + 1");

        second.Status.Should().Be(ExecutionStatus.RuntimeError);
        second.Error!.Kind.Should().Be(ErrorKind.WorkerUnavailable);
        second.Error.Message.Should().Contain("ended before it was ready").And.Contain("did not run");
        third.Error!.Kind.Should().Be(ErrorKind.WorkerUnavailable, "each execution tries again and says so, rather than throwing");
    }

    [Test]
    public async Task An_endless_line_on_the_workers_stderr_is_cut_in_the_result()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("The stand-in worker is a bash script.");
        }

        // 50 MB of 'x' without a newline, then a crash: the result quotes the worker's last words, cut short.
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = new StandInWorker("head -c 50000000 /dev/zero | tr '\\0' x >&2; kill -11 $$") });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated);

        var result = await session.ExecuteAsync("1 + 1").WaitAsync(TimeSpan.FromSeconds(30));

        result.Error!.Kind.Should().Be(ErrorKind.WorkerCrashed);
        result.Error.Message.Should().Contain("SIGSEGV").And.Contain("it said: xxxx");
        result.Error.Message.Length.Should().BeLessThan(2_000);
    }

    private static void AssertFreshWorker(IsolatedSession session, ExecutionResult next, int oldPid, string signalName)
    {
        next.Status.Should().Be(ExecutionStatus.Completed, next.Error?.Message);
        next.Value!.Value.GetString().Should().Be("undefined");
        next.Stdout.Should().StartWith("[The sandbox restarted in a fresh worker process").And.Contain(signalName);
        session.WorkerProcessId.Should().NotBe(oldPid);
    }

    private static async Task AssertHostUntouched()
    {
        using var inProcess = new JintInterpreter();
        await using var local = await inProcess.CreateSessionAsync(new SandboxOptions());
        (await local.ExecuteAsync("1 + 1")).Value!.Value.GetRawText().Should().Be("2");
    }

    [TestCase("corrupt")]
    [TestCase("empty")]
    public async Task A_worker_that_exits_at_startup_is_a_clear_exception_not_a_hang(string kind)
    {
        var directory = Directory.CreateTempSubdirectory("codeact-bad-worker-").FullName;
        try
        {
            var path = Path.Combine(directory, WorkerLauncher.WorkerFileName);
            await File.WriteAllBytesAsync(path, kind == "empty" ? [] : "MZ this is not an assembly"u8.ToArray());
            await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = new WorkerLauncher(path) });
            await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
            var create = async () => await interpreter.CreateSessionAsync(Isolated);

            // "ended before it was ready ... exited with code": the exit was noticed, not the start timeout.
            (await create.Should().ThrowAsync<WorkerStartException>())
                .WithMessage("*'jint' backend ended before it was ready*exited with code*CodeActSdk.Worker*");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task A_worker_that_never_says_ready_is_stopped_at_the_start_timeout()
    {
        // A real program that waits on its input and never speaks the protocol: the worker of another kind of tool.
        var directory = Directory.CreateTempSubdirectory("codeact-mute-worker-").FullName;
        try
        {
            var path = Path.Combine(directory, WorkerLauncher.WorkerFileName);
            await File.WriteAllTextAsync(path, "");
            await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, StartTimeout = TimeSpan.FromSeconds(2), Launcher = new MuteLauncher(path) });
            await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);

            var create = async () => await interpreter.CreateSessionAsync(Isolated);

            (await create.Should().ThrowAsync<WorkerStartException>()).WithMessage("*not ready within 2 s*StartTimeout*");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Disposing_a_session_also_kills_what_its_worker_left_behind()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"codeact-orphan-{Guid.NewGuid():N}.pid");
        var launcher = new WorkerThatLeavesAnOrphan(pidFile);
        Assume.That(launcher.HasOwnProcessGroup, "setsid is not available here");
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = launcher });
        await using var interpreter = new JintInterpreter().WithProcessIsolation(pool);
        var session = await interpreter.CreateSessionAsync(Isolated);
        (await session.ExecuteAsync("1 + 1")).Status.Should().Be(ExecutionStatus.Completed);
        var orphan = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(pidFile);
        Directory.Exists($"/proc/{orphan}").Should().BeTrue("the orphan runs until its worker's group is killed");

        await session.DisposeAsync();

        var watch = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{orphan}") && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        Directory.Exists($"/proc/{orphan}").Should().BeFalse("the worker's whole process group is killed, not only its process tree");
    }

    /// <summary>
    /// Starts the real worker through a shell that first leaves a <c>sleep</c> behind whose parent has exited: it is no
    /// longer in the worker's process tree, only in its process group. Its pid goes to <c>pidFile</c>.
    /// </summary>
    private sealed class WorkerThatLeavesAnOrphan(string pidFile) : WorkerLauncher
    {
        public override ProcessStartInfo CreateStartInfo(WorkerBackend? backend, string workingDirectory) => CreateStartInfo(
            "/bin/sh",
            ["-c", $"(/bin/sleep 300 & echo $! > '{pidFile}'); exec \"$0\" \"$@\"", DotnetHost(), WorkerPath, "--backend", backend!.Name, "--backend-type", backend.InterpreterType.AssemblyQualifiedName!, "--backend-assembly", backend.InterpreterType.Assembly.Location],
            workingDirectory);
    }

    /// <summary>Starts <c>sleep</c> in place of the worker: alive, silent, never ready.</summary>
    private sealed class MuteLauncher(string path) : WorkerLauncher(path)
    {
        public override ProcessStartInfo CreateStartInfo(WorkerBackend? backend, string workingDirectory) => new("sleep", "60")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
    }

    /// <summary>
    /// Starts, the first time, a stand-in worker that kills itself with <c>signal</c> once an execution has begun;
    /// every later worker is the real one.
    /// </summary>
    private sealed class FirstWorkerCrashes(int signal) : WorkerLauncher
    {
        private int _starts;

        public override ProcessStartInfo CreateStartInfo(WorkerBackend? backend, string workingDirectory) =>
            Interlocked.Increment(ref _starts) == 1
                ? StandInWorker.StartInfo($"kill -{signal} $$", workingDirectory)
                : base.CreateStartInfo(backend, workingDirectory);
    }

    /// <summary>
    /// Starts, every time, a shell that speaks just enough of the protocol to say ready and create the session, and
    /// that answers an execution by saying it has begun and then running <c>onExecute</c>: a worker gone bad.
    /// </summary>
    private sealed class StandInWorker(string onExecute) : WorkerLauncher
    {
        public static ProcessStartInfo StartInfo(string onExecute, string workingDirectory)
        {
            var script = $$"""
                echo "{\"type\":\"ready\",\"pid\":$$}"
                while IFS= read -r line; do
                  id=${line##*\"id\":}; id=${id%%[,\}]*}
                  case "$line" in
                    *'"type":"create"'*) echo "{\"type\":\"created\",\"id\":$id}" ;;
                    *'"type":"execute"'*) echo "{\"type\":\"started\",\"id\":$id}"; {{onExecute}} ;;
                  esac
                done
                """;
            return new ProcessStartInfo("bash", ["-c", script])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = workingDirectory,
            };
        }

        public override ProcessStartInfo CreateStartInfo(WorkerBackend? backend, string workingDirectory) => StartInfo(onExecute, workingDirectory);
    }

    /// <summary>Starts the real worker the first time, and afterwards a program that exits at once.</summary>
    private sealed class OnlyTheFirstWorkerStarts : WorkerLauncher
    {
        private int _starts;

        public override ProcessStartInfo CreateStartInfo(WorkerBackend? backend, string workingDirectory) =>
            Interlocked.Increment(ref _starts) == 1
                ? base.CreateStartInfo(backend, workingDirectory)
                : new ProcessStartInfo("false") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen && Interlocked.CompareExchange(ref target, value, seen) != seen; seen = Volatile.Read(ref target))
        {
        }
    }

    /// <summary>Sends <paramref name="signal"/> with kill(1), as an operator or the kernel would, from outside the host.</summary>
    private static int Kill(int pid, int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        return kill.ExitCode;
    }
}
