using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CodeActSdk.Isolation;

/// <summary>
/// Builds the command that starts a worker process: where the worker is, how it is run, its working directory, its
/// environment, and the operating-system protections put around it before any of its code runs.
/// </summary>
/// <remarks>
/// <para>
/// On Linux the command is wrapped in util-linux tools, each of which changes its own process and then runs the next
/// in its place, so the process started is the worker itself: <c>setsid</c> (a new session and process group, so the
/// worker and everything it starts can be killed together, see <see cref="KillProcessGroup"/>), <c>unshare --net</c>
/// (a new, empty network namespace; without root, inside a new user namespace) and <c>prlimit</c> (CPU time, memory,
/// address space, open files, no core dumps). The environment is cleared and the working directory is the caller's
/// empty private folder.
/// </para>
/// <para>
/// Which wrappers work is found out once per launcher, the first time it is needed, by running each of them on a
/// no-op command. A wrapper that is missing or not permitted is left out, never an error: the session starts with the
/// protections that remain, and <see cref="Unavailable"/> says which ones could not be applied, for the host to report
/// once.
/// </para>
/// </remarks>
public class WorkerLauncher
{
    /// <summary>The worker's file name, looked for next to the application by default.</summary>
    public const string WorkerFileName = "CodeActSdk.Worker.dll";

    private const int SignalKill = 9;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] StandardToolDirectories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"];

    // Tried in order for the network namespace: as root a network namespace alone; without root one inside a new user
    // namespace, where the user keeps its own id (--map-current-user, util-linux 2.38) or, with older tools, becomes
    // root of that namespace only, which grants nothing outside it.
    private static readonly string[][] NetworkNamespaceVariants =
    [
        ["--net"],
        ["--user", "--map-current-user", "--net"],
        ["--user", "--map-root-user", "--net"],
    ];

    private readonly Lazy<Protections> _protections;

    /// <summary>Creates a launcher for the worker at <paramref name="workerPath"/>, by default <see cref="WorkerFileName"/> in <see cref="AppContext.BaseDirectory"/>.</summary>
    /// <param name="workerPath">The worker assembly, or <see langword="null"/> for the one next to the application.</param>
    /// <param name="limits">The limits on each worker process, or <see langword="null"/> for the defaults of <see cref="WorkerLimits"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range; the message names it.</exception>
    public WorkerLauncher(string? workerPath = null, WorkerLimits? limits = null)
    {
        WorkerPath = workerPath ?? Path.Combine(AppContext.BaseDirectory, WorkerFileName);
        Limits = (limits ?? new WorkerLimits()).Validate();
        _protections = new Lazy<Protections>(Probe, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The worker assembly, run with <c>dotnet</c>.</summary>
    public string WorkerPath { get; }

    /// <summary>The limits applied to each worker process.</summary>
    public WorkerLimits Limits { get; }

    /// <summary>
    /// The protections that could not be applied on this machine, one sentence each, followed by one that names the
    /// protections that remain; empty when everything in <see cref="Limits"/> is applied. Finding out runs a few
    /// no-op processes the first time; the answer is kept.
    /// </summary>
    public IReadOnlyList<string> Unavailable => _protections.Value.Unavailable;

    /// <summary>The protections applied to every worker started by this launcher, in words (for logs and diagnostics).</summary>
    public IReadOnlyList<string> Applied => _protections.Value.Applied;

    /// <summary>Whether workers get their own process group, so that <see cref="KillProcessGroup"/> reaches what they started.</summary>
    public bool HasOwnProcessGroup => _protections.Value.SetsidPath is not null;

    /// <summary>Whether workers get their own network namespace.</summary>
    public bool IsolatesNetwork => _protections.Value.UnshareArguments is not null;

    /// <summary>Whether the resource limits of <see cref="Limits"/> (CPU, memory, address space, open files) are enforced by the kernel.</summary>
    public bool EnforcesResourceLimits => _protections.Value.PrlimitArguments is not null;

    /// <summary>Where the tools are looked for; the host's PATH and the standard folders when <see langword="null"/>. For tests that simulate a machine without them.</summary>
    internal IReadOnlyList<string>? ToolDirectories { get; init; }

    /// <summary>
    /// The start information of one worker: <c>dotnet CodeActSdk.Worker.dll [--backend name --backend-type type
    /// --backend-assembly path]</c> with its standard streams redirected, in <paramref name="workingDirectory"/> (an
    /// empty private folder), with a cleared environment, inside the protections that are available. The worker
    /// references no backend: it loads the interpreter type from the assembly the host loaded it from.
    /// </summary>
    /// <param name="backend">The backend the worker loads before it says ready, or <see langword="null"/>.</param>
    /// <param name="workingDirectory">The worker's own empty folder, deleted when it ends (see <see cref="CreatePrivateDirectory"/>).</param>
    /// <exception cref="FileNotFoundException">The worker is not at <see cref="WorkerPath"/>; the message says what to reference.</exception>
    public virtual ProcessStartInfo CreateStartInfo(WorkerBackend? backend, string workingDirectory)
    {
        if (!File.Exists(WorkerPath))
        {
            throw new FileNotFoundException(
                $"The CodeActSdk worker was not found at '{WorkerPath}'. Process isolation runs sessions in CodeActSdk.Worker.dll: reference the CodeActSdk.Worker package (or project) from the application so that it is copied next to it, or pass its path to WorkerLauncher.",
                WorkerPath);
        }

        List<string> arguments = [WorkerPath];
        if (backend is not null)
        {
            arguments.AddRange(Worker.WorkerBackendReference.Of(backend).ToArguments());
        }

        return CreateStartInfo(DotnetHost(), arguments, workingDirectory, withoutDataLimit: backend?.ReservesAddressSpace == true);
    }

    /// <summary>
    /// The start information of any command, wrapped in the same protections, environment and folder as a worker.
    /// The process started is the command itself (each wrapper runs the next in its place), so its id is the id of the
    /// command and, when <see cref="HasOwnProcessGroup"/>, of its process group.
    /// </summary>
    /// <param name="executable">The program, preferably an absolute path: the cleared environment has no PATH.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="workingDirectory">Its working directory, an empty private folder.</param>
    public ProcessStartInfo CreateStartInfo(string executable, IEnumerable<string> arguments, string workingDirectory) =>
        CreateStartInfo(executable, arguments, workingDirectory, withoutDataLimit: false);

    /// <param name="executable">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="workingDirectory">Its working directory.</param>
    /// <param name="withoutDataLimit">
    /// Leaves out the private-memory limit (RLIMIT_DATA), for a backend that says it <see cref="WorkerBackend.ReservesAddressSpace"/>. V8 14 (ClearScript 7.5) reserves about 0.5 GiB of writable,
    /// never-written address space per runtime, which the kernel counts as private memory, so a V8 worker with a few
    /// runtimes would abort under the limit; its managed heap stays capped (DOTNET_GCHeapHardLimit) and each V8
    /// heap by the session's own limits, and the address-space limit remains the backstop.
    /// </param>
    private ProcessStartInfo CreateStartInfo(string executable, IEnumerable<string> arguments, string workingDirectory, bool withoutDataLimit)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        var protections = _protections.Value;
        List<string> command = [];
        if (protections.SetsidPath is { } setsid)
        {
            command.Add(setsid);
        }

        if (protections.UnshareArguments is { } unshare)
        {
            command.AddRange(unshare);
        }

        if (protections.PrlimitArguments is { } prlimit)
        {
            command.AddRange(withoutDataLimit ? prlimit.Where(argument => !argument.StartsWith("--data=", StringComparison.Ordinal)) : prlimit);
            // Ends prlimit's own options, so that an executable or argument starting with '-' is not taken for one.
            command.Add("--");
        }

        command.Add(executable);
        command.AddRange(arguments);
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        SetEnvironment(start.Environment, workingDirectory);
        return start;
    }

    /// <summary>
    /// Creates an empty folder that only the current user can enter (mode 0700 on Unix) under the temporary folder,
    /// for one worker's working directory.
    /// </summary>
    /// <returns>The folder's full path.</returns>
    public static string CreatePrivateDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("codeact-worker-");
        if (!OperatingSystem.IsWindows())
        {
            // CreateTempSubdirectory already creates it 0700 (mkdtemp); set it anyway, since the worker's files must
            // not be readable by other users even if that default changes.
            File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return directory.FullName;
    }

    /// <summary>
    /// Deletes a worker's folder and everything in it, including what the code made read-only or unreadable. Never
    /// throws: what cannot be deleted is left to the temporary folder's cleaning.
    /// </summary>
    /// <param name="directory">The folder from <see cref="CreatePrivateDirectory"/>.</param>
    /// <returns>Whether the folder is gone.</returns>
    public static bool DeletePrivateDirectory(string directory)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                return true;
            }

            if (!OperatingSystem.IsWindows())
            {
                // Code can chmod its own folders to 000, which would make a recursive delete fail halfway.
                var all = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
                File.SetUnixFileMode(directory, all);
                foreach (var sub in Directory.EnumerateDirectories(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.ReparsePoint }))
                {
                    File.SetUnixFileMode(sub, all);
                }
            }

            Directory.Delete(directory, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kills every process in the process group <paramref name="processGroupId"/> with SIGKILL: a worker started by a
    /// launcher that <see cref="HasOwnProcessGroup"/> and whatever it started that stayed in its group, including
    /// children whose parent has already exited. Refuses the caller's own group. Call it before the worker itself is
    /// reaped (before <see cref="Process.WaitForExit()"/> returns), while its id still names the group.
    /// </summary>
    /// <param name="processGroupId">The group's id: the worker's process id.</param>
    /// <returns>Whether a signal was sent; <see langword="false"/> when the group no longer exists, is the caller's own, or this is not Unix.</returns>
    public static bool KillProcessGroup(int processGroupId)
    {
        if (OperatingSystem.IsWindows() || processGroupId <= 1)
        {
            return false;
        }

        // Without setsid the worker shares the host's group; signalling it would kill the host.
        var own = ProcessGroupOf(Environment.ProcessId);
        if (own is null || own == processGroupId)
        {
            return false;
        }

        return Native.Kill(-processGroupId, SignalKill) == 0;
    }

    /// <summary>The process group of process <paramref name="processId"/> (Linux), or <see langword="null"/> when it is gone or unknown.</summary>
    /// <param name="processId">A process id.</param>
    public static int? ProcessGroupOf(int processId) => StatField(processId, 2);

    /// <summary>The session of process <paramref name="processId"/> (Linux), or <see langword="null"/> when it is gone or unknown.</summary>
    /// <param name="processId">A process id.</param>
    public static int? SessionOf(int processId) => StatField(processId, 3);

    /// <summary>
    /// The network namespace of process <paramref name="processId"/> as the kernel names it (<c>net:[4026532177]</c>),
    /// or <see langword="null"/> when it cannot be read. A worker is isolated when its namespace differs from the
    /// host's (<c>NetworkNamespaceOf(Environment.ProcessId)</c>); read it once the worker has said it is ready, since
    /// before that the wrappers may not yet have made the namespace.
    /// </summary>
    /// <param name="processId">A process id.</param>
    public static string? NetworkNamespaceOf(int processId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return new FileInfo($"/proc/{processId}/ns/net").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The dotnet host that runs this application, so the worker gets the same runtime.</summary>
    protected static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        return "dotnet";
    }

    private void SetEnvironment(IDictionary<string, string?> environment, string workingDirectory)
    {
        // The code must not see the host's environment (keys, tokens). Measured: `dotnet Worker.dll`, the host given by
        // its full path, starts with no variables at all. Kept are only those that change whether the runtime can
        // start: where it is installed (a private install), native library paths, and invariant globalization on
        // machines without ICU.
        var keep = environment
            .Where(e => e.Key.StartsWith("DOTNET_ROOT", StringComparison.Ordinal) || e.Key is "LD_LIBRARY_PATH" or "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT")
            .ToList();
        environment.Clear();
        foreach (var (key, value) in keep)
        {
            environment[key] = value;
        }

        environment["HOME"] = workingDirectory;
        environment["TMPDIR"] = workingDirectory;
        // No debugger, profiler or diagnostics socket: nothing outside should attach to the code, and nothing of the
        // runtime's own should sit in the worker's folder.
        environment["DOTNET_EnableDiagnostics"] = "0";
        if (Limits.MemoryBytes is { } memory)
        {
            // Applied by the runtime even where prlimit is not: code that fills the heap gets an OutOfMemoryException
            // (a result the model can read) before the kernel's limit ends the process.
            environment["DOTNET_GCHeapHardLimit"] = memory.ToString("x", CultureInfo.InvariantCulture);
        }
    }

    private Protections Probe()
    {
        var memory = Limits.MemoryBytes is { } m ? $"a managed heap of {Mebibytes(m)}" : null;
        List<string> applied = ["a separate process", "a cleared environment", "an empty private working directory"];
        List<string> unavailable = [];
        if (!OperatingSystem.IsLinux())
        {
            if (memory is not null)
            {
                applied.Add(memory);
            }

            unavailable.Add($"Process isolation on {RuntimeInformation.OSDescription} applies no operating-system limits: the worker has the host's network, no CPU-time or kernel memory limit, and no process group of its own (it is killed with its process tree, which misses processes it started that have left it). These are applied on Linux only.");
            unavailable.Add(Remaining(applied));
            return new Protections(null, null, null, applied, unavailable);
        }

        var noop = FindTool("true");
        var setsid = FindTool("setsid");
        if (setsid is not null && !Runs(setsid))
        {
            setsid = null;
        }

        if (setsid is null)
        {
            unavailable.Add("No process group of its own for the worker: setsid (util-linux) is not installed or does not run here, so the worker is killed with its process tree, which misses processes it started that have left it.");
        }
        else
        {
            applied.Add("its own session and process group");
        }

        string[]? unshareArguments = null;
        if (Limits.IsolateNetwork)
        {
            if (FindTool("unshare") is { } unshare)
            {
                unshareArguments = NetworkNamespaceVariants
                    .Select(variant => (string[])[unshare, .. variant])
                    .FirstOrDefault(candidate => Runs(candidate[0], candidate[1..]));
            }

            if (unshareArguments is null)
            {
                unavailable.Add("No network isolation: a new network namespace could not be made here (unshare from util-linux is missing, or neither root nor unprivileged user namespaces are allowed), so code in the worker can reach whatever the host can.");
            }
            else
            {
                applied.Add(unshareArguments.Contains("--user") ? "no network (its own network and user namespaces)" : "no network (its own network namespace)");
            }
        }

        string[]? prlimitArguments = null;
        var (limitArguments, limitWords) = ResourceLimits();
        if (limitArguments.Count > 0)
        {
            if (FindTool("prlimit") is { } prlimit)
            {
                string[] candidate = [prlimit, .. limitArguments];
                if (Runs(prlimit, [.. limitArguments, "--"]))
                {
                    prlimitArguments = candidate;
                }
            }

            if (prlimitArguments is null)
            {
                unavailable.Add($"No kernel resource limits ({string.Join(", ", limitWords)}): prlimit (util-linux) is missing or does not run here.");
            }
            else
            {
                applied.AddRange(limitWords);
            }
        }

        if (memory is not null)
        {
            applied.Add(memory);
        }

        if (unavailable.Count > 0)
        {
            unavailable.Add(Remaining(applied));
        }

        return new Protections(setsid, unshareArguments, prlimitArguments, applied, unavailable);

        // Each wrapper is tried on `true`: a tool that is present but not permitted (no user namespaces, a limit above
        // the host's) fails there, not at a session's start.
        bool Runs(string tool, params string[] arguments) => noop is not null && ProbeRuns(tool, [.. arguments, noop]);
    }

    private (List<string> Arguments, List<string> Words) ResourceLimits()
    {
        List<string> arguments = [];
        List<string> words = [];
        var hard = HardLimits();
        if (Limits.CpuTime is { } cpu)
        {
            // Soft below hard: the kernel sends SIGXCPU at the soft limit, a signal that names the cause, and SIGKILL
            // only a second later; with both equal the worker would die of a bare SIGKILL, which reads as out of memory.
            var soft = (long)Math.Ceiling(cpu.TotalSeconds);
            var capped = Cap(soft + 1, hard.GetValueOrDefault("cpu"));
            arguments.Add($"--cpu={Math.Min(soft, capped)}:{capped}");
            words.Add($"{Math.Min(soft, capped)} s of CPU time");
        }

        if (Limits.MemoryBytes is { } memory)
        {
            var value = Cap(memory + WorkerLimits.RuntimeReserveBytes, hard.GetValueOrDefault("data"));
            arguments.Add($"--data={value}");
            words.Add($"{Mebibytes(value)} of private memory");
        }

        if (Limits.AddressSpaceBytes is { } space)
        {
            var value = Cap(space, hard.GetValueOrDefault("as"));
            arguments.Add($"--as={value}");
            words.Add($"{Mebibytes(value)} of address space");
        }

        if (Limits.MaxOpenFiles is { } files)
        {
            var value = Cap(files, hard.GetValueOrDefault("nofile"));
            arguments.Add($"--nofile={value}");
            words.Add($"{value} open files");
        }

        if (arguments.Count > 0)
        {
            // A worker ended by SIGXCPU or a runtime abort would otherwise write a core file of its whole heap.
            arguments.Add("--core=0");
            words.Add("no core dumps");
        }

        return (arguments, words);

        // Without privileges a limit cannot be raised above the host's hard limit, and prlimit would refuse the whole
        // command; the host's lower limit is the stricter one anyway.
        static long Cap(long wanted, long hostHard) => hostHard > 0 ? Math.Min(wanted, hostHard) : wanted;
    }

    // The hard limits of this process, from /proc/self/limits ("Max cpu time  unlimited  unlimited  seconds"); 0 means
    // unlimited or unknown.
    private static Dictionary<string, long> HardLimits()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Max cpu time"] = "cpu",
            ["Max data size"] = "data",
            ["Max address space"] = "as",
            ["Max open files"] = "nofile",
        };
        var limits = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                foreach (var (label, key) in names)
                {
                    if (line.StartsWith(label, StringComparison.Ordinal))
                    {
                        var fields = line[label.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                        {
                            limits[key] = value;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unknown limits are treated as unlimited; prlimit's probe still catches a refusal.
        }

        return limits;
    }

    private static bool ProbeRuns(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return false;
            }

            process.StandardInput.Close();
            var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            if (!process.WaitForExit(ProbeTimeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            drained.Wait(ProbeTimeout);
            return process.ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string? FindTool(string name)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var directories = ToolDirectories ?? (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(StandardToolDirectories)
            .ToList();
        foreach (var directory in directories)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return path;
            }
        }

        return null;
    }

    private static int? StatField(int processId, int fieldAfterCommand)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            // "pid (command) state ppid pgrp session ...": the command may hold spaces and parentheses, so fields are
            // counted from the last ')'.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > fieldAfterCommand && int.TryParse(fields[fieldAfterCommand], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Mebibytes(long bytes) => $"{bytes / (1024 * 1024)} MiB";

    private static string Remaining(IEnumerable<string> applied) => $"The worker still has: {string.Join(", ", applied)}.";

    private sealed record Protections(string? SetsidPath, string[]? UnshareArguments, string[]? PrlimitArguments, IReadOnlyList<string> Applied, IReadOnlyList<string> Unavailable);

    private static class Native
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
