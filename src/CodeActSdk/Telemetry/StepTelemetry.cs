using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CodeActSdk;

/// <summary>
/// The step middleware that records telemetry: a <c>codeact.step</c> span under the run's, the steps counter and a log
/// line per step, and, through <see cref="InstrumentedSession"/>, an <c>execute_code</c> span per execution with its
/// tool calls, the execution-duration histogram and the tool-call counter; and a <c>codeact.approval</c> event per
/// decided tool approval, or <c>codeact.approval.requested</c> when the step stopped to wait for one. Model calls are not recorded here: add
/// <c>UseOpenTelemetry()</c> to the chat client (Microsoft.Extensions.AI), which follows the GenAI conventions.
/// </summary>
/// <remarks>Holds settings and instruments only; thread-safe.</remarks>
internal sealed partial class StepTelemetry(string agentName, CodeLanguage language, CodeActInstrumentation instrumentation, ILogger logger) : IAgentStepMiddleware
{
    public async Task<AgentStep> InvokeAsync(AgentStepContext context, AgentStepHandler next, CancellationToken cancellationToken)
    {
        using var activity = CodeActInstrumentation.ActivitySource.StartActivity(CodeActTags.StepActivity, ActivityKind.Internal, context.RunActivity);
        activity?.SetTag(CodeActTags.StepNumber, context.Number);
        instrumentation.Steps.Add(1, new KeyValuePair<string, object?>(CodeActTags.AgentName, agentName));

        context.Interpreter = new InstrumentedSession(context.Interpreter, language, instrumentation, logger);
        var step = await next(context, cancellationToken).ConfigureAwait(false);

        LogStepFinished(logger, step.Number, step.Executions.Count, step.Executions.Count > 0 ? step.Executions[^1].Status : null);
        if (step.Outcome is { } outcome)
        {
            activity?.SetTag(CodeActTags.Outcome, outcome.ToString());
        }

        foreach (var approval in step.Approvals)
        {
            activity?.AddEvent(new ActivityEvent(CodeActTags.ApprovalEvent, approval.Decision.DecidedAt, new ActivityTagsCollection
            {
                [CodeActTags.ApprovalId] = approval.Request.Id,
                [CodeActTags.ToolName] = approval.Request.ToolName,
                [CodeActTags.ApprovalDecidedBy] = approval.Decision.DecidedBy,
                [CodeActTags.ApprovalApproved] = approval.Decision.Approved,
                [CodeActTags.ApprovalReason] = approval.Decision.Reason,
                [CodeActTags.ApprovalEdited] = approval.Decision.Arguments is not null,
            }));
        }

        if (step.PendingApproval is { } pending)
        {
            activity?.AddEvent(new ActivityEvent(CodeActTags.ApprovalRequestedEvent, pending.RequestedAt, new ActivityTagsCollection
            {
                [CodeActTags.ApprovalId] = pending.Id,
                [CodeActTags.ToolName] = pending.ToolName,
                [CodeActTags.ApprovalReason] = pending.Reason,
            }));
        }

        return step;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Step {Step} finished: {Executions} execution(s), last status {Status}.")]
    private static partial void LogStepFinished(ILogger logger, int step, int executions, ExecutionStatus? status);
}
