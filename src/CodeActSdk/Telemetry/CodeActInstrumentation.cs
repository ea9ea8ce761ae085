using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CodeActSdk;

/// <summary>The activity source, the meter and its instruments used by one agent.</summary>
internal sealed class CodeActInstrumentation : IDisposable
{
    private static readonly string? Version = typeof(CodeActInstrumentation).Assembly.GetName().Version?.ToString();

    /// <summary>Shared by all agents, as .NET recommends for activity sources; listeners filter on its name.</summary>
    internal static readonly ActivitySource ActivitySource = new(CodeActDiagnostics.ActivitySourceName, Version);

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public CodeActInstrumentation(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(CodeActDiagnostics.MeterName, Version);
            _ownsMeter = true;
        }
        else
        {
            // The factory owns (and disposes) the meters it creates.
            _meter = meterFactory.Create(new MeterOptions(CodeActDiagnostics.MeterName) { Version = Version });
        }

        Steps = _meter.CreateCounter<long>(CodeActDiagnostics.StepsCounterName, "{step}", "Agent steps taken.");
        ExecutionDuration = _meter.CreateHistogram<double>(CodeActDiagnostics.ExecutionDurationName, "s", "Duration of code executions in the sandbox.");
        ToolCalls = _meter.CreateCounter<long>(CodeActDiagnostics.ToolCallsCounterName, "{call}", "Tool calls made by sandboxed code.");
    }

    /// <summary>Marks <paramref name="activity"/> as failed by <paramref name="exception"/>; nothing when it is not recorded.</summary>
    public static void MarkFailed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(CodeActTags.ErrorType, exception.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
    }

    public Counter<long> Steps { get; }

    public Histogram<double> ExecutionDuration { get; }

    public Counter<long> ToolCalls { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}

/// <summary>Activity names and attribute names, from the OpenTelemetry GenAI semantic conventions where one applies.</summary>
internal static class CodeActTags
{
    public const string RunActivity = "codeact.run";
    public const string StepActivity = "codeact.step";
    public const string ExecuteCodeActivity = "execute_code";
    public const string ExecuteToolActivity = "execute_tool";

    public const string OperationName = "gen_ai.operation.name";
    public const string AgentName = "gen_ai.agent.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string ToolName = "gen_ai.tool.name";
    public const string ErrorType = "error.type";

    public const string InvokeAgentOperation = "invoke_agent";
    public const string ExecuteToolOperation = "execute_tool";

    public const string StepNumber = "codeact.step.number";
    public const string StepCount = "codeact.run.steps";
    public const string Outcome = "codeact.run.outcome";
    public const string Language = "codeact.language";
    public const string SessionId = "codeact.session.id";
    public const string BlockIndex = "codeact.block.index";
    public const string ExecutionStatus = "codeact.execution.status";
    public const string ToolCallCount = "codeact.execution.tool_calls";
    public const string ReviewEvent = "codeact.review";
    public const string ReviewReviewer = "codeact.review.reviewer";
    public const string ReviewVerdict = "codeact.review.verdict";
    public const string ReviewReason = "codeact.review.reason";
    public const string ReviewFailed = "codeact.review.failed";
    public const string ApprovalEvent = "codeact.approval";
    public const string ApprovalRequestedEvent = "codeact.approval.requested";
    public const string ApprovalId = "codeact.approval.id";
    public const string ApprovalDecidedBy = "codeact.approval.decided_by";
    public const string ApprovalApproved = "codeact.approval.approved";
    public const string ApprovalReason = "codeact.approval.reason";
    public const string ApprovalEdited = "codeact.approval.edited";
}
