using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The limits of one sandbox session and the tools bridged into it. Every limit applies to each execution
/// separately. The defaults suit an agent step: a few seconds of compute over modest data.
/// </summary>
public sealed record SandboxOptions
{
    /// <summary>Wall-clock time one execution may take, tool calls included. Past it the result is <see cref="ExecutionStatus.Timeout"/>. Default 5 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes one execution may allocate. Past it the result is <see cref="ExecutionStatus.MemoryLimit"/>. Default 64 MiB.</summary>
    public long MemoryLimitBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Operations one execution may perform (loop iterations, function calls and elements visited by built-in
    /// functions), a deterministic bound on compute. Past it the result is <see cref="ExecutionStatus.Timeout"/>.
    /// Default 10,000,000.
    /// </summary>
    public long MaxOperations { get; init; } = 10_000_000;

    /// <summary>Nesting depth of calls. Deeper recursion ends as <see cref="ExecutionStatus.RuntimeError"/>. Default 256.</summary>
    public int MaxRecursionDepth { get; init; } = 256;

    /// <summary>Characters of captured output kept per execution; the rest is dropped with a note. Default 20,000.</summary>
    public int MaxOutputChars { get; init; } = 20_000;

    /// <summary>Characters of the JSON of a returned value or final answer; a larger value is truncated with a note. Default 100,000.</summary>
    public int MaxValueChars { get; init; } = 100_000;

    /// <summary>
    /// Receives what the code prints while it runs, piece by piece, on the thread running the code (for hosts that
    /// show progress, such as the MCP server's progress notifications). Only text kept within
    /// <see cref="MaxOutputChars"/> is passed on, and it is in <see cref="ExecutionResult.Stdout"/> too. It must be quick
    /// and must not throw (an exception is ignored). Sessions in a worker process (<see cref="SandboxIsolation.Process"/>)
    /// do not call it. Default <see langword="null"/>: nothing is passed on.
    /// </summary>
    public Action<string>? OutputListener { get; init; }

    /// <summary>The host functions the code may call. Nothing else from the host is reachable.</summary>
    public IReadOnlyList<AIFunction> Tools { get; init; } = [];

    /// <summary>The session's virtual file system: an in-memory scratch area, and the host folders mounted into it. Default: the scratch area only.</summary>
    public FileSystemOptions Files { get; init; } = new();

    /// <summary>
    /// Where the session runs. <see cref="SandboxIsolation.InProcess"/> (the default) keeps it in the host process;
    /// <see cref="SandboxIsolation.Process"/> puts it in a child worker process, which an interpreter honours only when
    /// it is wrapped in CodeActSdk.Isolation's <c>IsolatedInterpreter</c> (a bare backend refuses it rather than
    /// silently running the code in the host).
    /// </summary>
    public SandboxIsolation Isolation { get; init; } = SandboxIsolation.InProcess;

    /// <summary>Checks every limit and throws if one is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is zero, negative or absurdly large; the message names it.</exception>
    /// <exception cref="ArgumentException">Two tools share a name, or the file system's mounts are wrong.</exception>
    public SandboxOptions Validate()
    {
        Require(Timeout > TimeSpan.Zero && Timeout <= TimeSpan.FromHours(1), nameof(Timeout), Timeout, "between 0 and 1 hour");
        Require(MemoryLimitBytes >= 1024 * 1024, nameof(MemoryLimitBytes), MemoryLimitBytes, "at least 1 MiB");
        Require(MaxOperations > 0, nameof(MaxOperations), MaxOperations, "positive");
        Require(MaxRecursionDepth is > 0 and <= 10_000, nameof(MaxRecursionDepth), MaxRecursionDepth, "between 1 and 10,000");
        Require(MaxOutputChars > 0, nameof(MaxOutputChars), MaxOutputChars, "positive");
        Require(MaxValueChars > 0, nameof(MaxValueChars), MaxValueChars, "positive");
        ArgumentNullException.ThrowIfNull(Tools);
        ArgumentNullException.ThrowIfNull(Files);
        if (!Enum.IsDefined(Isolation))
        {
            throw new ArgumentOutOfRangeException(nameof(Isolation), Isolation, "SandboxOptions.Isolation must be InProcess or Process.");
        }

        Files.Validate();
        var duplicate = Tools.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two tools are named '{duplicate.Key}'; tool names must be unique.", nameof(Tools));
        }

        return this;
    }

    private static void Require(bool condition, string name, object value, string expectation)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"SandboxOptions.{name} must be {expectation}.");
        }
    }
}
