namespace CodeActSdk;

/// <summary>The settings of a <see cref="TieredMemoryPolicy"/>; every value has a validated default.</summary>
public sealed record TieredMemoryOptions
{
    /// <summary>
    /// How many steps before the latest one are kept in compact form (the model's text and code, and a short
    /// observation); older steps are summarised. At least 0. Default 4.
    /// </summary>
    public int RecentTurns { get; init; } = 4;

    /// <summary>The longest a compact observation may be, in characters. At least 100. Default 600.</summary>
    public int MaxObservationChars { get; init; } = 600;

    /// <summary>How many of an observation's first lines a compact observation keeps. At least 1. Default 5.</summary>
    public int ObservationHeadLines { get; init; } = 5;

    /// <summary>How many of an observation's last lines a compact observation keeps. At least 0. Default 5.</summary>
    public int ObservationTailLines { get; init; } = 5;

    /// <summary>
    /// The longest a line of a compact observation may be, in characters; longer lines (typically a printed tool
    /// payload or a large value) are cut with a note. At least 20. Default 240.
    /// </summary>
    public int MaxObservationLineChars { get; init; } = 240;

    /// <summary>
    /// The longest the running summary may be, in estimated tokens (by <see cref="Estimator"/>); the summariser is
    /// asked to stay within it and a longer answer is cut. At least 50. Default 500.
    /// </summary>
    public int MaxSummaryTokens { get; init; } = 500;

    /// <summary>
    /// How many steps are summarised at once. With 1 (the default) the summariser is called each time one step leaves
    /// the compact window; with a larger batch, steps wait in the window (up to <see cref="RecentTurns"/> plus the
    /// batch minus one of them) and are summarised together, trading prompt size for fewer summariser calls. At
    /// least 1.
    /// </summary>
    public int SummaryBatchSize { get; init; } = 1;

    /// <summary>How long one summariser call may take before the extractive fallback is used. Greater than zero. Default 30 seconds.</summary>
    public TimeSpan SummaryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Converts <see cref="MaxSummaryTokens"/> to characters. Default <see cref="TokenEstimator.Default"/>.</summary>
    public TokenEstimator Estimator { get; init; } = TokenEstimator.Default;

    /// <summary>Checks every value and returns these options.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the exception names the option.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Estimator"/> is <see langword="null"/>.</exception>
    public TieredMemoryOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(RecentTurns);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxObservationChars, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(ObservationHeadLines, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ObservationTailLines);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxObservationLineChars, 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSummaryTokens, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(SummaryBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SummaryTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(Estimator);
        return this;
    }

    internal CompactionLimits CompactionLimits => new(ObservationHeadLines, ObservationTailLines, MaxObservationLineChars, MaxObservationChars);
}
