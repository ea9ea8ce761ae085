using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The human-proxy tool <c>ask_human(question)</c>: the code asks a person and gets their answer as the call's result.
/// It is a tool that needs approval, answered with <see cref="ApprovalDecision.Reply"/>: an in-line
/// <see cref="IToolApprover"/> answers at once, and a durable run with nobody to answer is suspended
/// (<see cref="AgentOutcome.AwaitingApproval"/>, the question in <see cref="AgentResult.PendingApproval"/>) until it is
/// resumed with the answer, exactly like an approval. Add it with <c>CodeActBuilder.AddAskHuman()</c>.
/// </summary>
public static class AskHuman
{
    /// <summary>The tool's name.</summary>
    public const string ToolName = "ask_human";

    /// <summary>Creates the tool.</summary>
    /// <returns>A new <c>ask_human</c> tool.</returns>
    public static AIFunction CreateTool() => new ApprovalRequiredAIFunction(AIFunctionFactory.Create(
        ([Description("The question, with what the person needs to know to answer it.")] string question) =>
            "(the person approved the question but gave no answer)",
        ToolName,
        "Asks a person a question and returns their answer as text. Use it when only a person can decide or knows the answer; the run may pause until they answer."));
}
