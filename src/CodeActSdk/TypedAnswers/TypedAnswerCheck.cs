using System.Text;

namespace CodeActSdk;

/// <summary>A typed run's answer check: its schema, how many wrong answers may be sent back, and how many were.</summary>
/// <remarks>Belongs to one run; a resumed run counts again as it replays its journaled steps.</remarks>
internal sealed class TypedAnswerRun(AnswerSchema schema, int maxRetries, CodeLanguage language)
{
    public AnswerSchema Schema { get; } = schema;

    public int MaxRetries { get; } = maxRetries;

    /// <summary>The type as the model is shown it, in the language's idiom.</summary>
    public string Declaration { get; } = language.DescribeType(schema.TypeName, schema.Schema);

    public int Rejected { get; set; }
}

/// <summary>
/// The step middleware of typed runs (<see cref="CodeActAgent.RunAsync{T}(AgentRunRequest, CancellationToken)"/>): a final
/// answer is checked against the answer type's JSON schema. A match is read into the type (<see cref="AgentStep.Answer"/>);
/// a mismatch is not an answer: the step's observation says what is wrong (path, expected type, missing property) and the
/// run goes on, until <see cref="CodeActOptions.MaxAnswerRetries"/> wrong answers have been sent back; the next one ends
/// the run with <see cref="AgentOutcome.AnswerRejected"/>. Other runs pass straight through.
/// </summary>
/// <remarks>
/// It sits inside observation composition (so a sent-back answer gets the variables digest like any other step) and
/// inside the journal (so the journal records the step as it was checked, and a resume replays the same checks).
/// Stateless; thread-safe.
/// </remarks>
internal sealed class TypedAnswerCheck : IAgentStepMiddleware
{
    public static readonly TypedAnswerCheck Instance = new();

    private TypedAnswerCheck()
    {
    }

    public async Task<AgentStep> InvokeAsync(AgentStepContext context, AgentStepHandler next, CancellationToken cancellationToken)
    {
        var step = await next(context, cancellationToken).ConfigureAwait(false);
        if (context.TypedAnswer is not { } run)
        {
            return step;
        }

        if (step.Outcome == AgentOutcome.FinalAnswer && step.FinalAnswer is { } answer)
        {
            var check = run.Schema.Check(answer);
            return check.IsMatch ? step with { Answer = check.Value } : Reject(step, context, run, check.Mismatches);
        }

        if (step.Outcome == AgentOutcome.AnsweredWithoutCode)
        {
            return Reject(step, context, run, [new SchemaMismatch("$", $"the answer was prose; pass a value of type {run.Schema.TypeName} to final_answer(...) in code")]);
        }

        return step;
    }

    private static AgentStep Reject(AgentStep step, AgentStepContext context, TypedAnswerRun run, IReadOnlyList<SchemaMismatch> mismatches)
    {
        run.Rejected++;
        var attempts = run.MaxRetries + 1;
        var ends = run.Rejected > run.MaxRetries || context.IsLastStep;
        var text = new StringBuilder();
        text.Append($"Your final answer does not match the type {run.Schema.TypeName} (attempt {run.Rejected} of {attempts})");
        text.AppendLine(ends ? "; the run ends without an answer:" : ", so the run has not ended:");
        foreach (var mismatch in mismatches)
        {
            text.Append("- ").AppendLine(mismatch.ToString());
        }

        if (!ends)
        {
            text.AppendLine("Fix the value and call final_answer again with a value of this type:");
            text.Append(run.Declaration);
        }

        return step with
        {
            Outcome = ends ? AgentOutcome.AnswerRejected : null,
            FinalAnswer = null,
            Observation = text.ToString().TrimEnd(),
            AnswerMismatches = mismatches,
        };
    }
}
