using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The outermost step middleware of durable runs. A step the journal holds is replayed: the model's turn comes from the
/// journal, and the step must end as it did (<see cref="DurableRun.CheckReplay"/>). A new step's turn is journaled as
/// soon as the model has written it, and the finished step before it is handed out, so that a resume replays it
/// instead of redoing it. A step that stopped to wait for an approval is not journaled as finished: its approval
/// request is, and the resume replays the step up to it. Other runs pass straight through.
/// </summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class StepJournal : IAgentStepMiddleware
{
    public static readonly StepJournal Instance = new();

    private StepJournal()
    {
    }

    public async Task<AgentStep> InvokeAsync(AgentStepContext context, AgentStepHandler next, CancellationToken cancellationToken)
    {
        if (context.Durable is not { } durable)
        {
            return await next(context, cancellationToken).ConfigureAwait(false);
        }

        var number = context.Number;
        var journaled = durable.JournaledStep(number);
        if (durable.JournaledTurn(number) is { } text)
        {
            context.Turn = CodeFormats.Restore(durable.JournaledTurnFormat(number), text);
        }
        else
        {
            context.Generator = new RecordingGenerator(context.Generator, durable, number);
        }

        // The tools journal their calls under this step, or are served this step's calls from the journal.
        durable.CurrentStep = number;
        var step = await next(context, cancellationToken).ConfigureAwait(false);
        durable.CheckReplay(number, step.Executions, step.FinalAnswer);
        if (step.Outcome == AgentOutcome.AwaitingApproval)
        {
            // Not finished: the resume replays this step up to the request, then goes on with the decision.
            return step;
        }

        if (journaled is not null)
        {
            return step with { Outcome = journaled.Outcome ?? step.Outcome, Replayed = true };
        }

        await durable.RecordStepAsync(number, new JournaledStep(step.Observation, [.. step.Executions.Select(JournaledExecution.From)], step.Outcome, step.FinalAnswer, step.AnswerMismatches.Count == 0 ? null : [.. step.AnswerMismatches.Select(m => m.ToString())])).ConfigureAwait(false);
        return step;
    }

    /// <summary>Journals the model's turn before its code runs.</summary>
    private sealed class RecordingGenerator(ICodeGenerator inner, DurableRun durable, int step) : ICodeGenerator
    {
        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

        public async Task<ModelTurn> GenerateAsync(IReadOnlyList<ChatMessage> messages, CodeLanguage language, CancellationToken cancellationToken = default)
        {
            var turn = await inner.GenerateAsync(messages, language, cancellationToken).ConfigureAwait(false);
            await durable.RecordTurnAsync(step, turn.JournalText, turn.Format == CodeFormat.Fenced ? null : turn.Format.ToString()).ConfigureAwait(false);
            return turn;
        }
    }
}
