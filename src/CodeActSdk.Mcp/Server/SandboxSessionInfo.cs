namespace CodeActSdk.Mcp.Server;

/// <summary>A named session of a <see cref="SandboxMcpServer"/>, as <c>list_sessions</c> reports it.</summary>
/// <param name="SessionId">The id the client chose.</param>
/// <param name="Backend">The backend the session runs in.</param>
/// <param name="CreatedAt">When the first call with this id created it.</param>
/// <param name="LastUsedAt">When a call last started or finished in it; idleness is measured from here.</param>
/// <param name="Executions">How many executions ran in it, whatever their status.</param>
/// <param name="Timeout">The time limit of each of its executions.</param>
/// <param name="MemoryLimitBytes">The memory limit of each of its executions.</param>
public sealed record SandboxSessionInfo(
    string SessionId,
    string Backend,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUsedAt,
    int Executions,
    TimeSpan Timeout,
    long MemoryLimitBytes);
