namespace CodeActSdk.Mcp.Server;

/// <summary>One request to run code, as <c>execute_code</c> receives it.</summary>
public sealed record SandboxExecutionRequest
{
    /// <summary>The backend to run the code in, for example <c>jint</c> (see <see cref="SandboxMcpServer.Backends"/>).</summary>
    public required string Backend { get; init; }

    /// <summary>The code to run.</summary>
    public required string Code { get; init; }

    /// <summary>
    /// The session to run the code in, created on first use; <see langword="null"/> runs the code in a fresh
    /// session that is disposed afterwards.
    /// </summary>
    public string? SessionId { get; init; }

    /// <summary>
    /// The time limit of the execution; <see langword="null"/> for the default, or the session's. Lowered to
    /// <see cref="SandboxMcpServerOptions.MaxTimeout"/>.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// The memory limit of the execution in bytes; <see langword="null"/> for the default, or the session's. Lowered
    /// to <see cref="SandboxMcpServerOptions.MaxMemoryLimitBytes"/>.
    /// </summary>
    public long? MemoryLimitBytes { get; init; }
}
