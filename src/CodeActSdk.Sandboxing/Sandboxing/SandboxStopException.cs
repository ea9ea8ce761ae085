namespace CodeActSdk.Sandboxing;

/// <summary>
/// Raised inside a backend when an execution must end because of a limit, a cancellation or <c>final_answer</c>.
/// Backends make sure sandboxed code can never catch it, and turn it into the <see cref="ExecutionResult"/>.
/// </summary>
public sealed class SandboxStopException : Exception
{
    /// <summary>Creates a stop with the status and error the result will carry.</summary>
    public SandboxStopException(ExecutionStatus status, ExecutionError? error)
        : base(error?.Message ?? status.ToString())
    {
        Status = status;
        Error = error;
    }

    /// <summary>The status the execution ends with.</summary>
    public ExecutionStatus Status { get; }

    /// <summary>The error the result carries; <see langword="null"/> for a normal end such as <c>final_answer</c>.</summary>
    public ExecutionError? Error { get; }
}
