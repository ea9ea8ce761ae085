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
