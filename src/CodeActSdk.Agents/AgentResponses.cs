using System.Globalization;
using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents;

/// <summary>
/// Turns CodeAct steps and results into the framework's responses. Each step becomes a
/// <see cref="TextReasoningContent"/> (the model's text with its code, then the observation) whose
/// <see cref="AIContent.RawRepresentation"/> is the <see cref="AgentStep"/>; the answer is the only
/// <see cref="TextContent"/>, so <see cref="AgentResponse.Text"/> is the answer, whether the run was streamed or not.
/// </summary>
internal static class AgentResponses
{
    public static TextReasoningContent StepContent(AgentStep step) =>
        new($"Step {step.Number.ToString(CultureInfo.InvariantCulture)}:\n{step.ModelText}\n\nObservation:\n{step.Observation}") { RawRepresentation = step };

    /// <summary>
    /// How a run's last step ends the response: the answer, as <see cref="AgentResult.FinalAnswerText"/> words it, or why
    /// there is none; and, when the run waits for an approval, the framework's request for it.
    /// </summary>
    public static IEnumerable<AIContent> Ending(AgentStep last, int steps, string? durableId)
    {
        if (last is { Outcome: AgentOutcome.AwaitingApproval, PendingApproval: { } pending } && durableId is not null)
        {
            yield return new TextContent($"Waiting for approval: {(pending.ToolName is { } tool ? $"a call to '{tool}'" : "a code block")} ({pending.Reason}). Answer the approval request to continue.");
            yield return ApprovalContents.Request(durableId, pending);
            yield break;
        }

        yield return new TextContent(last.Outcome switch
        {
            AgentOutcome.FinalAnswer when last.FinalAnswer is { } answer => answer.ValueKind == JsonValueKind.String ? answer.GetString() ?? "" : answer.GetRawText(),
            AgentOutcome.AnsweredWithoutCode => last.ModelText.Trim(),
            _ => NoAnswer(steps, last.Observation),
        });
    }

    public static AgentResponse FromResult(AgentResult result, string? durableId, string agentId, string? authorName)
    {
        List<AIContent> contents = [.. result.Steps.Select(StepContent)];
        contents.AddRange(Ending(result.Steps[^1], result.Steps.Count, durableId));
        return new AgentResponse(new ChatMessage(ChatRole.Assistant, contents) { AuthorName = authorName, MessageId = NewId() })
        {
            AgentId = agentId,
            ResponseId = NewId(),
            FinishReason = ChatFinishReason.Stop,
            Usage = result.Usage,
            RawRepresentation = result,
        };
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    private static string NoAnswer(int steps, string lastObservation) =>
        $"No final answer within {steps.ToString(CultureInfo.InvariantCulture)} steps. Last observation:\n{lastObservation}";
}
