namespace CodeActSdk.Sandboxing;

/// <summary>
/// Lets an in-process backend refuse <see cref="SandboxIsolation.Process"/>: a host that asked for a worker process
/// must not get its code run inside the host because it forgot the wrapper.
/// </summary>
public static class IsolationGuard
{
    /// <summary>Throws when <paramref name="options"/> asks for process isolation, naming what to use instead.</summary>
    /// <param name="options">The session's options.</param>
    /// <param name="backend">The interpreter's type name, for the message.</param>
    /// <exception cref="ArgumentException">The options ask for <see cref="SandboxIsolation.Process"/>.</exception>
    public static void ThrowIfProcessIsolation(SandboxOptions options, string backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Isolation == SandboxIsolation.Process)
        {
            throw new ArgumentException(
                $"SandboxOptions.Isolation is Process, but {backend} runs code in the host process. Reference CodeActSdk.Isolation and wrap the interpreter: new IsolatedInterpreter(new {backend}()) (or interpreter.WithProcessIsolation()), which starts the session in a worker process.",
                nameof(options));
        }
    }
}
