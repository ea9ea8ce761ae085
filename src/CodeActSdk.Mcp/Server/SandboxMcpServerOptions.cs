namespace CodeActSdk.Mcp.Server;

/// <summary>
/// The limits and session policy of a <see cref="SandboxMcpServer"/>. The defaults suit a local MCP host: a few
/// seconds per execution by default and at most a minute, sessions closed after ten idle minutes.
/// </summary>
public sealed record SandboxMcpServerOptions
{
    /// <summary>One mebibyte, the unit of <c>memory_mb</c>.</summary>
    private const long Mebibyte = 1024L * 1024L;

    /// <summary>
    /// The sandbox every session starts from. Its <see cref="SandboxOptions.Timeout"/> and
    /// <see cref="SandboxOptions.MemoryLimitBytes"/> are the defaults when a call gives no <c>timeout_ms</c> or
    /// <c>memory_mb</c>; its other limits and its <see cref="SandboxOptions.Tools"/> apply to every session as they are.
    /// </summary>
    public SandboxOptions Sandbox { get; init; } = new();

    /// <summary>The longest <c>timeout_ms</c> a call may ask for; a longer one is lowered to it. Default 60 s.</summary>
    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The largest memory limit a call may ask for (<c>memory_mb</c>); a larger one is lowered to it. Default 512 MiB.</summary>
    public long MaxMemoryLimitBytes { get; init; } = 512 * Mebibyte;

    /// <summary>
    /// How long a named session may go unused before the server closes it and frees its state. Default 10 minutes.
    /// A session is never closed while one of its executions is running.
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How many named sessions may be open at once; creating one more is refused until one closes. Default 64.</summary>
    public int MaxSessions { get; init; } = 64;

    /// <summary>
    /// The longest code one <c>execute_code</c> call may send, in characters (Unicode code points, as JSON Schema's
    /// <c>maxLength</c> counts them), the same for every backend. Longer code is refused before it reaches a backend,
    /// with an error that names this limit. Default and maximum 100,000 (the Jint parser's own limit is 200,000 UTF-16
    /// code units, which 100,000 code points never exceed).
    /// </summary>
    public int MaxCodeChars { get; init; } = MaxCodeCharsLimit;

    /// <summary>The largest <see cref="MaxCodeChars"/> a server may set.</summary>
    public const int MaxCodeCharsLimit = 100_000;

    /// <summary>
    /// How many executions run at once across all sessions (executions in one session always run one at a time).
    /// Further calls wait in a queue. Default 16. Give the backends at least as many threads (for example
    /// <c>JintInterpreterOptions.MaxConcurrentExecutions</c>), or they make executions wait on their own; <c>codeact mcp</c>
    /// sets them to this value.
    /// </summary>
    public int MaxConcurrentExecutions { get; init; } = 16;

    /// <summary>
    /// How many executions may wait for a free slot (see <see cref="MaxConcurrentExecutions"/>). A call beyond it is
    /// refused at once with an error saying the server is busy; nothing runs. Default 64.
    /// </summary>
    public int MaxQueuedExecutions { get; init; } = 64;

    /// <summary>
    /// How often a running <c>execute_code</c> call sends an MCP progress notification (when the request carries a
    /// <c>progressToken</c>), with the time elapsed and what the code printed since the last one. Clients that reset
    /// their request timeout on progress then wait for long runs. Default 1 s.
    /// </summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The most characters of the code's output one progress notification carries; the rest is summarised. Default 2,000.</summary>
    public int MaxProgressOutputChars { get; init; } = 2_000;

    /// <summary>
    /// The largest artifact (a file the code wrote under <c>out/</c>) returned inline in a tool result: as image
    /// content for images, as an embedded text resource for text and JSON. Larger artifacts, and those of other
    /// types, are returned as resource links that <c>resources/read</c> serves. Default 256 KiB.
    /// </summary>
    public int MaxInlineArtifactBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// How many bytes of artifacts the server keeps for <c>resources/read</c>. When more are written, the oldest
    /// executions' artifacts are forgotten first (reading them then says so). Default 64 MiB.
    /// </summary>
    public long MaxStoredArtifactBytes { get; init; } = 64 * Mebibyte;

    /// <summary>The largest file <c>upload_file</c> accepts, in bytes after decoding. Default 10 MiB; a session's own file size limit applies too.</summary>
    public int MaxUploadBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>The name the server reports to MCP clients in its handshake. Default <c>codeact</c>.</summary>
    public string ServerName { get; init; } = "codeact";

    /// <summary>The clock for session times and the idle sweep. Default <see cref="TimeProvider.System"/>; tests pass their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Checks every option and throws if one is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">The <see cref="Sandbox"/> options are invalid.</exception>
    public SandboxMcpServerOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(Sandbox);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(ServerName);
        Sandbox.Validate();
        Require(MaxTimeout > TimeSpan.Zero && MaxTimeout <= TimeSpan.FromHours(1), nameof(MaxTimeout), MaxTimeout, "between 0 and 1 hour");
        Require(Sandbox.Timeout <= MaxTimeout, nameof(Sandbox), Sandbox.Timeout, $"a sandbox whose Timeout is at most MaxTimeout ({MaxTimeout})");
        Require(MaxMemoryLimitBytes >= Mebibyte, nameof(MaxMemoryLimitBytes), MaxMemoryLimitBytes, "at least 1 MiB");
        Require(Sandbox.MemoryLimitBytes <= MaxMemoryLimitBytes, nameof(Sandbox), Sandbox.MemoryLimitBytes, $"a sandbox whose MemoryLimitBytes is at most MaxMemoryLimitBytes ({MaxMemoryLimitBytes})");
        Require(SessionIdleTimeout > TimeSpan.Zero, nameof(SessionIdleTimeout), SessionIdleTimeout, "positive");
        Require(MaxSessions > 0, nameof(MaxSessions), MaxSessions, "positive");
        Require(MaxCodeChars is > 0 and <= MaxCodeCharsLimit, nameof(MaxCodeChars), MaxCodeChars, "between 1 and 100,000");
        Require(MaxConcurrentExecutions is > 0 and <= 1024, nameof(MaxConcurrentExecutions), MaxConcurrentExecutions, "between 1 and 1,024");
        Require(MaxQueuedExecutions is >= 0 and <= 100_000, nameof(MaxQueuedExecutions), MaxQueuedExecutions, "between 0 and 100,000");
        Require(ProgressInterval >= TimeSpan.FromMilliseconds(10) && ProgressInterval <= TimeSpan.FromHours(1), nameof(ProgressInterval), ProgressInterval, "between 10 ms and 1 hour");
        Require(MaxProgressOutputChars > 0, nameof(MaxProgressOutputChars), MaxProgressOutputChars, "positive");
        Require(MaxInlineArtifactBytes >= 0, nameof(MaxInlineArtifactBytes), MaxInlineArtifactBytes, "zero or more");
        Require(MaxStoredArtifactBytes >= 0, nameof(MaxStoredArtifactBytes), MaxStoredArtifactBytes, "zero or more");
        Require(MaxUploadBytes > 0, nameof(MaxUploadBytes), MaxUploadBytes, "positive");
        return this;
    }

    private static void Require(bool condition, string name, object value, string expectation)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"SandboxMcpServerOptions.{name} must be {expectation}.");
        }
    }
}
