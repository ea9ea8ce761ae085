namespace CodeActSdk;

/// <summary>Where a session's code runs: inside the host process, or in a child worker process of its own.</summary>
public enum SandboxIsolation
{
    /// <summary>The session lives in the host process: fastest, and the interpreter's own limits are the only wall.</summary>
    InProcess,

    /// <summary>
    /// The session lives in a child worker process and the host talks to it over a pipe: a crash of the interpreter
    /// (stack overflow, native fault, out-of-memory kill) ends that worker, not the host. Tools still run in the host.
    /// Needs the CodeActSdk.Isolation package: wrap the interpreter in its <c>IsolatedInterpreter</c>.
    /// </summary>
    Process,
}
