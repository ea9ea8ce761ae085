namespace CodeActSdk;

/// <summary>Turns approval requests and decisions (approvals and reviews) into their journal records and back.</summary>
internal static class JournaledApprovals
{
    /// <summary>The last approval request of <paramref name="entries"/> when no decision about it follows.</summary>
    public static ApprovalRequest? PendingIn(IReadOnlyList<JournalEntry> entries)
    {
        var last = entries.LastOrDefault(e => e.Kind == JournalEntryKind.ApprovalRequested);
        return last is null || entries.Any(e => e.Sequence > last.Sequence && e.Decision?.RequestId == last.ApprovalRequest!.Id)
            ? null
            : ToRequest(last.ApprovalRequest!, last.Step, last.At);
    }

    public static JournaledApprovalRequest ToJournal(ApprovalRequest request) =>
        new(request.Id, request.Reason, request.Code, request.ToolName, request.Arguments);

    public static ApprovalRequest ToRequest(JournaledApprovalRequest request, int step, DateTimeOffset at) => new()
    {
        Id = request.Id,
        Step = step,
        Reason = request.Reason,
        Code = request.Code,
        ToolName = request.ToolName,
        Arguments = request.Arguments,
        RequestedAt = at,
    };

    public static JournaledDecision ToJournal(string requestId, ApprovalDecision decision) =>
        new(decision.Approved ? nameof(ReviewVerdict.Approve) : nameof(ReviewVerdict.Reject), decision.Reason, decision.DecidedBy, decision.DecidedAt, RequestId: requestId, Arguments: decision.Arguments, IsFailure: decision.IsFailure, Answer: decision.Answer);

    public static ApprovalDecision ToDecision(JournaledDecision decision)
    {
        var approved = Verdict(decision) switch
        {
            ReviewVerdict.Approve => true,
            ReviewVerdict.Reject => false,
            _ => throw new CheckpointCorruptException($"The journal holds an approval decided as '{decision.Verdict}', which is not a decision. Nothing was changed."),
        };
        var result = !approved
            ? ApprovalDecision.Reject(decision.DecidedBy, decision.Reason)
            : decision.Answer is { } answer ? ApprovalDecision.Reply(decision.DecidedBy, answer)
            : decision.Arguments is { } arguments ? ApprovalDecision.ApproveWithArguments(decision.DecidedBy, arguments, decision.Reason) : ApprovalDecision.Approve(decision.DecidedBy, decision.Reason);
        return result with { DecidedAt = decision.DecidedAt, IsFailure = decision.IsFailure };
    }

    public static JournaledDecision ToJournal(ReviewDecision decision) =>
        new(decision.Verdict.ToString(), decision.Reason, decision.Reviewer, decision.DecidedAt, BlockIndex: decision.BlockIndex, IsFailure: decision.IsFailure);

    public static ReviewDecision ToReview(JournaledDecision decision) =>
        new(Verdict(decision), decision.Reason, decision.DecidedBy) { DecidedAt = decision.DecidedAt, BlockIndex = decision.BlockIndex ?? 0, IsFailure = decision.IsFailure };

    private static ReviewVerdict Verdict(JournaledDecision decision) =>
        Enum.GetNames<ReviewVerdict>().Contains(decision.Verdict, StringComparer.Ordinal)
            ? Enum.Parse<ReviewVerdict>(decision.Verdict)
            : throw new CheckpointCorruptException($"The journal holds a decision with the unknown verdict '{decision.Verdict}'. Nothing was changed.");
}
