namespace CodeActSdk.Agents;

/// <summary>Settings of a <see cref="CodeExecutionContextProvider"/>.</summary>
/// <remarks>Read once, when the provider is created; later changes do not affect it.</remarks>
public sealed class CodeExecutionContextProviderOptions
{
    /// <summary>
    /// The sandbox of each session: its limits, its files, and tools the code may call in addition to the agent's own.
    /// </summary>
    /// <value>The default value is <see cref="SandboxOptions"/>' defaults (5 s, 64 MiB, no extra tools).</value>
    public SandboxOptions Sandbox { get; set; } = new();

    /// <summary>
    /// Whether the agent's own function tools (those of its <c>ChatOptions.Tools</c> and of the run's options) are
    /// bridged into the sandbox, so that the code can call them. Tools that need approval are never bridged (see
    /// <see cref="CodeExecutionContextProvider"/>). The agent keeps them as direct tools either way.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool BridgeAgentTools { get; set; } = true;

    /// <summary>
    /// Whether every <c>execute_code</c> call needs a human's approval before it runs, through the framework's approval
    /// flow (the request shows the code).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RequireApproval { get; set; }
}
