namespace CodeActSdk;

/// <summary>A reviewer's answer.</summary>
public enum ReviewVerdict
{
    /// <summary>The code may run.</summary>
    Approve,

    /// <summary>The code must not run; the reason is sent to the model as the observation.</summary>
    Reject,

    /// <summary>A human must decide (the <see cref="CodeReview"/>'s human reviewer; a rejection when there is none).</summary>
    AskHuman,
}

/// <summary>One review decision: who decided what, why and when.</summary>
/// <param name="Verdict">What was decided.</param>
/// <param name="Reason">Why, in a sentence for the model (on a rejection) and the host.</param>
/// <param name="Reviewer">Who decided: the reviewer's name.</param>
public sealed record ReviewDecision(ReviewVerdict Verdict, string Reason, string Reviewer)
{
    /// <summary>
    /// When the decision was taken, by the <see cref="CodeReview"/>'s clock (its <see cref="TimeProvider"/>); the
    /// middleware sets it as it records the decision, so a reviewer may leave it at its default.
    /// </summary>
    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>Whether the decision was not the reviewer's but the <see cref="ReviewFailurePolicy"/>'s, because the reviewer failed.</summary>
    public bool IsFailure { get; init; }

    /// <summary>The index of the code block the decision is about, within the step's turn (set by <see cref="CodeReview"/>).</summary>
    public int BlockIndex { get; init; }

    /// <summary>An approval.</summary>
    /// <param name="reviewer">The reviewer's name.</param>
    /// <param name="reason">Why; optional.</param>
    /// <returns>The decision.</returns>
    public static ReviewDecision Approve(string reviewer, string reason = "approved") => new(ReviewVerdict.Approve, reason, reviewer);

    /// <summary>A rejection; <paramref name="reason"/> is sent to the model.</summary>
    /// <param name="reviewer">The reviewer's name.</param>
    /// <param name="reason">Why the code must not run, and if possible what to do instead.</param>
    /// <returns>The decision.</returns>
    public static ReviewDecision Reject(string reviewer, string reason) => new(ReviewVerdict.Reject, reason, reviewer);

    /// <summary>A request for a human's decision.</summary>
    /// <param name="reviewer">The reviewer's name.</param>
    /// <param name="reason">What the human should look at.</param>
    /// <returns>The decision.</returns>
    public static ReviewDecision AskHuman(string reviewer, string reason) => new(ReviewVerdict.AskHuman, reason, reviewer);
}
