namespace CodeActSdk;

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
