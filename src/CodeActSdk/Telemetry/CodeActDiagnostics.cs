namespace CodeActSdk;

/// <summary>
/// The names under which the agent reports traces and metrics, for subscribing to them, for example
/// <c>tracing.AddSource(CodeActDiagnostics.ActivitySourceName)</c> and
/// <c>metrics.AddMeter(CodeActDiagnostics.MeterName)</c> with OpenTelemetry.
/// </summary>
/// <remarks>
/// <para>Activities: one per run (<c>codeact.run</c>, shown as <c>invoke_agent {name}</c>), one per step
/// (<c>codeact.step</c>), one per execution (<c>execute_code</c>) and one per tool call (<c>execute_tool</c>, shown as
/// <c>execute_tool {tool}</c>). Model calls are the chat client's to record: build it with Microsoft.Extensions.AI's
/// <c>UseOpenTelemetry()</c>, whose <c>chat</c> spans and <c>gen_ai.client.*</c> metrics then nest under the step's
/// span; the agent records none of its own, so nothing is counted twice. Attribute
/// names follow the OpenTelemetry GenAI semantic conventions where one applies (<c>gen_ai.operation.name</c>,
/// <c>gen_ai.agent.name</c>, <c>gen_ai.request.model</c>, <c>gen_ai.usage.input_tokens</c>,
/// <c>gen_ai.usage.output_tokens</c>, <c>gen_ai.tool.name</c>) and start with <c>codeact.</c> otherwise.</para>
/// <para>Tool-call activities are created after their execution ends, from <see cref="ExecutionResult.ToolCalls"/>:
/// their durations are the recorded ones, and their start times are laid out one after the other from the start of
/// the execution, because the sandbox does not report when each call began.</para>
/// <para>Metrics: <see cref="StepsCounterName"/>, <see cref="ExecutionDurationName"/> and <see cref="ToolCallsCounterName"/>.</para>
/// </remarks>
public static class CodeActDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/>: <c>CodeActSdk</c>.</summary>
    public const string ActivitySourceName = "CodeActSdk";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>: <c>CodeActSdk</c>.</summary>
    public const string MeterName = "CodeActSdk";

    /// <summary>Counter of agent steps taken, tagged with <c>gen_ai.agent.name</c>.</summary>
    public const string StepsCounterName = "codeact.agent.steps";

    /// <summary>Histogram of execution durations in seconds, tagged with <c>codeact.execution.status</c>.</summary>
    public const string ExecutionDurationName = "codeact.execution.duration";

    /// <summary>Counter of tool calls made by sandboxed code, tagged with <c>gen_ai.tool.name</c>.</summary>
    public const string ToolCallsCounterName = "codeact.tool.calls";
}
