using System.Diagnostics;

namespace CodeActSdk.Isolation.Tests;

/// <summary>
/// What a process started through <see cref="WorkerLauncher"/> sees of its own situation: a small shell script reports
/// its environment, folder, limits, network namespace and process group, as code in a worker would find them.
/// </summary>
[Platform("Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkerLauncherTests
{
    private const long Gibibyte = 1024L * 1024 * 1024;
    private static readonly WorkerLimits Limits = new()
    {
        CpuTime = TimeSpan.FromSeconds(30),
        MemoryBytes = Gibibyte / 2,
        AddressSpaceBytes = 8 * Gibibyte,
        MaxOpenFiles = 200,
        IsolateNetwork = true,
    };

    private readonly List<string> _directories = [];
    private readonly List<Process> _processes = [];

    [TearDown]
    public void CleanUp()
    {
        // NUnit keeps one instance of the fixture for all its tests.
        foreach (var process in _processes)
        {
            WorkerLauncher.KillProcessGroup(process.Id);
            process.Kill(entireProcessTree: true);
            process.Dispose();
        }

        foreach (var directory in _directories)
        {
            WorkerLauncher.DeletePrivateDirectory(directory);
        }

        _processes.Clear();
        _directories.Clear();
    }

    [Test]
    public async Task The_environment_holds_only_what_the_runtime_needs_and_none_of_the_hosts_secrets()
    {
        Environment.SetEnvironmentVariable("CODEACT_TEST_SECRET", "sk-should-not-leak");
        var launcher = new WorkerLauncher(limits: Limits);

        var (output, _, directory) = await RunAsync(launcher, "tr '\\0' '\\n' < /proc/$$/environ");

        var variables = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        variables.Should().NotContainKey("CODEACT_TEST_SECRET");
        variables.Should().NotContainKey("PATH");
        variables["HOME"].Should().Be(directory);
        variables["TMPDIR"].Should().Be(directory);
        variables["DOTNET_EnableDiagnostics"].Should().Be("0");
        variables["DOTNET_GCHeapHardLimit"].Should().Be((Gibibyte / 2).ToString("x"));
        variables.Keys.Should().OnlyContain(key => key == "HOME" || key == "TMPDIR" || key == "LD_LIBRARY_PATH" || key.StartsWith("DOTNET_"));
    }

    [Test]
    public async Task The_working_directory_is_the_empty_private_folder()
    {
        var launcher = new WorkerLauncher(limits: Limits);

        var (output, _, directory) = await RunAsync(launcher, "pwd -P; ls -A; stat -c %a .");

        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(Path.GetFullPath(directory), "700");
    }

    [Test]
    public async Task The_kernel_enforces_the_configured_resource_limits()
    {
        var launcher = new WorkerLauncher(limits: Limits);
        Assume.That(launcher.EnforcesResourceLimits, "prlimit is not available here: " + string.Join(" ", launcher.Unavailable));

        var (output, _, _) = await RunAsync(launcher, "cat /proc/self/limits");

        var limits = output.Split('\n').Where(l => l.StartsWith("Max ")).ToDictionary(
            l => l[..26].Trim(),
            l => l[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2).ToArray());
        limits["Max cpu time"].Should().Equal("30", "31");
        var data = Gibibyte / 2 + WorkerLimits.RuntimeReserveBytes;
        limits["Max data size"].Should().Equal($"{data}", $"{data}");
        limits["Max address space"].Should().Equal($"{8 * Gibibyte}", $"{8 * Gibibyte}");
        limits["Max open files"].Should().Equal("200", "200");
        limits["Max core file size"].Should().Equal("0", "0");
    }

    [Test]
    public async Task The_default_limits_bound_cpu_time_memory_address_space_and_open_files()
    {
        var launcher = new WorkerLauncher();
        Assume.That(launcher.EnforcesResourceLimits, "prlimit is not available here: " + string.Join(" ", launcher.Unavailable));

        var (output, _, _) = await RunAsync(launcher, "cat /proc/self/limits");

        var soft = output.Split('\n').Where(l => l.StartsWith("Max ")).ToDictionary(l => l[..26].Trim(), l => l[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
        soft["Max cpu time"].Should().Be("600");
        soft["Max data size"].Should().Be($"{Gibibyte + WorkerLimits.RuntimeReserveBytes}");
        soft["Max address space"].Should().Be($"{256 * Gibibyte}");
        soft["Max open files"].Should().Be("512");
    }

    [Test]
    public async Task The_process_has_a_network_namespace_of_its_own_when_the_platform_allows_it()
    {
        var launcher = new WorkerLauncher(limits: Limits);
        if (!launcher.IsolatesNetwork)
        {
            launcher.Unavailable.Should().Contain(line => line.StartsWith("No network isolation"));
            Assert.Ignore("No network namespace here: " + string.Join(" ", launcher.Unavailable));
        }

        var (output, process, _) = await RunAsync(launcher, "readlink /proc/self/ns/net; cat /proc/net/dev");

        var host = WorkerLauncher.NetworkNamespaceOf(Environment.ProcessId);
        host.Should().StartWith("net:[");
        output.Should().StartWith("net:[").And.NotStartWith(host);
        // Only the loopback, and it is down: no interface leads anywhere.
        output.Split('\n').Where(l => l.Contains(':') && !l.StartsWith("net:") && !l.Contains('|')).Select(l => l.Split(':')[0].Trim()).Should().Equal("lo");
        process.ExitCode.Should().Be(0);
    }

    [Test]
    public async Task The_process_leads_its_own_session_and_process_group()
    {
        var launcher = new WorkerLauncher(limits: Limits);
        Assume.That(launcher.HasOwnProcessGroup, "setsid is not available here");
        var (process, directory) = Start(launcher, "echo started; exec sleep 100");
        (await process.StandardOutput.ReadLineAsync()).Should().Be("started");

        WorkerLauncher.ProcessGroupOf(process.Id).Should().Be(process.Id);
        WorkerLauncher.SessionOf(process.Id).Should().Be(process.Id);
        WorkerLauncher.ProcessGroupOf(Environment.ProcessId).Should().NotBe(process.Id);
        directory.Should().NotBeNull();
    }

    [Test]
    public async Task Killing_the_group_also_kills_a_child_and_a_grandchild_whose_parent_has_left()
    {
        var launcher = new WorkerLauncher(limits: Limits);
        Assume.That(launcher.HasOwnProcessGroup, "setsid is not available here");
        // The second sleep is double-forked: its parent, a subshell, exits at once, so it is no longer in the worker's
        // process tree, only in its process group.
        var (process, _) = Start(launcher, "sleep 100 & echo $!; (sleep 100 & echo $!); wait");
        var child = int.Parse((await process.StandardOutput.ReadLineAsync())!);
        var orphan = int.Parse((await process.StandardOutput.ReadLineAsync())!);
        IsRunning(child).Should().BeTrue();
        IsRunning(orphan).Should().BeTrue();

        WorkerLauncher.KillProcessGroup(process.Id).Should().BeTrue();

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => !IsRunning(child) && !IsRunning(orphan));
        IsRunning(child).Should().BeFalse();
        IsRunning(orphan).Should().BeFalse();
    }

    [Test]
    public void The_callers_own_process_group_is_never_killed()
    {
        WorkerLauncher.KillProcessGroup(WorkerLauncher.ProcessGroupOf(Environment.ProcessId)!.Value).Should().BeFalse();
        WorkerLauncher.KillProcessGroup(1).Should().BeFalse();
    }

    [Test]
    public async Task A_process_past_its_cpu_time_is_ended_by_sigxcpu()
    {
        var launcher = new WorkerLauncher(limits: WorkerLimits.None with { CpuTime = TimeSpan.FromSeconds(1) });
        Assume.That(launcher.EnforcesResourceLimits, "prlimit is not available here");

        var (_, process, _) = await RunAsync(launcher, "while :; do :; done");

        // 128 + SIGXCPU (24): a signal that names the cause, unlike the bare SIGKILL of equal soft and hard limits.
        process.ExitCode.Should().Be(128 + 24);
    }

    [Test]
    public async Task Without_the_tools_every_protection_is_reported_once_and_the_process_still_starts()
    {
        var empty = WorkerLauncher.CreatePrivateDirectory();
        _directories.Add(empty);
        var launcher = new WorkerLauncher(limits: Limits) { ToolDirectories = [empty] };

        var (output, process, _) = await RunAsync(launcher, "echo ran");

        output.Should().Be("ran\n");
        process.ExitCode.Should().Be(0);
        launcher.HasOwnProcessGroup.Should().BeFalse();
        launcher.IsolatesNetwork.Should().BeFalse();
        launcher.EnforcesResourceLimits.Should().BeFalse();
        launcher.Unavailable.Should().HaveCount(4);
        launcher.Unavailable[0].Should().StartWith("No process group");
        launcher.Unavailable[1].Should().StartWith("No network isolation");
        launcher.Unavailable[2].Should().StartWith("No kernel resource limits");
        launcher.Unavailable[3].Should().Be("The worker still has: a separate process, a cleared environment, an empty private working directory, a managed heap of 512 MiB.");
    }

    [Test]
    public async Task A_pool_where_protections_are_missing_warns_once_and_its_sessions_still_run()
    {
        var empty = WorkerLauncher.CreatePrivateDirectory();
        _directories.Add(empty);
        var log = new ListLogger();
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = new WorkerLauncher() { ToolDirectories = [empty] } }, log);
        await using var interpreter = new CodeActSdk.Jint.JintInterpreter().WithProcessIsolation(pool);
        var isolated = new SandboxOptions { Isolation = SandboxIsolation.Process };

        for (var i = 0; i < 2; i++)
        {
            await using var session = await interpreter.CreateSessionAsync(isolated);
            (await session.ExecuteAsync("6 * 7")).Value!.Value.GetRawText().Should().Be("42");
        }

        log.Warnings.Should().ContainSingle().Which.Should()
            .StartWith("Process isolation is weaker on this machine than it can be.")
            .And.Contain("No network isolation")
            .And.Contain("The worker still has: a separate process");
    }

    [Test]
    public async Task A_pool_where_every_protection_applies_says_nothing()
    {
        var log = new ListLogger();
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0 }, log);
        Assume.That(pool.Options.Launcher.Unavailable, Is.Empty, "this machine lacks a protection");
        await using var interpreter = new CodeActSdk.Jint.JintInterpreter().WithProcessIsolation(pool);
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions { Isolation = SandboxIsolation.Process });

        log.Warnings.Should().BeEmpty();
    }

    [Test]
    public async Task Where_namespaces_are_not_permitted_only_the_network_is_reported_and_the_rest_still_applies()
    {
        var tools = WorkerLauncher.CreatePrivateDirectory();
        _directories.Add(tools);
        foreach (var tool in new[] { "setsid", "prlimit", "true" })
        {
            var real = new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
            Assume.That(real, Is.Not.Null, tool + " is not installed here");
            File.CreateSymbolicLink(Path.Combine(tools, tool), real!);
        }

        // What unshare says on a machine without user namespaces, or in a container without CAP_SYS_ADMIN.
        var unshare = Path.Combine(tools, "unshare");
        File.WriteAllText(unshare, "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n");
        File.SetUnixFileMode(unshare, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var launcher = new WorkerLauncher(limits: Limits) { ToolDirectories = [tools] };

        var (output, _, _) = await RunAsync(launcher, "readlink /proc/self/ns/net; cut -d' ' -f5 /proc/self/stat");

        launcher.Unavailable.Should().HaveCount(2);
        launcher.Unavailable[0].Should().StartWith("No network isolation");
        launcher.Unavailable[1].Should().Contain("its own session and process group").And.Contain("30 s of CPU time").And.NotContain("no network");
        output.Should().StartWith(WorkerLauncher.NetworkNamespaceOf(Environment.ProcessId) + "\n");
    }

    [Test]
    public void With_every_tool_nothing_is_reported_unavailable()
    {
        var launcher = new WorkerLauncher(limits: Limits);
        Assume.That(launcher.HasOwnProcessGroup && launcher.IsolatesNetwork && launcher.EnforcesResourceLimits, string.Join(" ", launcher.Unavailable));

        launcher.Unavailable.Should().BeEmpty();
        launcher.Applied.Should().Contain("its own session and process group").And.Contain("30 s of CPU time").And.Contain("1024 MiB of private memory").And.Contain("a managed heap of 512 MiB");
    }

    [TestCase("jint")]
    [TestCase("csharp")]
    public async Task The_worker_starts_under_the_smallest_limits(string backend)
    {
        var launcher = new WorkerLauncher(limits: new WorkerLimits { MemoryBytes = WorkerLimits.MinimumMemoryBytes, AddressSpaceBytes = WorkerLimits.MinimumAddressSpaceBytes });
        var directory = WorkerLauncher.CreatePrivateDirectory();
        _directories.Add(directory);
        ICodeInterpreter interpreter = backend == "jint" ? new CodeActSdk.Jint.JintInterpreter() : new CodeActSdk.Roslyn.RoslynInterpreter();
        var process = Process.Start(launcher.CreateStartInfo(interpreter.GetService<WorkerBackend>(), directory))!;
        _processes.Add(process);

        var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));

        first.Should().Contain("ready", await Stderr(process));
    }

    // The class: the heap fills with objects the code still holds, so whatever runs after the failure (the backend's
    // error handling, the result, the reply) finds the heap full too. Doubling strings leave a few MiB free; small
    // objects leave almost nothing; the C# backend fills it from compiled code.
    [TestCase("jint", "var s = 'x'; for (var i = 0; i < 20; i++) { s += s; } var a = []; while (true) { a.push(s + a.length); }", "a = null;")]
    [TestCase("jint", "var a = []; while (true) { a.push({ index: a.length, name: 'row' + a.length }); }", "a = null;")]
    [TestCase("jint", "var a = []; while (true) { a.push([a.length, a.length + 1, a.length + 2]); }", "a.length = 0;")]
    [TestCase("csharp", "var a = new List<object>(); while (true) { a.Add(new { Index = a.Count, Name = \"row\" + a.Count }); }", "a = null;")]
    [TestCase("csharp", "var a = new List<string>(); while (true) { a.Add(new string('x', 1 << 20)); }", "a.Clear();")]
    public async Task Code_that_fills_the_smallest_heap_gets_a_result_and_the_session_goes_on(string backend, string fill, string free)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0, Launcher = new WorkerLauncher(limits: new WorkerLimits { MemoryBytes = WorkerLimits.MinimumMemoryBytes }) });
        ICodeInterpreter inProcess = backend == "jint" ? new CodeActSdk.Jint.JintInterpreter() : new CodeActSdk.Roslyn.RoslynInterpreter();
        await using var interpreter = inProcess.WithProcessIsolation(pool);
        // The sandbox's own memory limit is set above the worker's heap, so that the heap's limit is the one reached.
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions { Isolation = SandboxIsolation.Process, MemoryLimitBytes = 1024L * 1024 * 1024, MaxOperations = 1_000_000_000, Timeout = TimeSpan.FromSeconds(60) });
        var before = await session.ExecuteAsync("var kept = 42;");

        var filled = await session.ExecuteAsync(fill);
        var freed = await session.ExecuteAsync(free);
        var after = await session.ExecuteAsync("kept + 1");

        before.Status.Should().Be(ExecutionStatus.Completed, before.Error?.Message);
        filled.Status.Should().Be(ExecutionStatus.MemoryLimit, filled.Error?.Message);
        filled.Error!.Message.Should().Contain("128 MiB (WorkerLimits.MemoryBytes)");
        freed.Status.Should().Be(ExecutionStatus.Completed, freed.Error?.Message);
        after.Status.Should().Be(ExecutionStatus.Completed, after.Error?.Message);
        after.Value!.Value.GetInt32().Should().Be(43, "the session's state outlived the full heap");
    }

    [Test]
    public void An_address_space_limit_below_what_dotnet_needs_is_refused_with_the_reason()
    {
        var create = () => new WorkerLauncher(limits: new WorkerLimits { AddressSpaceBytes = 2 * Gibibyte });

        create.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*AddressSpaceBytes*reserves gigabytes*MemoryBytes*");
    }

    [Test]
    public void A_private_directory_the_code_locked_is_still_deleted()
    {
        var directory = WorkerLauncher.CreatePrivateDirectory();
        var locked = Directory.CreateDirectory(Path.Combine(directory, "locked")).FullName;
        File.WriteAllText(Path.Combine(locked, "file"), "x");
        File.SetUnixFileMode(locked, UnixFileMode.None);

        WorkerLauncher.DeletePrivateDirectory(directory).Should().BeTrue();

        Directory.Exists(directory).Should().BeFalse();
    }

    private (Process Process, string Directory) Start(WorkerLauncher launcher, string script)
    {
        var directory = WorkerLauncher.CreatePrivateDirectory();
        _directories.Add(directory);
        var process = Process.Start(launcher.CreateStartInfo("/bin/sh", ["-c", script], directory))!;
        _processes.Add(process);
        return (process, directory);
    }

    private async Task<(string Output, Process Process, string Directory)> RunAsync(WorkerLauncher launcher, string script)
    {
        var (process, directory) = Start(launcher, script);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (output, process, directory);
    }

    private static async Task<string> Stderr(Process process)
    {
        WorkerLauncher.KillProcessGroup(process.Id);
        process.Kill(entireProcessTree: true);
        return await process.StandardError.ReadToEndAsync();
    }

    // A killed process whose parent has gone is reaped by init; until then (or for ever, under an init that does not
    // reap) it is a zombie, which no longer runs.
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Keeps what the pool logs at warning level.</summary>
    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<WorkerPool>
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == Microsoft.Extensions.Logging.LogLevel.Warning)
            {
                lock (Warnings)
                {
                    Warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
