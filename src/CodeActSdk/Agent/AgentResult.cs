using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>The result of a run: how it ended, the answer, every step and the totals.</summary>
public record AgentResult
{
    /// <summary>How the run ended.</summary>
    public required AgentOutcome Outcome { get; init; }

    /// <summary>The value passed to <c>final_answer(...)</c> as JSON, when <see cref="Outcome"/> is <see cref="AgentOutcome.FinalAnswer"/>; otherwise <see langword="null"/>.</summary>
    public JsonElement? FinalAnswer { get; init; }

    /// <summary>
    /// The answer as text: the string itself when <see cref="FinalAnswer"/> is a JSON string, otherwise its JSON text;
    /// the model's text when <see cref="Outcome"/> is <see cref="AgentOutcome.AnsweredWithoutCode"/>;
    /// <see langword="null"/> when the run reached its step budget or waits for an approval.
    /// </summary>
    public string? FinalAnswerText { get; init; }

    /// <summary>Every step of the run, in order.</summary>
    public required IReadOnlyList<AgentStep> Steps { get; init; }

    /// <summary>The observation of the last step; useful to see where a run that reached its budget stood.</summary>
    public required string LastObservation { get; init; }

    /// <summary>The conversation of the run as it stands at the end: system prompt, task, and each answer and observation.</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>The token usage summed over all steps; <see langword="null"/> when the model reported none.</summary>
    public UsageDetails? Usage { get; init; }

    /// <summary>The wall-clock time of the run.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The plan as the run left it, when <see cref="CodeActOptions.EnablePlan"/> is on; otherwise empty.</summary>
    public IReadOnlyList<PlanItem> Plan { get; init; } = [];

    /// <summary>Every file under <c>out/</c> when the run ended (tables, reports, <c>.vl.json</c> charts), for the host to offer.</summary>
    public IReadOnlyList<Artifact> Artifacts { get; init; } = [];

    /// <summary>
    /// What the run waits for when <see cref="Outcome"/> is <see cref="AgentOutcome.AwaitingApproval"/>: resume the
    /// session with the decision (<see cref="AgentRunRequest.Resume(string, ApprovalDecision)"/>). Otherwise <see langword="null"/>.
    /// </summary>
    public ApprovalRequest? PendingApproval { get; init; }

    /// <summary>
    /// In a typed run that ended with <see cref="AgentOutcome.AnswerRejected"/>, what its last answer did not match
    /// (path, expected type, missing property); otherwise empty.
    /// </summary>
    public IReadOnlyList<SchemaMismatch> AnswerMismatches { get; init; } = [];

    /// <summary>Whether the run produced an answer (by <c>final_answer</c> or, when allowed, in prose).</summary>
    public bool Succeeded => Outcome is AgentOutcome.FinalAnswer or AgentOutcome.AnsweredWithoutCode;
}
