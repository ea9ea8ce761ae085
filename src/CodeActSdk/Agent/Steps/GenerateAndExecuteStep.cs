using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The innermost step: the memory policy shapes the history, the model writes its turn, and the turn's runnable code
/// blocks run in order until one fails or calls <c>final_answer</c>. The observation it returns is the plain output;
/// <see cref="ObservationComposition"/> adds the rest.
/// </summary>
/// <remarks>Holds settings only; thread-safe.</remarks>
internal sealed class GenerateAndExecuteStep(CodeLanguage language, IChatReducer memory, NoCodeBehavior whenNoCode, TimeProvider time)
{
    public async Task<AgentStep> InvokeAsync(AgentStepContext context, CancellationToken cancellationToken)
    {
        var modelDuration = TimeSpan.Zero;
        var turn = context.Turn;
        if (turn is null)
        {
            var messages = await memory.ReduceAsync(context.History, cancellationToken).ConfigureAwait(false);
            var modelStarted = time.GetTimestamp();
            turn = await context.Generator.GenerateAsync(messages as IReadOnlyList<ChatMessage> ?? [.. messages], language, cancellationToken).ConfigureAwait(false);
            modelDuration = time.GetElapsedTime(modelStarted);
        }

        var runnable = CodeBlockExtractor.SelectRunnable(turn.CodeBlocks, language);
        var executions = new List<ExecutionResult>();
        var executionDuration = TimeSpan.Zero;
        JsonElement? finalAnswer = null;
        string observation;
        AgentOutcome? outcome = null;

        if (runnable.Count > 0)
        {
            foreach (var block in runnable)
            {
                var executionStarted = time.GetTimestamp();
                context.Scope.Approvals.CurrentCode = block.Code;
                var result = await context.Interpreter.ExecuteAsync(block.Code, cancellationToken).ConfigureAwait(false);
                executionDuration += time.GetElapsedTime(executionStarted);

                // A cancelled execution is a result, not an exception; the caller asked to stop the run.
                cancellationToken.ThrowIfCancellationRequested();
                executions.Add(result);
                if (result.FinalAnswer is not null)
                {
                    finalAnswer = result.FinalAnswer;
                    outcome = AgentOutcome.FinalAnswer;
                    break;
                }

                if (!result.IsSuccess)
                {
                    break;
                }
            }

            observation = ObservationFormatter.Format(executions, runnable.Count - executions.Count);
        }
        else if (turn.FormatError is { } formatError)
        {
            // The answer broke its format (invalid JSON, a call of an unknown function, ...): the model can fix it.
            observation = formatError;
        }
        else if (turn.CodeBlocks.FirstOrDefault(b => IsRunnable(b) && b.Tag.Length > 0) is { } foreign)
        {
            observation = $"Your code block was tagged '{foreign.Tag}'; this sandbox runs only {language.Name} ({language.Dialect}). Write the code in a ```{FenceTag} block.";
        }
        else if (whenNoCode == NoCodeBehavior.AcceptAsFinalAnswer)
        {
            observation = "(the model answered without code; its text is the final answer)";
            outcome = AgentOutcome.AnsweredWithoutCode;
        }
        else
        {
            observation = CodeFormats.NoCode(turn.Format, language);
        }

        var pending = context.Scope.Approvals.Pending;
        if (pending is not null)
        {
            // The code stopped at something that waits for a person: the run is suspended, not over.
            outcome = AgentOutcome.AwaitingApproval;
            observation = $"The run waits for a person's approval of {(pending.ToolName is { } tool ? $"a call to '{tool}'" : "a code block")} (request {pending.Id}).";
        }
        else if (outcome is null && context.IsLastStep)
        {
            outcome = AgentOutcome.MaxStepsReached;
        }

        return new AgentStep
        {
            Number = context.Number,
            ModelText = turn.Text,
            Code = runnable.Take(executions.Count).ToList(),
            Executions = executions,
            BlocksNotRun = runnable.Count - executions.Count,
            Observation = observation,
            ToolCalls = executions.SelectMany(e => e.ToolCalls).ToList(),
            ModelDuration = modelDuration,
            ExecutionDuration = executionDuration,
            Usage = Total(turn.Usage, context.Scope.DelegatedUsage),
            FinalAnswer = finalAnswer,
            Outcome = outcome,
            Approvals = context.Scope.Approvals.Decided,
            PendingApproval = pending,
            Delegations = context.Scope.Delegations,
            Turn = turn,
        };
    }

    /// <summary>The step's tokens: the model's turn and its sub-agents' runs.</summary>
    private static UsageDetails? Total(UsageDetails? turn, UsageDetails? delegated)
    {
        if (delegated is null)
        {
            return turn;
        }

        var total = new UsageDetails();
        if (turn is not null)
        {
            total.Add(turn);
        }

        total.Add(delegated);
        return total;
    }

    private string FenceTag => language.FenceTags.Count > 0 ? language.FenceTags[0] : "";

    private static bool IsRunnable(CodeBlock block) => !string.IsNullOrWhiteSpace(block.Code);
}
