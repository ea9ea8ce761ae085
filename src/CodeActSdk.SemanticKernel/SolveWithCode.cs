using System.ComponentModel;

namespace CodeActSdk.SemanticKernel;

/// <summary>The body of the kernel function that hands a task to a <see cref="CodeActAgent"/>.</summary>
internal sealed class SolveWithCode(CodeActAgent agent)
{
    public const string Description =
        "Solves a task by writing and running code in a sandbox, step by step, and returns the answer. Use it for " +
        "calculations, data processing and anything that must be exact; describe the whole task, with the data it needs.";

    [return: Description("The agent's answer, or a sentence saying that it found none and what it saw last.")]
    public async Task<string> SolveAsync(
        [Description("The task, complete and self-contained, as you would give it to a programmer.")] string task,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(task))
        {
            // The calling model's mistake: an answer it can correct, not an exception for the host.
            return "No task was given: call the function again with the task to solve in 'task'.";
        }

        var result = await agent.RunAsync(task, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? result.FinalAnswerText ?? ""
            : $"No answer within {result.Steps.Count} step{(result.Steps.Count == 1 ? "" : "s")}. The last observation was: {result.LastObservation}";
    }
}
