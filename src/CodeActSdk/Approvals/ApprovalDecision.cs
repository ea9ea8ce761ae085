using System.Text.Json;

namespace CodeActSdk;

/// <summary>A person's (or a tool approver's) decision about an <see cref="ApprovalRequest"/>: who decided what, why and when.</summary>
/// <remarks>Make one with <see cref="Approve"/>, <see cref="Reject"/> or <see cref="ApproveWithArguments"/>. An immutable record; safe to share.</remarks>
public sealed record ApprovalDecision
{
    private ApprovalDecision(bool approved, string decidedBy, string reason, JsonElement? arguments, string? answer = null)
    {
        Answer = answer;
        ArgumentException.ThrowIfNullOrWhiteSpace(decidedBy);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Approved = approved;
        DecidedBy = decidedBy;
        Reason = reason;
        Arguments = arguments;
    }

    /// <summary>Whether the call (or code block) may go ahead.</summary>
    public bool Approved { get; }

    /// <summary>Who decided, for example a user name.</summary>
    public string DecidedBy { get; }

    /// <summary>Why; on a rejection the code (and so the model) is told.</summary>
    public string Reason { get; }

    /// <summary>The arguments the tool is called with instead of the code's, when the person edited them; otherwise <see langword="null"/>.</summary>
    public JsonElement? Arguments { get; }

    /// <summary>
    /// The person's answer, returned to the code as the call's result instead of running the tool: how a question
    /// (<see cref="AskHuman"/>) is answered. <see langword="null"/> for other decisions.
    /// </summary>
    public string? Answer { get; }

    /// <summary>When it was decided; the agent sets it as it records the decision when it is left at its default.</summary>
    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>Whether the decision was not a person's but the agent's, because the approver failed or nobody could be asked.</summary>
    public bool IsFailure { get; init; }

    /// <summary>The call (or code block) may go ahead as written.</summary>
    /// <param name="decidedBy">Who decided.</param>
    /// <param name="reason">Why; optional.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentException"><paramref name="decidedBy"/> or <paramref name="reason"/> is empty.</exception>
    public static ApprovalDecision Approve(string decidedBy, string reason = "approved") => new(true, decidedBy, reason, null);

    /// <summary>Answers a question (<see cref="AskHuman"/>): the code gets <paramref name="answer"/> as the call's result, and no tool runs.</summary>
    /// <param name="decidedBy">Who answered.</param>
    /// <param name="answer">The answer.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentException"><paramref name="decidedBy"/> or <paramref name="answer"/> is empty.</exception>
    public static ApprovalDecision Reply(string decidedBy, string answer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(answer);
        return new(true, decidedBy, "answered", null, answer);
    }

    /// <summary>The call (or code block) must not happen; the code sees the call fail with <paramref name="reason"/>.</summary>
    /// <param name="decidedBy">Who decided.</param>
    /// <param name="reason">Why, and if possible what to do instead: the model reads it.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentException"><paramref name="decidedBy"/> or <paramref name="reason"/> is empty.</exception>
    public static ApprovalDecision Reject(string decidedBy, string reason) => new(false, decidedBy, reason, null);

    /// <summary>The tool call may go ahead with <paramref name="arguments"/> instead of the code's; the code gets that call's result.</summary>
    /// <param name="decidedBy">Who decided.</param>
    /// <param name="arguments">The arguments to call the tool with, a JSON object naming the parameters.</param>
    /// <param name="reason">Why; optional.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentException"><paramref name="arguments"/> is not a JSON object, or <paramref name="decidedBy"/> or <paramref name="reason"/> is empty.</exception>
    public static ApprovalDecision ApproveWithArguments(string decidedBy, JsonElement arguments, string reason = "approved with edited arguments") =>
        arguments.ValueKind == JsonValueKind.Object
            ? new(true, decidedBy, reason, arguments.Clone())
            : throw new ArgumentException($"Edited arguments must be a JSON object naming the tool's parameters, not {arguments.ValueKind}.", nameof(arguments));
}

/// <summary>A tool call that needed approval, and the decision it got; see <see cref="AgentStep.Approvals"/>.</summary>
/// <param name="Request">What was asked.</param>
/// <param name="Decision">What was decided.</param>
public sealed record ToolApproval(ApprovalRequest Request, ApprovalDecision Decision);
