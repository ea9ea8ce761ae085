using System.Text.Json;

namespace CodeActSdk;

/// <summary>
/// The approvals of one step. It numbers the step's requests in the order the code makes them, so that a replay asks
/// the same ids, and decides each one: from the journal when a durable run already holds the decision, else by the
/// in-line <see cref="IToolApprover"/>, else by suspending a durable run (<see cref="Pending"/>) or, in any other run,
/// by rejecting the call with the reason.
/// </summary>
/// <remarks>
/// Created by the agent for every step (<see cref="AgentStepContext"/>) and reached by the tools through
/// <see cref="SessionScope"/>. The code calls tools one at a time; the counters are still updated atomically.
/// </remarks>
internal sealed class StepApprovals(int step, DurableRun? durable, IToolApprover? approver, TimeProvider time)
{
    /// <summary>Who decides when nobody could be asked.</summary>
    public const string AgentDecider = "codeact";

    private readonly List<ToolApproval> _decided = [];
    private int _calls;

    /// <summary>The code block running now, shown to whoever approves its calls.</summary>
    public string CurrentCode { get; set; } = "";

    /// <summary>The request the step stopped at, waiting for a decision; <see langword="null"/> when it did not stop.</summary>
    public ApprovalRequest? Pending { get; private set; }

    /// <summary>The step's tool calls that needed approval, with their decisions, in order.</summary>
    public IReadOnlyList<ToolApproval> Decided
    {
        get
        {
            lock (_decided)
            {
                return [.. _decided];
            }
        }
    }

    /// <summary>Decides a call to <paramref name="tool"/>; <see langword="null"/> when the run must stop to wait for the decision.</summary>
    public Task<ApprovalDecision?> DecideCallAsync(string tool, JsonElement arguments, CancellationToken cancellationToken)
    {
        var request = new ApprovalRequest
        {
            Id = $"{step}.call{Interlocked.Increment(ref _calls)}",
            Step = step,
            Reason = $"'{tool}' needs a person's approval for every call",
            Code = CurrentCode,
            ToolName = tool,
            Arguments = arguments,
            RequestedAt = time.GetUtcNow(),
        };
        return DecideAsync(request, approver, cancellationToken);
    }

    /// <summary>
    /// Decides code block <paramref name="blockIndex"/>, which a reviewer sent to a human that did not answer:
    /// from the journal, or <see langword="null"/> when the run must stop to wait. Only durable runs ask.
    /// </summary>
    public Task<ApprovalDecision?> DecideBlockAsync(int blockIndex, string code, string reason, CancellationToken cancellationToken) =>
        DecideAsync(new ApprovalRequest { Id = $"{step}.block{blockIndex}", Step = step, Reason = reason, Code = code, RequestedAt = time.GetUtcNow() }, null, cancellationToken);

    private async Task<ApprovalDecision?> DecideAsync(ApprovalRequest request, IToolApprover? inline, CancellationToken cancellationToken)
    {
        var journaled = durable?.ApprovalRequestOf(request.Id);
        if (journaled is not null)
        {
            if (journaled.Value.Request.ToolName != request.ToolName || !SameJson(journaled.Value.Request.Arguments, request.Arguments))
            {
                var why = $"step {step} asked approval {request.Id} for {Describe(request.ToolName, request.Arguments)} where the journal holds {Describe(journaled.Value.Request.ToolName, journaled.Value.Request.Arguments)}";
                durable!.Diverge(why);
                throw new InvalidOperationException($"The replay of this session diverged: {why}.");
            }

            request = request with { RequestedAt = journaled.Value.At };
            if (durable!.DecisionOf(request.Id) is { } decided)
            {
                return Keep(request, JournaledApprovals.ToDecision(decided));
            }
        }

        var decision = inline is null ? null : await AskAsync(inline, request, cancellationToken).ConfigureAwait(false);
        if (durable is null)
        {
            decision ??= ApprovalDecision.Reject(AgentDecider,
                $"{(request.ToolName is { } tool ? $"'{tool}'" : "this code")} needs a person's approval and nobody decided: only a durable run (AgentRunRequest.Durable, with a checkpoint store) can wait for a decision" +
                (inline is null ? ", and the agent has no tool approver (UseToolApprover)" : ", and the tool approver did not decide")) with { IsFailure = true };
        }
        else if (journaled is null)
        {
            await durable.RecordApprovalRequestAsync(step, JournaledApprovals.ToJournal(request)).ConfigureAwait(false);
        }

        if (decision is null)
        {
            Pending = request;
            return null;
        }

        decision = decision.DecidedAt == default ? decision with { DecidedAt = time.GetUtcNow() } : decision;
        if (durable is not null)
        {
            await durable.RecordDecisionAsync(step, JournaledApprovals.ToJournal(request.Id, decision)).ConfigureAwait(false);
        }

        return Keep(request, decision);
    }

    private ApprovalDecision Keep(ApprovalRequest request, ApprovalDecision decision)
    {
        if (request.IsToolCall)
        {
            lock (_decided)
            {
                _decided.Add(new ToolApproval(request, decision));
            }
        }

        return decision;
    }

    private async Task<ApprovalDecision?> AskAsync(IToolApprover inline, ApprovalRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await inline.DecideAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return ApprovalDecision.Reject(AgentDecider, $"the tool approver failed ({e.GetType().Name}: {e.Message}), so the call was rejected") with { IsFailure = true };
        }
    }

    private static bool SameJson(JsonElement? a, JsonElement? b) =>
        a is { } x ? b is { } y && JsonElement.DeepEquals(x, y) : b is null;

    private static string Describe(string? tool, JsonElement? arguments) =>
        tool is null ? "a code block" : $"{tool}({arguments?.GetRawText()})";
}
