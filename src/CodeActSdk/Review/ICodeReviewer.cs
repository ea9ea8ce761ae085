using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Judges a step's code before it runs: approve it, reject it with a reason (the reason becomes the model's
/// observation, and the model may try again), or ask a human. Plugged into a run by <see cref="CodeReview"/>
/// (<c>CodeActBuilder.UseCodeReviewer(...)</c>).
/// </summary>
/// <remarks>
/// One instance serves every step of every run, concurrently: implementations are thread-safe. A reviewer that
/// throws, or answers <see langword="null"/>, is handled by the <see cref="CodeReview"/>'s
/// <see cref="ReviewFailurePolicy"/>; it never ends the run.
/// </remarks>
public interface ICodeReviewer
{
    /// <summary>Reviews one code block of a step.</summary>
    /// <param name="request">The code, its language, the tools it can reach and its static call preview.</param>
    /// <param name="cancellationToken">Stops the review when the run is cancelled.</param>
    /// <returns>The decision.</returns>
    ValueTask<ReviewDecision> ReviewAsync(CodeReviewRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What a reviewer is asked to judge: one code block of a step, before it runs.</summary>
public sealed record CodeReviewRequest
{
    /// <summary>The code block, as it would be executed.</summary>
    public required string Code { get; init; }

    /// <summary>The language the code is written in (the interpreter's).</summary>
    public required CodeLanguage Language { get; init; }

    /// <summary>The tools the code can reach: the agent's tools, and the plan tool when the plan is on.</summary>
    public IReadOnlyList<AIFunction> Tools { get; init; } = [];

    /// <summary>
    /// The static call preview of <see cref="Code"/> (see <see cref="ICallPreviewer"/>). When the interpreter offers no
    /// previewer, the preview lists no calls and one <see cref="DynamicReach"/> saying so, so that
    /// <see cref="CallPreview.IsComplete"/> is <see langword="false"/> and a careful reviewer treats every tool as reachable.
    /// </summary>
    public required CallPreview Preview { get; init; }

    /// <summary>The step's number, from 1.</summary>
    public int StepNumber { get; init; }

    /// <summary>The index of the code block within the step's turn, from 0.</summary>
    public int BlockIndex { get; init; }

    /// <summary>The run's task as the model was given it (the first user message, with the notes the agent adds); empty when unknown.</summary>
    public string Task { get; init; } = "";
}

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

/// <summary>What <see cref="CodeReview"/> does when a reviewer fails: throws, runs out of time, or answers garbage.</summary>
public enum ReviewFailurePolicy
{
    /// <summary>Reject the code, with an observation naming the reviewer and what went wrong. The default.</summary>
    Reject,

    /// <summary>Let the code run (the decision still records the failure).</summary>
    Approve,
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

/// <summary>A reviewer made from a delegate: a human's callback in an interactive host, or a quick rule.</summary>
/// <param name="name">The reviewer's name, recorded with decisions that do not name one.</param>
/// <param name="review">Reviews a request; for a human, shows it and waits for the answer.</param>
public sealed class DelegateCodeReviewer(string name, Func<CodeReviewRequest, CancellationToken, ValueTask<ReviewDecision>> review) : ICodeReviewer
{
    private readonly Func<CodeReviewRequest, CancellationToken, ValueTask<ReviewDecision>> _review = review ?? throw new ArgumentNullException(nameof(review));

    /// <summary>The reviewer's name.</summary>
    public string Name { get; } = string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A reviewer needs a name.", nameof(name)) : name;

    /// <inheritdoc/>
    public async ValueTask<ReviewDecision> ReviewAsync(CodeReviewRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var decision = await _review(request, cancellationToken).ConfigureAwait(false);
        return decision is not null && string.IsNullOrWhiteSpace(decision.Reviewer) ? decision with { Reviewer = Name } : decision!;
    }
}

/// <summary>A reviewer's failure to decide: it ran out of time or answered something that is not a decision.</summary>
public sealed class CodeReviewException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CodeReviewException()
    {
    }

    /// <summary>Creates the exception with a message saying what went wrong.</summary>
    /// <param name="message">What went wrong.</param>
    public CodeReviewException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public CodeReviewException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
