using System.Diagnostics.CodeAnalysis;

namespace CodeActSdk;

/// <summary>
/// What a backend tells process isolation about itself, through <c>GetService(typeof(WorkerBackend))</c>: its name,
/// the interpreter type a worker process creates in its place, how long its sessions may take beyond the time limit,
/// and why this particular interpreter cannot run in a worker, if a setting prevents it. Isolation needs nothing else
/// to put a backend in a worker, and references no backend.
/// </summary>
/// <remarks>
/// The worker process loads <see cref="InterpreterType"/>'s assembly from the folder the host loaded it from and creates
/// the interpreter with its public parameterless constructor, that is with the backend's default settings; an
/// interpreter whose settings differ in a way that matters says so in <see cref="NotIsolatableReason"/>. Immutable,
/// so thread-safe.
/// </remarks>
public sealed record WorkerBackend
{
    /// <summary>Describes a backend for process isolation.</summary>
    /// <param name="name">A short name that identifies the backend in the worker pool, in logs and in errors, for example <c>jint</c>.</param>
    /// <param name="interpreterType">The interpreter the worker creates: an <see cref="ICodeInterpreter"/> with a public parameterless constructor.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or <paramref name="interpreterType"/> is not a concrete <see cref="ICodeInterpreter"/> with a public parameterless constructor.</exception>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public WorkerBackend(string name, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type interpreterType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(interpreterType);
        if (!typeof(ICodeInterpreter).IsAssignableFrom(interpreterType) || interpreterType.IsAbstract || interpreterType.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new ArgumentException(
                $"A worker creates the interpreter with a public parameterless constructor, and {interpreterType.FullName} is not a concrete ICodeInterpreter with one.",
                nameof(interpreterType));
        }

        Name = name;
        InterpreterType = interpreterType;
    }

    /// <summary>The backend's short name (<c>jint</c>, <c>v8</c>, <c>csharp</c>): one worker queue per name.</summary>
    public string Name { get; }

    /// <summary>The interpreter type the worker creates, with its default settings.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type InterpreterType { get; }

    /// <summary>
    /// How long a session may take beyond <see cref="SandboxOptions.Timeout"/> before it answers by itself (for example
    /// a compile that runs outside the time limit), so that the host waits for the backend's own result before it stops
    /// the worker.
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan TimeAllowance
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(TimeAllowance), value, "WorkerBackend.TimeAllowance cannot be negative.");
    }

    /// <summary>
    /// Whether the backend reserves much writable address space that it never writes (V8 reserves about 0.5 GiB per
    /// runtime), which the kernel counts as private memory: its worker then gets no private-memory limit, only the
    /// address-space limit and the managed heap limit, so that the reservation alone does not end it.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ReservesAddressSpace { get; init; }

    /// <summary>
    /// Why this interpreter cannot run in a worker, naming the setting (for example <c>V8InterpreterOptions.AllowWebAssembly</c>
    /// is not the default: the worker would run the code under other rules); <see langword="null"/> when it can.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? NotIsolatableReason { get; init; }
}
