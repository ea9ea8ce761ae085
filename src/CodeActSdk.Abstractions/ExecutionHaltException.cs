namespace CodeActSdk;

/// <summary>
/// Thrown by a host tool to end the execution that called it, for example because the run must wait for a person's
/// approval before the call may happen. Unlike any other exception a tool throws, the sandboxed code cannot catch it:
/// every backend stops the execution at the call, and the result carries <see cref="Status"/> and <see cref="Error"/>.
/// </summary>
/// <remarks>
/// Meant for the host's own tool wrappers (the agent's approval gate uses it); a tool that merely failed should throw
/// an ordinary exception, which the code sees and may handle.
/// </remarks>
public sealed class ExecutionHaltException : Exception
{
    /// <summary>Creates a halt.</summary>
    /// <param name="status">How the execution ends, for example <see cref="ExecutionStatus.Cancelled"/>.</param>
    /// <param name="kind">The error's kind, for example <see cref="ErrorKind.ApprovalRequired"/>.</param>
    /// <param name="message">What the result's error says.</param>
    /// <exception cref="ArgumentException"><paramref name="status"/> is <see cref="ExecutionStatus.Completed"/>, or <paramref name="message"/> is empty.</exception>
    public ExecutionHaltException(ExecutionStatus status, ErrorKind kind, string message)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        if (status == ExecutionStatus.Completed || !Enum.IsDefined(status))
        {
            throw new ArgumentException($"A halt ends an execution with a failure status, not {status}.", nameof(status));
        }

        Status = status;
        Error = new ExecutionError(kind, message);
    }

    /// <summary>The status the execution ends with.</summary>
    public ExecutionStatus Status { get; }

    /// <summary>The error the execution's result carries.</summary>
    public ExecutionError Error { get; }
}
