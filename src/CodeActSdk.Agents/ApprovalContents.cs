using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents;

/// <summary>
/// The durable pause for approval in the framework's terms. A CodeAct run that waits for a person's approval
/// (<see cref="AgentOutcome.AwaitingApproval"/>) answers with a <see cref="ToolApprovalRequestContent"/> for the waiting
/// call (or code block, as a call of <see cref="CodeBlockTool"/> with the code); the host answers it the framework's way
/// (<see cref="ToolApprovalRequestContent.CreateResponse"/>), and the next run of the session resumes the durable run with
/// that decision. A question (<see cref="AskHuman"/>) is answered by approving it with the answer as the reason. The request's id names the durable run and the approval, so an answer is never applied to another.
/// </summary>
internal static class ApprovalContents
{
    /// <summary>The name a waiting code block is shown under, as a call with one argument, <c>code</c>.</summary>
    public const string CodeBlockTool = "run_code";

    private const char Separator = '#';

    /// <summary>The request for <paramref name="pending"/>, a waiting approval of durable run <paramref name="durableId"/>.</summary>
    public static ToolApprovalRequestContent Request(string durableId, ApprovalRequest pending)
    {
        var arguments = pending.Arguments is { ValueKind: JsonValueKind.Object } json
            ? json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
            : new Dictionary<string, object?> { ["code"] = pending.Code };
        var call = new FunctionCallContent(pending.Id, pending.ToolName ?? CodeBlockTool, arguments);
        return new ToolApprovalRequestContent(durableId + Separator + pending.Id, call);
    }

    /// <summary>
    /// The decision in the framework's approval answer among <paramref name="messages"/>, and the durable run it is for,
    /// which <paramref name="isThisSessions"/> must accept; <see langword="null"/> when the messages answer no approval.
    /// </summary>
    /// <exception cref="ArgumentException">The messages answer several approvals, or one that is not this session's.</exception>
    public static (string DurableId, ApprovalDecision Decision)? DecisionIn(IEnumerable<ChatMessage> messages, Func<string, bool> isThisSessions)
    {
        var answers = messages.Where(m => m is not null).SelectMany(m => m.Contents.OfType<ToolApprovalResponseContent>().Select(c => (Message: m, Answer: c))).ToList();
        if (answers.Count == 0)
        {
            return null;
        }

        if (answers.Count > 1)
        {
            throw new ArgumentException($"The messages answer {answers.Count} approvals; a CodeAct run waits for one at a time. Answer only the latest request.", "messages");
        }

        var (message, answer) = answers[0];
        var cut = answer.RequestId.LastIndexOf(Separator);
        var durableId = cut > 0 ? answer.RequestId[..cut] : "";
        if (!isThisSessions(durableId))
        {
            throw new ArgumentException($"The approval answered ('{answer.RequestId}') was not asked by this CodeAct session.", "messages");
        }

        var by = message.AuthorName is { Length: > 0 } author ? author : message.Role.Value;
        var reason = string.IsNullOrWhiteSpace(answer.Reason) ? null : answer.Reason;
        var decision = !answer.Approved
            ? ApprovalDecision.Reject(by, reason ?? "rejected")
            : answer.ToolCall is FunctionCallContent { Name: AskHuman.ToolName } && reason is not null
                ? ApprovalDecision.Reply(by, reason)
            : answer.ToolCall is FunctionCallContent { Name: not CodeBlockTool and not AskHuman.ToolName, Arguments: { } edited }
                ? ApprovalDecision.ApproveWithArguments(by, JsonSerializer.SerializeToElement(edited, AIJsonUtilities.DefaultOptions), reason ?? "approved")
                : ApprovalDecision.Approve(by, reason ?? "approved");
        return (durableId, decision);
    }
}
