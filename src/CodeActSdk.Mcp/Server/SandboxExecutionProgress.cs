namespace CodeActSdk.Mcp.Server;

/// <summary>Where an execution is, as <see cref="SandboxExecutionProgress"/> reports it.</summary>
public enum SandboxExecutionStage
{
    /// <summary>Waiting for a free slot: <see cref="SandboxMcpServerOptions.MaxConcurrentExecutions"/> executions are running.</summary>
    Queued,

    /// <summary>The code is running.</summary>
    Running,
}

/// <summary>One progress report of a running <see cref="SandboxMcpServer.ExecuteAsync(SandboxExecutionRequest, IProgress{SandboxExecutionProgress}?, CancellationToken)"/>.</summary>
/// <param name="Stage">Whether the execution waits for a slot or runs.</param>
/// <param name="Elapsed">How long the code has been running (zero while queued).</param>
/// <param name="Timeout">The execution's time limit.</param>
/// <param name="Output">What the code printed since the previous report, at most <see cref="SandboxMcpServerOptions.MaxProgressOutputChars"/> characters (with a note when more was printed).</param>
public sealed record SandboxExecutionProgress(SandboxExecutionStage Stage, TimeSpan Elapsed, TimeSpan Timeout, string Output);
