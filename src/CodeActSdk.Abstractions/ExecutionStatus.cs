namespace CodeActSdk;

/// <summary>How an execution ended.</summary>
public enum ExecutionStatus
{
    /// <summary>The code ran to the end (or called <c>final_answer</c>).</summary>
    Completed,

    /// <summary>The code could not be parsed or compiled; nothing ran.</summary>
    SyntaxError,

    /// <summary>The code threw, or a guard stopped it (for example recursion too deep).</summary>
    RuntimeError,

    /// <summary>The code ran past <see cref="SandboxOptions.Timeout"/> or <see cref="SandboxOptions.MaxOperations"/>.</summary>
    Timeout,

    /// <summary>The code allocated past <see cref="SandboxOptions.MemoryLimitBytes"/>.</summary>
    MemoryLimit,

    /// <summary>The code tried to use something the sandbox does not allow; nothing ran.</summary>
    PolicyViolation,

    /// <summary>The caller cancelled the execution.</summary>
    Cancelled,
}
