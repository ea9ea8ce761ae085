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
/// An <see cref="ReviewVerdict.AskHuman"/> answer goes to the human reviewer (see below when there is none). A reviewer (or human) that throws or answers <see langword="null"/> gets the
/// <see cref="ReviewFailurePolicy"/>'s decision, with a reason naming the reviewer and what went wrong; only the
/// run's own cancellation propagates.
/// </para>
/// <para>
/// Each decision is recorded on the step: an <c>codeact.review</c> event on the <c>codeact.step</c> span (tags
/// <c>codeact.review.reviewer</c>, <c>.verdict</c>, <c>.reason</c>, <c>.failed</c>, <c>codeact.block.index</c>), and
/// <see cref="AgentStep.Reviews"/>. In a durable run each decision is also journaled, and a replayed block is not
/// reviewed again: it gets its journaled decisions.
/// </para>
/// <para>
/// In a durable run, a block sent to a human that nobody decided (no human reviewer, or one that answered
/// <see cref="ReviewVerdict.AskHuman"/>) suspends the run (<see cref="AgentOutcome.AwaitingApproval"/>) with an
/// <see cref="ApprovalRequest"/> for the block; resumed with the decision, the block runs or is rejected. In other runs
/// such a block is rejected, with a reason saying that a human's approval was required and none was given.
/// </para>
/// <para>Holds settings only; thread-safe.</para>
/// </remarks>
public sealed class CodeReview : IAgentStepMiddleware
{
    /// <summary>How every rejection's message starts.</summary>
    public const string RejectionPrefix = "The code was not run: ";

    private const string NoHumanReviewer = "code-review";

    private readonly ICodeReviewer _reviewer;
    private readonly ICodeReviewer? _human;
    private readonly ReviewFailurePolicy _failurePolicy;
    private readonly TimeProvider _time;

    /// <summary>Creates the middleware.</summary>
    /// <param name="reviewer">Reviews every code block first.</param>
    /// <param name="human">Decides when <paramref name="reviewer"/> asks a human; none when <see langword="null"/> (such code is rejected, or waits in a durable run).</param>
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
        var decisions = new List<ReviewDecision>();
        context.Interpreter = new ReviewedSession(context.Interpreter, this, context, decisions);
        var step = await next(context, cancellationToken).ConfigureAwait(false);
        return decisions.Count == 0 ? step : step with { Reviews = [.. step.Reviews, .. decisions] };
    }

    /// <summary>
    /// Decides one block. The reviewer is asked, then the human when the reviewer asks for one, each decision recorded
    /// (and journaled in a durable run); a replayed block gets its journaled decisions instead, and only the answers the
    /// journal lacks are asked. When nobody decided and the run is durable, the block's approval request decides, or
    /// the result is <see langword="null"/>: the run must stop to wait for a person.
    /// </summary>
    private async Task<ReviewDecision?> DecideAsync(AgentStepContext context, string code, int blockIndex, List<ReviewDecision> decisions, CancellationToken cancellationToken)
    {
        var journaled = context.Durable?.ReviewsOf(context.Number, blockIndex).Select(JournaledApprovals.ToReview).ToList() ?? [];
        decisions.AddRange(journaled);
        var request = new Lazy<CodeReviewRequest>(() => CreateRequest(context, code, blockIndex, cancellationToken));
        var decision = journaled.Count > 0 ? journaled[^1] : await AskAsync(context, _reviewer, request.Value, decisions, cancellationToken).ConfigureAwait(false);
        if (decision.Verdict == ReviewVerdict.AskHuman && _human is not null && journaled.Count < 2)
        {
            decision = await AskAsync(context, _human, request.Value, decisions, cancellationToken).ConfigureAwait(false);
        }

        if (decision.Verdict != ReviewVerdict.AskHuman)
        {
            return decision;
        }

        if (context.Durable is null)
        {
            var missing = _human is null ? "no human reviewer is available" : "the human reviewer did not decide";
            return await RecordAsync(context, ReviewDecision.Reject(NoHumanReviewer, $"a human's approval was required ({decision.Reason}), and {missing}"), blockIndex, decisions).ConfigureAwait(false);
        }

        // A durable run can wait: it stops here until a person decides the block (or takes the decision a resume brought).
        var approval = await context.Scope.Approvals.DecideBlockAsync(blockIndex, code, $"a reviewer asked for a human's approval: {decision.Reason}", cancellationToken).ConfigureAwait(false);
        if (approval is null)
        {
            return null;
        }

        var human = new ReviewDecision(approval.Approved ? ReviewVerdict.Approve : ReviewVerdict.Reject, approval.Reason, approval.DecidedBy)
        {
            DecidedAt = approval.DecidedAt,
            BlockIndex = blockIndex,
            IsFailure = approval.IsFailure,
        };
        decisions.Add(human);
        return human;
    }

    private async Task<ReviewDecision> AskAsync(AgentStepContext context, ICodeReviewer reviewer, CodeReviewRequest request, List<ReviewDecision> decisions, CancellationToken cancellationToken)
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

        return await RecordAsync(context, decision, request.BlockIndex, decisions).ConfigureAwait(false);
    }

    private ReviewDecision Failed(string reviewer, string what) =>
        new(_failurePolicy == ReviewFailurePolicy.Approve ? ReviewVerdict.Approve : ReviewVerdict.Reject, $"the reviewer failed ({what}); the failure policy is to {(_failurePolicy == ReviewFailurePolicy.Approve ? "approve" : "reject")}", reviewer)
        {
            IsFailure = true,
        };

    /// <summary>Stamps the decision, adds it to the step's, journals it in a durable run and marks the step's span.</summary>
    private async Task<ReviewDecision> RecordAsync(AgentStepContext context, ReviewDecision decision, int blockIndex, List<ReviewDecision> decisions)
    {
        decision = decision with { DecidedAt = _time.GetUtcNow(), BlockIndex = blockIndex };
        decisions.Add(decision);
        if (context.Durable is { } durable)
        {
            await durable.RecordDecisionAsync(context.Number, JournaledApprovals.ToJournal(decision)).ConfigureAwait(false);
        }

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

    private static CodeReviewRequest CreateRequest(AgentStepContext context, string code, int blockIndex, CancellationToken cancellationToken)
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
            var decision = await review.DecideAsync(context, code, _blockIndex++, decisions, cancellationToken).ConfigureAwait(false);
            return decision switch
            {
                null => new ExecutionResult
                {
                    Status = ExecutionStatus.Cancelled,
                    Error = new ExecutionError(ErrorKind.ApprovalRequired, $"The code was not run yet: it waits for a person's approval (request {context.Scope.Approvals.Pending!.Id})."),
                },
                { Verdict: ReviewVerdict.Approve } => await base.ExecuteAsync(code, cancellationToken).ConfigureAwait(false),
                _ => Rejected($"{RejectionPrefix}{decision.Reason} (reviewer: {decision.Reviewer})."),
            };
        }

        protected override ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;
    }
}
