namespace CodeActSdk.Isolation;

/// <summary>
/// Operating-system limits on a whole worker process, applied before any code runs in it. They are a backstop
/// behind the per-execution limits of <see cref="SandboxOptions"/>: a worker serves one session, so these bound the
/// session's worker over its whole life, including what the code starts. Enforced on Linux; elsewhere, or where a
/// tool is missing or not permitted, <see cref="WorkerLauncher.Unavailable"/> says which ones could not be applied.
/// </summary>
public sealed record WorkerLimits
{
    /// <summary>The smallest <see cref="MemoryBytes"/>: a worker that has loaded Roslyn or Jint has about 60 MiB on its managed heap before any code runs.</summary>
    public const long MinimumMemoryBytes = 128L * 1024 * 1024;

    /// <summary>
    /// The smallest <see cref="AddressSpaceBytes"/>. The .NET runtime reserves address space it never uses (a range for
    /// JIT-compiled code, GC regions, a double mapping of executable memory); measured on .NET 10, x64 Linux, it does
    /// not start below 1.5 GiB and fails at random between 1.5 and 2.5 GiB.
    /// </summary>
    public const long MinimumAddressSpaceBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// Private memory allowed to the worker beyond its managed heap: the runtime, JIT-compiled code, native libraries
    /// (V8's heap) and, above all, thread stacks, which the kernel counts in full although they are only reserved: a
    /// sandbox thread has a 256 MiB stack, every other thread 8 MiB. Measured: a worker with its backend loaded does not
    /// start under 384 MiB of private memory (V8: 640 MiB) whatever its heap.
    /// </summary>
    public const long RuntimeReserveBytes = 512L * 1024 * 1024;

    /// <summary>
    /// Processor time the worker may use over its life (RLIMIT_CPU), startup included (Roslyn's first compilation
    /// alone takes one to two seconds). At the limit the kernel ends it with SIGXCPU, and one second later with SIGKILL
    /// if it is still there. <see langword="null"/> for none. Default 10 minutes; the wall-clock deadline of each
    /// execution is the session's, not this.
    /// </summary>
    public TimeSpan? CpuTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The worker's managed heap (DOTNET_GCHeapHardLimit), where the code's objects live: code that fills it gets an
    /// <see cref="OutOfMemoryException"/>, a result the model can read, while the worker survives. The kernel bounds
    /// the worker's private memory at this plus <see cref="RuntimeReserveBytes"/> (RLIMIT_DATA), which also catches
    /// native memory. Unlike the address space, private memory counts what can be written, not what is merely
    /// reserved. <see langword="null"/> for neither. Default 1 GiB; at least <see cref="MinimumMemoryBytes"/>.
    /// </summary>
    public long? MemoryBytes { get; init; } = 1L * 1024 * 1024 * 1024;

    /// <summary>
    /// Virtual address space of the worker (RLIMIT_AS): a backstop on everything the process maps, written or not.
    /// It is not the useful memory limit of a .NET process (<see cref="MemoryBytes"/> is): a worker reserves address
    /// space it never uses, measured with the default heap on .NET 10, x64 Linux, about 8.5 GiB for Jint and C#; V8 14
    /// (ClearScript 7.5) reserves about 18 GiB more for its cages (pointer compression, Oilpan) and about 1 GiB per
    /// runtime, none of it written, and aborts the process when it cannot (a worker needed more than 64 GiB). Default 256 GiB; at least
    /// <see cref="MinimumAddressSpaceBytes"/>; <see langword="null"/> for none.
    /// </summary>
    public long? AddressSpaceBytes { get; init; } = 256L * 1024 * 1024 * 1024;

    /// <summary>Open file descriptors (RLIMIT_NOFILE). Roslyn needs more than 64 to compile. Default 512; <see langword="null"/> for the host's own limit.</summary>
    public int? MaxOpenFiles { get; init; } = 512;

    /// <summary>
    /// Whether the worker gets a new, empty network namespace (no interface but a loopback that is down), so code that
    /// opens a socket reaches nothing. Default <see langword="true"/>. The worker talks to the host over its standard
    /// streams, which a network namespace does not affect.
    /// </summary>
    public bool IsolateNetwork { get; init; } = true;

    /// <summary>No operating-system limits: only a separate process, its own process group, a cleared environment and a private folder.</summary>
    public static WorkerLimits None { get; } = new() { CpuTime = null, MemoryBytes = null, AddressSpaceBytes = null, MaxOpenFiles = null, IsolateNetwork = false };

    /// <summary>Checks every limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range; the message names it and says why.</exception>
    public WorkerLimits Validate()
    {
        if (CpuTime is { } cpu && (cpu < TimeSpan.FromSeconds(1) || cpu > TimeSpan.FromDays(7)))
        {
            throw new ArgumentOutOfRangeException(nameof(CpuTime), cpu, "WorkerLimits.CpuTime must be between 1 second and 7 days (it counts whole seconds), or null for none.");
        }

        if (MemoryBytes is { } memory && memory < MinimumMemoryBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBytes), memory, $"WorkerLimits.MemoryBytes must be at least {MinimumMemoryBytes / (1024 * 1024)} MiB: the heap of a worker with its backend loaded holds about half that before any code runs. Use null for no limit.");
        }

        if (AddressSpaceBytes is { } space && space < MinimumAddressSpaceBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(AddressSpaceBytes), space, $"WorkerLimits.AddressSpaceBytes must be at least {MinimumAddressSpaceBytes / (1024 * 1024 * 1024)} GiB: the .NET runtime reserves gigabytes of address space it never uses and does not start reliably under less. To bound memory, use MemoryBytes.");
        }

        if (MaxOpenFiles is { } files && files < 128)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxOpenFiles), files, "WorkerLimits.MaxOpenFiles must be at least 128: the runtime and Roslyn open that many files to start. Use null for the host's limit.");
        }

        return this;
    }
}
