namespace CodeActSdk.Jint;

/// <summary>Settings of a <see cref="JintInterpreter"/> (the per-session limits are in <see cref="SandboxOptions"/>).</summary>
public sealed record JintInterpreterOptions
{
    /// <summary>
    /// Engines kept built ahead of time so that a new session starts at once; building and hardening one takes about
    /// 50 µs (docs/benchmarks.md). 0 builds each engine when its session is created. Default 4.
    /// </summary>
    public int WarmEngines { get; init; } = 4;

    /// <summary>Executions that may run at the same time; more wait their turn. Default twice the processor count, at least 4.</summary>
    public int MaxConcurrentExecutions { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>Checks the settings and throws if one is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public JintInterpreterOptions Validate()
    {
        if (WarmEngines is < 0 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmEngines), WarmEngines, "JintInterpreterOptions.WarmEngines must be between 0 and 1024.");
        }

        if (MaxConcurrentExecutions is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentExecutions), MaxConcurrentExecutions, "JintInterpreterOptions.MaxConcurrentExecutions must be between 1 and 1024.");
        }

        return this;
    }
}
