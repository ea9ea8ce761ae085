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

    /// <summary>The answer of a run's last step, as <see cref="AgentResult.FinalAnswerText"/> words it, or why there is none.</summary>
    public static string AnswerText(AgentStep last, int steps) => last.Outcome switch
    {
        AgentOutcome.FinalAnswer when last.FinalAnswer is { } answer => answer.ValueKind == JsonValueKind.String ? answer.GetString() ?? "" : answer.GetRawText(),
        AgentOutcome.AnsweredWithoutCode => last.ModelText.Trim(),
        _ => NoAnswer(steps, last.Observation),
    };

    public static AgentResponse FromResult(AgentResult result, string agentId, string? authorName)
    {
        List<AIContent> contents = [.. result.Steps.Select(StepContent)];
        contents.Add(new TextContent(result.Succeeded ? result.FinalAnswerText ?? "" : NoAnswer(result.Steps.Count, result.LastObservation)));
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
