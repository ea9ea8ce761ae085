namespace CodeActSdk.Roslyn;

/// <summary>Settings of a <see cref="RoslynInterpreter"/> (the per-session limits are in <see cref="SandboxOptions"/>).</summary>
public sealed record RoslynInterpreterOptions
{
    /// <summary>What .NET API the code may use; checked on the semantic model before anything runs. Default <see cref="CSharpApiPolicy.Default"/>.</summary>
    public CSharpApiPolicy Policy { get; init; } = CSharpApiPolicy.Default;

    /// <summary>Executions (compiling included) that may run at the same time; more wait their turn. Default twice the processor count, at least 4.</summary>
    public int MaxConcurrentExecutions { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>
    /// How long compiling one submission may take; past it the result is <see cref="ExecutionStatus.Timeout"/>.
    /// Compiling is not counted in <see cref="SandboxOptions.Timeout"/>, which limits running the code: the first
    /// compilation in a process includes loading the compiler (around a second). Default 10 s.
    /// </summary>
    /// <remarks>
    /// Roslyn observes this limit only between top-level statements and members (one statement is bound without
    /// interruption), so before anything is bound the sandbox refuses code that one statement could make the compiler
    /// run away with: huge constant strings, lambdas nested in overloaded calls, deep nesting, long queries, types that
    /// double (the limits are in docs/security.md; a statement at those limits compiles in well under a second). A
    /// compilation therefore ends within this time plus at most one such statement. Whatever happens, the caller gets
    /// a result by <see cref="SandboxOptions.Timeout"/> + this + 2 s; in a worker process
    /// (<see cref="SandboxIsolation.Process"/>) the host kills the worker if it has not answered shortly after that.
    /// </remarks>
    public TimeSpan MaxCompileTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Characters of one submission; longer code is refused as a syntax error. Default 100,000.</summary>
    public int MaxSourceChars { get; init; } = 100_000;

    /// <summary>
    /// The clock of the watchdog that answers for an execution stuck in a single library call, where no guard runs:
    /// it gives up on such an execution <see cref="AbandonGrace"/> after its time limit (or after the host cancelled
    /// it), and the session goes on with fresh variables. The guards themselves always use the system clock. Default
    /// <see cref="TimeProvider.System"/>; tests pass a fake clock to reach the deadline without waiting for it.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// How long past its time limit (or past the host's cancellation) an execution may stay inside a single library
    /// call before the session gives up on it and answers. The guards stop code that runs between library calls at the
    /// deadline itself; this allowance only lets a call that is about to return do so, and covers a collection pause.
    /// While the code is still being compiled, <see cref="MaxCompileTime"/> plus this grace applies instead. Default 1 s.
    /// </summary>
    public TimeSpan AbandonGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks the settings and throws if one is out of range.</summary>
    /// <exception cref="ArgumentNullException"><see cref="Policy"/> or <see cref="TimeProvider"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public RoslynInterpreterOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(Policy);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (MaxConcurrentExecutions is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentExecutions), MaxConcurrentExecutions, "RoslynInterpreterOptions.MaxConcurrentExecutions must be between 1 and 1024.");
        }

        if (MaxCompileTime <= TimeSpan.Zero || MaxCompileTime > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCompileTime), MaxCompileTime, "RoslynInterpreterOptions.MaxCompileTime must be between 0 and 10 minutes.");
        }

        if (AbandonGrace < TimeSpan.Zero || AbandonGrace > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(AbandonGrace), AbandonGrace, "RoslynInterpreterOptions.AbandonGrace must be between 0 and 1 minute.");
        }

        if (MaxSourceChars is < 1 or > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSourceChars), MaxSourceChars, "RoslynInterpreterOptions.MaxSourceChars must be between 1 and 10,000,000.");
        }

        return this;
    }
}
