namespace CodeActSdk;

/// <summary>The settings of a <see cref="TokenBudgetMemoryPolicy"/>; every value has a validated default.</summary>
public sealed record TokenBudgetMemoryOptions
{
    /// <summary>
    /// The estimated prompt size (by <see cref="Estimator"/>) that the policy keeps under, in tokens. Leave a margin
    /// below the model's context window for the estimate's error and for the answer. At least 100. Default 8,000.
    /// </summary>
    public int MaxPromptTokens { get; init; } = 8000;

    /// <summary>Estimates the size of the prompt. Default <see cref="TokenEstimator.Default"/> (about four characters per token).</summary>
    public TokenEstimator Estimator { get; init; } = TokenEstimator.Default;

    /// <summary>
    /// The room kept for the running summary, in estimated tokens, when the policy has a summariser; a longer summary
    /// is cut. At least 50. Default 500.
    /// </summary>
    public int MaxSummaryTokens { get; init; } = 500;

    /// <summary>
    /// The shortest the latest observation is cut to, in characters, when the system prompt, the task and the latest
    /// step alone exceed <see cref="MaxPromptTokens"/>. At least 100. Default 400.
    /// </summary>
    public int MinLatestObservationChars { get; init; } = 400;

    /// <summary>How long one summariser call may take before the extractive fallback is used. Greater than zero. Default 30 seconds.</summary>
    public TimeSpan SummaryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks every value and returns these options.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the exception names the option.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Estimator"/> is <see langword="null"/>.</exception>
    public TokenBudgetMemoryOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPromptTokens, 100);
        ArgumentNullException.ThrowIfNull(Estimator);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSummaryTokens, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinLatestObservationChars, 100);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SummaryTimeout, TimeSpan.Zero);
        return this;
    }
}
