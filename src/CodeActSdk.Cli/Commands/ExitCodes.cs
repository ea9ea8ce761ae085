namespace CodeActSdk.Cli.Commands;

/// <summary>The exit codes of every command.</summary>
internal static class ExitCodes
{
    /// <summary>The code ran (exec) or the agent found a final answer (run).</summary>
    public const int Ok = 0;

    /// <summary>The code failed (exec), or the run ended without an answer or the model endpoint failed (run).</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong or something it names is missing; nothing ran and stdout is empty.</summary>
    public const int Usage = 2;

    /// <summary>
    /// The durable run (run --session) stopped at a tool call that waits for a person's approval: nothing failed, the
    /// run is suspended. Decide with 'codeact sessions approve ID', then continue with 'codeact run --session ID --resume'.
    /// </summary>
    public const int AwaitingApproval = 3;
}
