using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CodeActSdk;

/// <summary>
/// Wraps a step's interpreter session to record each execution: an <c>execute_code</c> span (status, tool-call count,
/// error) with one <c>execute_tool</c> span per tool call, the execution-duration histogram, the tool-call counter and a
/// log line. Made per step by <see cref="StepTelemetry"/>; it does not own the session and never disposes it.
/// </summary>
/// <remarks>Used by one step at a time, as the step uses its session.</remarks>
internal sealed partial class InstrumentedSession(IInterpreterSession inner, CodeLanguage language, CodeActInstrumentation instrumentation, ILogger logger) : DelegatingInterpreterSession(inner)
{
    private int _blockIndex;

    public override async Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
    {
        using var activity = CodeActInstrumentation.ActivitySource.StartActivity(CodeActTags.ExecuteCodeActivity);
        activity?.SetTag(CodeActTags.Language, language.Name);
        activity?.SetTag(CodeActTags.SessionId, Id);
        activity?.SetTag(CodeActTags.BlockIndex, _blockIndex++);

        ExecutionResult result;
        try
        {
            result = await base.ExecuteAsync(code, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            CodeActInstrumentation.MarkFailed(activity, e);
            throw;
        }

        var status = result.Status.ToString();
        instrumentation.ExecutionDuration.Record(
            result.Duration.TotalSeconds,
            new KeyValuePair<string, object?>(CodeActTags.ExecutionStatus, status),
            new KeyValuePair<string, object?>(CodeActTags.Language, language.Name));
        foreach (var call in result.ToolCalls)
        {
            instrumentation.ToolCalls.Add(
                1,
                new KeyValuePair<string, object?>(CodeActTags.ToolName, call.Name),
                new KeyValuePair<string, object?>(CodeActTags.ErrorType, call.Error is null ? null : "tool_error"));
        }

        if (activity is not null)
        {
            activity.SetTag(CodeActTags.ExecutionStatus, status);
            activity.SetTag(CodeActTags.ToolCallCount, result.ToolCalls.Count);
            if (!result.IsSuccess)
            {
                activity.SetTag(CodeActTags.ErrorType, result.Error?.Kind.Value ?? status);
                activity.SetStatus(ActivityStatusCode.Error, result.Error is { } error ? ObservationFormatter.FormatError(error) : status);
            }

            RecordToolActivities(activity, result.ToolCalls);
        }

        LogExecuted(logger, Id, result.Status, result.Duration.TotalMilliseconds);
        return result;
    }

    /// <summary>Does nothing: the session belongs to the run, not to this step's wrapper.</summary>
    protected override ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

    /// <summary>
    /// Creates the tool-call activities after the fact, with their recorded durations. The sandbox does not say when
    /// each call began, so they are laid out one after the other from the start of the execution.
    /// </summary>
    private static void RecordToolActivities(Activity execution, IReadOnlyList<ToolCallRecord> calls)
    {
        var start = new DateTimeOffset(execution.StartTimeUtc, TimeSpan.Zero);
        foreach (var call in calls)
        {
            var duration = call.Duration < TimeSpan.Zero ? TimeSpan.Zero : call.Duration;
            using var tool = CodeActInstrumentation.ActivitySource.StartActivity(
                ActivityKind.Internal,
                execution.Context,
                [
                    new(CodeActTags.OperationName, CodeActTags.ExecuteToolOperation),
                    new(CodeActTags.ToolName, call.Name),
                ],
                startTime: start,
                name: CodeActTags.ExecuteToolActivity);
            if (tool is null)
            {
                continue;
            }

            tool.DisplayName = $"{CodeActTags.ExecuteToolOperation} {call.Name}";
            if (call.Error is not null)
            {
                tool.SetTag(CodeActTags.ErrorType, "tool_error");
                tool.SetStatus(ActivityStatusCode.Error, call.Error);
            }

            tool.SetEndTime((start + duration).UtcDateTime);
            start += duration;
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Session {SessionId} ran code: {Status} in {DurationMs} ms.")]
    private static partial void LogExecuted(ILogger logger, string sessionId, ExecutionStatus status, double durationMs);
}
