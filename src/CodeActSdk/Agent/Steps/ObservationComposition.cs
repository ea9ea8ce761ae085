namespace CodeActSdk;

/// <summary>
/// Composes the observation the model reads after a step: output longer than <see cref="CodeActOptions.LargeOutputChars"/>
/// is kept in the session and summarised; while the run goes on, the variables digest, the plan and the files notice
/// follow the output, within <see cref="CodeActOptions.MaxObservationChars"/> (the output gives up room first).
/// </summary>
/// <remarks>Holds settings only; thread-safe.</remarks>
internal sealed class ObservationComposition(int maxObservationChars, int largeOutputChars, bool showStateDigest, int stateDigestEntries) : IAgentStepMiddleware
{
    public async Task<AgentStep> InvokeAsync(AgentStepContext context, AgentStepHandler next, CancellationToken cancellationToken)
    {
        var step = await next(context, cancellationToken).ConfigureAwait(false);

        // The agent's own reads and writes of the session go to the session itself, not through the step's wrappers
        // (telemetry, a host's approval): they are bookkeeping, not the model's code.
        var session = context.Session.Session;
        var observation = step.Observation;
        if (step.FinalAnswer is null && largeOutputChars > 0)
        {
            var shown = await LargeOutput.KeepInSessionAsync(session, step.Executions, step.Number, largeOutputChars, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(shown, step.Executions))
            {
                observation = ObservationFormatter.Format(shown, step.BlocksNotRun);
            }
        }

        IReadOnlyList<VariableSummary> variables = [];
        if (showStateDigest && step.Executions.Count > 0)
        {
            variables = await session.DescribeVariablesAsync(cancellationToken).ConfigureAwait(false);
        }

        // Once the run ends, the model reads no more observations: the digest, plan and files notice are left out.
        var plan = context.Session.Plan;
        IReadOnlyList<string?> extras = step.Outcome is null
            ? [ObservationFormatter.FormatDigest(variables, stateDigestEntries), plan?.Render(), context.Session.Notice.ForStep(step.Executions)]
            : [];
        observation = ObservationFormatter.WithExtras(observation, extras, maxObservationChars);

        return step with { Observation = observation, Variables = variables, Plan = plan?.Snapshot() ?? [] };
    }
}
