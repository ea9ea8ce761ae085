namespace CodeActSdk.V8;

/// <summary>Settings of a <see cref="V8Interpreter"/> (the per-session limits are in <see cref="SandboxOptions"/>).</summary>
public sealed record V8InterpreterOptions
{
    /// <summary>
    /// Isolates kept created ahead of time, each with its context ready, so that a new session starts at once;
    /// creating one takes a few milliseconds. 0 creates each isolate when its session is created. Default 2.
    /// </summary>
    public int WarmIsolates { get; init; } = 2;

    /// <summary>Executions that may run at the same time; more wait their turn. Default twice the processor count, at least 4.</summary>
    public int MaxConcurrentExecutions { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>
    /// Whether sandboxed code may use the <c>WebAssembly</c> global. Off by default: WebAssembly memory is reserved
    /// outside the heap and array-buffer budgets that <see cref="SandboxOptions.MemoryLimitBytes"/> sets.
    /// </summary>
    public bool AllowWebAssembly { get; init; }

    /// <summary>Checks the settings and throws if one is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public V8InterpreterOptions Validate()
    {
        if (WarmIsolates is < 0 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmIsolates), WarmIsolates, "V8InterpreterOptions.WarmIsolates must be between 0 and 256.");
        }

        if (MaxConcurrentExecutions is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentExecutions), MaxConcurrentExecutions, "V8InterpreterOptions.MaxConcurrentExecutions must be between 1 and 1024.");
        }

        return this;
    }
}
