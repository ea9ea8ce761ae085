using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>One step of a run: the model's answer, the code that ran, what it did and the observation sent back.</summary>
public sealed record AgentStep
{
    /// <summary>The step's number, starting at 1.</summary>
    public required int Number { get; init; }

    /// <summary>The model's whole answer, prose and code.</summary>
    public required string ModelText { get; init; }

    /// <summary>The code blocks that ran, in order; empty when none ran (no code, or code in another language).</summary>
    public IReadOnlyList<CodeBlock> Code { get; init; } = [];

    /// <summary>The results of the blocks in <see cref="Code"/>, in the same order.</summary>
    public IReadOnlyList<ExecutionResult> Executions { get; init; } = [];

    /// <summary>How many of the turn's runnable blocks did not run because an earlier one failed or answered.</summary>
    internal int BlocksNotRun { get; init; }

    /// <summary>
    /// The observation of this step, as sent to the model (without the <c>Observation:</c> prefix) and truncated to
    /// <see cref="CodeActOptions.MaxObservationChars"/>. On the final step it is not sent, but still describes what happened.
    /// </summary>
    public required string Observation { get; init; }

    /// <summary>The tool calls of all executions of this step, in order.</summary>
    public IReadOnlyList<ToolCallRecord> ToolCalls { get; init; } = [];

    /// <summary>How long the model took to answer.</summary>
    public TimeSpan ModelDuration { get; init; }

    /// <summary>How long the executions of this step took in total.</summary>
    public TimeSpan ExecutionDuration { get; init; }

    /// <summary>The token usage of this step, when reported: the model's, and its sub-agents' (<see cref="Delegations"/>).</summary>
    public UsageDetails? Usage { get; init; }

    /// <summary>The value passed to <c>final_answer(...)</c> in this step, or <see langword="null"/>.</summary>
    public JsonElement? FinalAnswer { get; init; }

    /// <summary>The state digest after this step (see <see cref="CodeActOptions.ShowStateDigest"/>); empty when it is off.</summary>
    public IReadOnlyList<VariableSummary> Variables { get; init; } = [];

    /// <summary>The plan after this step, when <see cref="CodeActOptions.EnablePlan"/> is on; otherwise empty.</summary>
    public IReadOnlyList<PlanItem> Plan { get; init; } = [];

    /// <summary>How the run ended when this is its last step; <see langword="null"/> when the run continues.</summary>
    public AgentOutcome? Outcome { get; init; }

    /// <summary>
    /// The review decisions taken before this step's code ran (see <see cref="CodeReview"/>), in order: one per code block,
    /// and the human's after a reviewer asked for one. Empty when no reviewer is configured. A step replayed from a
    /// durable run's journal has the decisions the journal holds (nobody is asked again).
    /// </summary>
    public IReadOnlyList<ReviewDecision> Reviews { get; init; } = [];

    /// <summary>
    /// The calls of this step to tools that need approval (<see cref="Microsoft.Extensions.AI.ApprovalRequiredAIFunction"/>),
    /// with the decision each got, in order. A replayed step has the journaled decisions.
    /// </summary>
    public IReadOnlyList<ToolApproval> Approvals { get; init; } = [];

    /// <summary>
    /// What this step stopped at to wait for a person's approval, when <see cref="Outcome"/> is
    /// <see cref="AgentOutcome.AwaitingApproval"/>; otherwise <see langword="null"/>.
    /// </summary>
    public ApprovalRequest? PendingApproval { get; init; }

    /// <summary>
    /// The tasks this step's code gave to other agents (<see cref="AgentTool"/>), with their answers, steps and
    /// tokens, in order; their tokens are also in <see cref="Usage"/>. Empty when it delegated nothing.
    /// </summary>
    public IReadOnlyList<Delegation> Delegations { get; init; } = [];

    /// <summary>The name of the agent that took the step (<see cref="CodeActOptions.Name"/>).</summary>
    public string Agent { get; init; } = "";

    /// <summary>
    /// 0 for a step of the run the host started; 1 for a step of a sub-agent it called (<see cref="AgentTool"/>), which
    /// <see cref="CodeActAgent.RunStreamingAsync"/> streams as it happens, before the calling step; 2 for a sub-agent's
    /// sub-agent, and so on. <see cref="AgentResult.Steps"/> holds only the run's own steps.
    /// </summary>
    public int Depth { get; init; }

    /// <summary>Whether the step was replayed from a durable session's journal when a durable session was resumed (<see cref="AgentRunRequest.Resume(string)"/>) rather than run live.</summary>
    public bool Replayed { get; init; }

    /// <summary>
    /// The model's turn as the generator returned it (or as a resume rebuilt it from the journal): its code blocks, its
    /// format and the messages it adds to the conversation.
    /// </summary>
    public ModelTurn? Turn { get; init; }

    /// <summary>
    /// In a typed run (<see cref="CodeActAgent.RunAsync{T}(AgentRunRequest, CancellationToken)"/>), the final answer read
    /// into the answer type, once it matched; otherwise <see langword="null"/>.
    /// </summary>
    public object? Answer { get; init; }

    /// <summary>In a typed run, what the answer of this step did not match (the step then gave no answer); otherwise empty.</summary>
    public IReadOnlyList<SchemaMismatch> AnswerMismatches { get; init; } = [];
}
