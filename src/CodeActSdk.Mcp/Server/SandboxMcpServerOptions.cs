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
