using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The step middleware that reviews each code block before it runs: it previews the block's tool calls (the
/// interpreter's <see cref="ICallPreviewer"/>), asks the reviewer, and runs the block only when the answer is
/// approve. A rejection is returned as the block's result (<see cref="ExecutionStatus.PolicyViolation"/>,
/// <see cref="ErrorKind.Rejected"/>, "The code was not run: reason (reviewer: name)"), so it becomes the model's
/// observation and the model may try again. Add it with <c>CodeActBuilder.UseCodeReviewer(...)</c> or pass it to the
/// agent's constructor as a step middleware.
/// </summary>
/// <remarks>
/// <para>
/// An <see cref="ReviewVerdict.AskHuman"/> answer goes to the human reviewer; without one, or when the human also
/// answers <see cref="ReviewVerdict.AskHuman"/>, the code is rejected with a reason saying that a human's approval was
/// required and none was given. A reviewer (or human) that throws or answers <see langword="null"/> gets the
/// <see cref="ReviewFailurePolicy"/>'s decision, with a reason naming the reviewer and what went wrong; only the
/// run's own cancellation propagates.
/// </para>
/// <para>
/// Each decision is recorded on the step: an <c>codeact.review</c> event on the <c>codeact.step</c> span (tags
/// <c>codeact.review.reviewer</c>, <c>.verdict</c>, <c>.reason</c>, <c>.failed</c>, <c>codeact.block.index</c>), and
/// <see cref="AgentStep.Reviews"/>. In a durable run, a step replayed from the journal is not reviewed again: a block
/// the journal holds as rejected is rejected again with the journaled message, the others run as they did. A step
/// whose turn was journaled but which did not finish is reviewed again, since its decision was not journaled.
/// </para>
/// <para>Holds settings only; thread-safe.</para>
/// </remarks>
public sealed class CodeReview : IAgentStepMiddleware
{
    /// <summary>How every rejection's message starts; a replay recognises journaled rejections by it.</summary>
    public const string RejectionPrefix = "The code was not run: ";

    private const string NoHumanReviewer = "code-review";

    private readonly ICodeReviewer _reviewer;
    private readonly ICodeReviewer? _human;
    private readonly ReviewFailurePolicy _failurePolicy;
    private readonly TimeProvider _time;

    /// <summary>Creates the middleware.</summary>
    /// <param name="reviewer">Reviews every code block first.</param>
    /// <param name="human">Decides when <paramref name="reviewer"/> asks a human; none when <see langword="null"/> (such code is rejected).</param>
    /// <param name="failurePolicy">What a failing reviewer's decision is; <see cref="ReviewFailurePolicy.Reject"/> by default.</param>
    /// <param name="timeProvider">The clock for <see cref="ReviewDecision.DecidedAt"/>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="reviewer"/> is <see langword="null"/>.</exception>
    public CodeReview(ICodeReviewer reviewer, ICodeReviewer? human = null, ReviewFailurePolicy failurePolicy = ReviewFailurePolicy.Reject, TimeProvider? timeProvider = null)
    {
        _reviewer = reviewer ?? throw new ArgumentNullException(nameof(reviewer));
        _human = human;
        _failurePolicy = failurePolicy;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async Task<AgentStep> InvokeAsync(AgentStepContext context, AgentStepHandler next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var journaled = context.Replaying ? context.Durable?.JournaledStep(context.Number) : null;
        var decisions = new List<ReviewDecision>();
        context.Interpreter = journaled is not null
            ? new ReplayedReviewSession(context.Interpreter, journaled)
            : new ReviewedSession(context.Interpreter, this, context, decisions);
        var step = await next(context, cancellationToken).ConfigureAwait(false);
        return decisions.Count == 0 ? step : step with { Reviews = [.. step.Reviews, .. decisions] };
    }

    /// <summary>Reviews one block and returns the decisions taken (the reviewer's, then the human's if asked); the last one holds.</summary>
    private async Task<ReviewDecision> ReviewAsync(CodeReviewRequest request, List<ReviewDecision> decisions, CancellationToken cancellationToken)
    {
        var decision = await AskAsync(_reviewer, request, decisions, cancellationToken).ConfigureAwait(false);
        if (decision.Verdict != ReviewVerdict.AskHuman)
        {
            return decision;
        }

        if (_human is null)
        {
            return Record(ReviewDecision.Reject(NoHumanReviewer, $"a human's approval was required ({decision.Reason}), and no human reviewer is available"), request, decisions);
        }

        var human = await AskAsync(_human, request, decisions, cancellationToken).ConfigureAwait(false);
        return human.Verdict == ReviewVerdict.AskHuman
            ? Record(ReviewDecision.Reject(NoHumanReviewer, $"a human's approval was required ({decision.Reason}), and the human reviewer did not decide"), request, decisions)
            : human;
    }

    private async Task<ReviewDecision> AskAsync(ICodeReviewer reviewer, CodeReviewRequest request, List<ReviewDecision> decisions, CancellationToken cancellationToken)
    {
        var name = NameOf(reviewer);
        ReviewDecision decision;
        try
        {
            decision = await reviewer.ReviewAsync(request, cancellationToken).ConfigureAwait(false)
                ?? Failed(name, "it answered null instead of a decision");
            if (string.IsNullOrWhiteSpace(decision.Reviewer))
            {
                decision = decision with { Reviewer = name };
            }

            if (!Enum.IsDefined(decision.Verdict) || string.IsNullOrWhiteSpace(decision.Reason))
            {
                decision = Failed(name, $"it answered a decision without a valid verdict and reason (verdict {decision.Verdict})");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            decision = Failed(name, $"{e.GetType().Name}: {e.Message}");
        }

        return Record(decision, request, decisions);
    }

    private ReviewDecision Failed(string reviewer, string what) =>
        new(_failurePolicy == ReviewFailurePolicy.Approve ? ReviewVerdict.Approve : ReviewVerdict.Reject, $"the reviewer failed ({what}); the failure policy is to {(_failurePolicy == ReviewFailurePolicy.Approve ? "approve" : "reject")}", reviewer)
        {
            IsFailure = true,
        };

    private ReviewDecision Record(ReviewDecision decision, CodeReviewRequest request, List<ReviewDecision> decisions)
    {
        decision = decision with { DecidedAt = _time.GetUtcNow(), BlockIndex = request.BlockIndex };
        decisions.Add(decision);
        var step = Activity.Current;
        while (step is not null && step.OperationName != CodeActTags.StepActivity)
        {
            step = step.Parent;
        }

        (step ?? Activity.Current)?.AddEvent(new ActivityEvent(CodeActTags.ReviewEvent, decision.DecidedAt, new ActivityTagsCollection
        {
            [CodeActTags.ReviewReviewer] = decision.Reviewer,
            [CodeActTags.ReviewVerdict] = decision.Verdict.ToString(),
            [CodeActTags.ReviewReason] = decision.Reason,
            [CodeActTags.ReviewFailed] = decision.IsFailure,
            [CodeActTags.BlockIndex] = decision.BlockIndex,
        }));
        return decision;
    }

    private static string NameOf(ICodeReviewer reviewer) => reviewer switch
    {
        RuleBasedCodeReviewer rules => rules.Name,
        ChatClientCodeReviewer model => model.Name,
        DelegateCodeReviewer callback => callback.Name,
        _ => reviewer.GetType().Name,
    };

    internal static ExecutionResult Rejected(string message) => new()
    {
        Status = ExecutionStatus.PolicyViolation,
        Error = new ExecutionError(ErrorKind.Rejected, message),
    };

    /// <summary>The step's session, reviewing each block before passing it on.</summary>
    private sealed class ReviewedSession(IInterpreterSession inner, CodeReview review, AgentStepContext context, List<ReviewDecision> decisions) : DelegatingInterpreterSession(inner)
    {
        private int _blockIndex;

        public override async Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
        {
            var request = CreateRequest(code, _blockIndex++, cancellationToken);
            var decision = await review.ReviewAsync(request, decisions, cancellationToken).ConfigureAwait(false);
            return decision.Verdict == ReviewVerdict.Approve
                ? await base.ExecuteAsync(code, cancellationToken).ConfigureAwait(false)
                : Rejected($"{RejectionPrefix}{decision.Reason} (reviewer: {decision.Reviewer}).");
        }

        protected override ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

        private CodeReviewRequest CreateRequest(string code, int blockIndex, CancellationToken cancellationToken)
        {
            var agent = context.Session.Owner;
            IReadOnlyList<AIFunction> tools = context.Session.Plan is { } plan ? [.. agent.Tools, plan.Tool] : agent.Tools;
            CallPreview preview;
            if (agent.Interpreter.GetService<ICallPreviewer>() is { } previewer)
            {
                try
                {
                    preview = previewer.Preview(code, tools, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    preview = Unknown($"the call preview failed ({e.GetType().Name}: {e.Message}), so any tool may be called");
                }
            }
            else
            {
                preview = Unknown($"the {agent.Language.Name} interpreter offers no call preview, so any tool may be called");
            }

            return new CodeReviewRequest
            {
                Code = code,
                Language = agent.Language,
                Tools = tools,
                Preview = preview,
                StepNumber = context.Number,
                BlockIndex = blockIndex,
                Task = context.History.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? "",
            };
        }

        private static CallPreview Unknown(string reason) => new() { Dynamic = [new DynamicReach(DynamicReachKind.UnknownCallee, reason, 1, 1, "")] };
    }

    /// <summary>A replayed step's session: blocks journaled as rejected are rejected again; the others run (their tool calls served from the journal).</summary>
    private sealed class ReplayedReviewSession(IInterpreterSession inner, JournaledStep journaled) : DelegatingInterpreterSession(inner)
    {
        private int _blockIndex;

        public override Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
        {
            var index = _blockIndex++;
            return index < journaled.Executions.Count && journaled.Executions[index] is { Status: ExecutionStatus.PolicyViolation, Error: { } error } && error.StartsWith(RejectionPrefix, StringComparison.Ordinal)
                ? Task.FromResult(Rejected(error))
                : base.ExecuteAsync(code, cancellationToken);
        }

        protected override ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;
    }
}
