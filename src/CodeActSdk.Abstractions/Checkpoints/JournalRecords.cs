using System.Text.Json;

namespace CodeActSdk;

/// <summary>A durable session as its store lists it.</summary>
/// <param name="Id">The session's id, chosen by the host (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>; at most 128).</param>
/// <param name="Task">The task the run was given.</param>
/// <param name="Language">The language of the interpreter that ran it, for example <c>JavaScript</c>; a resume must use the same.</param>
/// <param name="Created">When the run started.</param>
/// <param name="Updated">When the last entry was appended.</param>
/// <param name="Entries">How many entries the journal holds.</param>
/// <param name="Finished">Whether the run ended (a final answer, or the step budget).</param>
/// <param name="FormatVersion">The journal format it was written in (<see cref="JournalCodec.FormatVersion"/>).</param>
public sealed record CheckpointSession(
    string Id,
    string Task,
    string Language,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    long Entries = 0,
    bool Finished = false,
    int FormatVersion = JournalCodec.FormatVersion);

/// <summary>A session and its whole journal, checked.</summary>
/// <param name="Session">The session.</param>
/// <param name="Entries">Its entries in order; <see cref="JournalEntry.Sequence"/> runs 1, 2, 3, ….</param>
public sealed record CheckpointJournal(CheckpointSession Session, IReadOnlyList<JournalEntry> Entries);

/// <summary>What a journal entry records.</summary>
public enum JournalEntryKind
{
    /// <summary>The model's answer for a step (<see cref="JournalEntry.ModelText"/>), written before its code runs.</summary>
    ModelTurn,

    /// <summary>A tool call the code made and its result (<see cref="JournalEntry.ToolCall"/>), written when the tool returned.</summary>
    ToolCall,

    /// <summary>A finished step (<see cref="JournalEntry.Completed"/>): written before the step counts as done.</summary>
    StepCompleted,

    /// <summary>A tool call or code block that waits for a person's approval (<see cref="JournalEntry.ApprovalRequest"/>), written as the run is suspended.</summary>
    ApprovalRequested,

    /// <summary>A decision about code or a call (<see cref="JournalEntry.Decision"/>): a reviewer's, or the approval of a request.</summary>
    Decision,
}

/// <summary>One entry of a session's journal. Exactly the member named by <see cref="Kind"/> is set.</summary>
public sealed record JournalEntry
{
    /// <summary>Its position in the journal, from 1, without gaps.</summary>
    public required long Sequence { get; init; }

    /// <summary>What it records.</summary>
    public required JournalEntryKind Kind { get; init; }

    /// <summary>The step it belongs to, from 1.</summary>
    public required int Step { get; init; }

    /// <summary>When it was written.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The model's whole answer, for <see cref="JournalEntryKind.ModelTurn"/>.</summary>
    public string? ModelText { get; init; }

    /// <summary>
    /// How the model handed over its code, for <see cref="JournalEntryKind.ModelTurn"/>: the <c>CodeFormat</c>'s name
    /// (<c>Json</c>, <c>ToolCall</c>), from which <see cref="ModelText"/> is read again on resume; <see langword="null"/> for
    /// fenced code blocks (and in journals written before formats existed).
    /// </summary>
    public string? ModelTurnFormat { get; init; }

    /// <summary>The call, for <see cref="JournalEntryKind.ToolCall"/>.</summary>
    public JournaledToolCall? ToolCall { get; init; }

    /// <summary>The step's outcome, for <see cref="JournalEntryKind.StepCompleted"/>.</summary>
    public JournaledStep? Completed { get; init; }

    /// <summary>What waits for approval, for <see cref="JournalEntryKind.ApprovalRequested"/>.</summary>
    public JournaledApprovalRequest? ApprovalRequest { get; init; }

    /// <summary>Who decided what and why, for <see cref="JournalEntryKind.Decision"/>.</summary>
    public JournaledDecision? Decision { get; init; }
}

/// <summary>A tool call or code block that waits for a person's approval, as journaled.</summary>
/// <param name="Id">The request's id within the session, for example <c>3.call1</c> (step 3, its first call that needed approval) or <c>3.block0</c>.</param>
/// <param name="Reason">Why approval is needed.</param>
/// <param name="Code">The code block that makes the call, or the block itself.</param>
/// <param name="ToolName">The tool, for a call; null for a code block.</param>
/// <param name="Arguments">The call's arguments as the code passed them; null for a code block.</param>
public sealed record JournaledApprovalRequest(string Id, string Reason, string Code, string? ToolName = null, JsonElement? Arguments = null);

/// <summary>A decision as journaled: a code reviewer's (with <see cref="BlockIndex"/>) or a person's about an approval request (with <see cref="RequestId"/>).</summary>
/// <param name="Verdict">What was decided: <c>Approve</c>, <c>Reject</c> or (a reviewer's) <c>AskHuman</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="DecidedBy">Who decided: a reviewer's name, or the person's.</param>
/// <param name="DecidedAt">When.</param>
/// <param name="BlockIndex">The reviewed code block's index within the step's turn, for a review.</param>
/// <param name="RequestId">The <see cref="JournaledApprovalRequest.Id"/> decided, for an approval.</param>
/// <param name="Arguments">The arguments the call is to run with instead, when the person edited them.</param>
/// <param name="IsFailure">Whether the decision was a failure policy's, because the reviewer or approver failed.</param>
/// <param name="Answer">The person's answer, returned as the call's result instead of running the tool (a question).</param>
public sealed record JournaledDecision(
    string Verdict,
    string Reason,
    string DecidedBy,
    DateTimeOffset DecidedAt,
    int? BlockIndex = null,
    string? RequestId = null,
    JsonElement? Arguments = null,
    bool IsFailure = false,
    string? Answer = null);

/// <summary>A tool call as journaled: replaying serves <see cref="Result"/> (or throws <see cref="Error"/>) instead of calling the tool.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Arguments">Its arguments, as the tool received them.</param>
/// <param name="Result">What it returned, as JSON; null when it failed or returned nothing.</param>
/// <param name="Error">The failure's message, when it failed.</param>
/// <param name="ArgumentError">Whether the failure was about the arguments (it reads differently to the code).</param>
public sealed record JournaledToolCall(string Name, JsonElement Arguments, JsonElement? Result, string? Error = null, bool ArgumentError = false);

/// <summary>A finished step as journaled.</summary>
/// <param name="Observation">What the model was shown next.</param>
/// <param name="Executions">What each code block did, compared when the step is replayed.</param>
/// <param name="Outcome">How the run ended with this step, or null when it went on.</param>
/// <param name="FinalAnswer">The answer, when the step gave one.</param>
/// <param name="AnswerMismatches">In a typed run, why the step's answer was not taken (each <c>path: what is wrong</c>); null otherwise.</param>
public sealed record JournaledStep(string Observation, IReadOnlyList<JournaledExecution> Executions, AgentOutcome? Outcome = null, JsonElement? FinalAnswer = null, IReadOnlyList<string>? AnswerMismatches = null);

/// <summary>What one code block did, in the terms a replay must reproduce.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Stdout">What it printed.</param>
/// <param name="Value">Its value, as JSON.</param>
/// <param name="Error">Its error message, when it failed.</param>
public sealed record JournaledExecution(ExecutionStatus Status, string Stdout, JsonElement? Value, string? Error)
{
    /// <summary>The record of <paramref name="result"/>.</summary>
    public static JournaledExecution From(ExecutionResult result) =>
        new(result.Status, result.Stdout, result.Value, result.Error?.Message);
}
