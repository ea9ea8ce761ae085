using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Telemetry;

[NonParallelizable]
public class TelemetryTests : AgentTestBase
{
    private static readonly ActivitySource TestSource = new("CodeActSdk.Tests");

    /// <summary>Records every activity of the library and of this test source as it stops.</summary>
    private static ActivityListener RecordStoppedActivities(List<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is CodeActDiagnostics.ActivitySourceName or "CodeActSdk.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Test]
    public async Task A_run_reports_nested_activities_with_genai_attributes()
    {
        var stopped = new List<Activity>();
        using var listener = RecordStoppedActivities(stopped);
        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add", "Adds two integers.");
        // Model calls are recorded by the chat client's own OpenTelemetry layer, under the step that made them.
        var client = new CodeActSdk.Testing.ScriptedChatClient([Js("var x = add(1, 2);\nconsole.log(x);"), Js("final_answer(x);")])
            .AsBuilder().UseOpenTelemetry(sourceName: "CodeActSdk.Tests").Build();
        using var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(client), new CodeActOptions(), [add]);

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("test")!)
        {
            traceId = root.TraceId;
            await agent.RunAsync("Add 1 and 2.");
        }

        var ours = stopped.Where(a => a.TraceId == traceId && a.Source.Name == CodeActDiagnostics.ActivitySourceName).ToList();
        var run = ours.Should().ContainSingle(a => a.OperationName == "codeact.run").Subject;
        run.DisplayName.Should().Be("invoke_agent CodeActAgent");
        run.GetTagItem("gen_ai.operation.name").Should().Be("invoke_agent");
        run.GetTagItem("gen_ai.agent.name").Should().Be("CodeActAgent");
        run.GetTagItem("gen_ai.request.model").Should().Be("scripted");
        run.GetTagItem("codeact.run.outcome").Should().Be("FinalAnswer");
        run.GetTagItem("codeact.run.steps").Should().Be(2);

        var steps = ours.Where(a => a.OperationName == "codeact.step").OrderBy(a => a.GetTagItem("codeact.step.number")).ToList();
        steps.Should().HaveCount(2);
        steps.Should().OnlyContain(s => s.ParentSpanId == run.SpanId);
        steps.Select(s => s.GetTagItem("codeact.step.number")).Should().Equal(1, 2);

        ours.Should().NotContain(a => a.OperationName.StartsWith("chat", StringComparison.Ordinal), "the agent records no model-call spans of its own");
        var chats = stopped.Where(a => a.TraceId == traceId && a.Source.Name == "CodeActSdk.Tests" && a.GetTagItem("gen_ai.operation.name") as string == "chat").ToList();
        chats.Should().HaveCount(2);
        chats.Select(c => c.ParentSpanId).Should().Equal(steps.Select(s => s.SpanId));
        foreach (var chat in chats)
        {
            chat.DisplayName.Should().Be("chat scripted");
            chat.Kind.Should().Be(ActivityKind.Client);
            chat.GetTagItem("gen_ai.operation.name").Should().Be("chat");
            chat.GetTagItem("gen_ai.request.model").Should().Be("scripted");
            Convert.ToInt64(chat.GetTagItem("gen_ai.usage.input_tokens"), System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
            Convert.ToInt64(chat.GetTagItem("gen_ai.usage.output_tokens"), System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
        }

        run.GetTagItem("gen_ai.usage.input_tokens").Should().Be(chats.Sum(c => Convert.ToInt64(c.GetTagItem("gen_ai.usage.input_tokens"), System.Globalization.CultureInfo.InvariantCulture)), "the run reports the sum");
        run.GetTagItem("gen_ai.usage.output_tokens").Should().Be(chats.Sum(c => Convert.ToInt64(c.GetTagItem("gen_ai.usage.output_tokens"), System.Globalization.CultureInfo.InvariantCulture)));

        var executions = ours.Where(a => a.OperationName == "execute_code").ToList();
        executions.Should().HaveCount(2);
        executions.Select(e => e.ParentSpanId).Should().Equal(steps.Select(s => s.SpanId));
        executions.Should().OnlyContain(e => (string?)e.GetTagItem("codeact.execution.status") == "Completed");

        var tool = ours.Should().ContainSingle(a => a.OperationName == "execute_tool").Subject;
        tool.DisplayName.Should().Be("execute_tool add");
        tool.GetTagItem("gen_ai.tool.name").Should().Be("add");
        tool.GetTagItem("gen_ai.operation.name").Should().Be("execute_tool");
        tool.ParentSpanId.Should().Be(executions[0].SpanId);
    }

    [Test]
    public async Task Output_kept_in_the_session_is_not_traced_as_an_execution_of_the_model()
    {
        var stopped = new List<Activity>();
        using var listener = RecordStoppedActivities(stopped);
        var agent = CreateAgent([Js("console.log('x'.repeat(5000));"), Js("final_answer(output_1.length);")]);

        ActivityTraceId traceId;
        AgentResult result;
        using (var root = TestSource.StartActivity("test")!)
        {
            traceId = root.TraceId;
            result = await agent.RunAsync("Print a lot, then count it.");
        }

        result.FinalAnswerText.Should().Be("5001", "the large output was kept in output_1, with its newline");
        stopped.Where(a => a.TraceId == traceId && a.OperationName == "execute_code").Should().HaveCount(2, "one per block the model wrote; storing output_1 is the agent's bookkeeping");
    }

    [Test]
    public async Task A_failed_execution_marks_its_activity_as_an_error()
    {
        var stopped = new List<Activity>();
        using var listener = RecordStoppedActivities(stopped);
        var agent = CreateAgent([Js("null.x;")], o => o.MaxSteps = 1);

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("test")!)
        {
            traceId = root.TraceId;
            await agent.RunAsync("Fail.");
        }

        var execution = stopped.Single(a => a.TraceId == traceId && a.OperationName == "execute_code");
        execution.Status.Should().Be(ActivityStatusCode.Error);
        execution.GetTagItem("codeact.execution.status").Should().Be("RuntimeError");
        execution.GetTagItem("error.type").Should().Be("TypeError");
        stopped.Single(a => a.TraceId == traceId && a.OperationName == "codeact.run").GetTagItem("codeact.run.outcome").Should().Be("MaxStepsReached");
    }

    [Test]
    public async Task A_run_records_steps_durations_and_tool_calls_as_metrics()
    {
        var factory = new RecordingMeterFactory();
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (factory.Meters.Contains(instrument.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (measurements)
            {
                measurements.Add((instrument.Name, value, copy));
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));

        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add", "Adds two integers.");
        var client = new CodeActSdk.Testing.ScriptedChatClient([Js("var x = add(1, 2);"), Js("final_answer(add(x, 3));")]);
        using var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(client), new CodeActOptions(), [add], meterFactory: factory);
        listener.Start();

        await agent.RunAsync("Add.");

        factory.Meters.Should().ContainSingle().Which.Name.Should().Be(CodeActDiagnostics.MeterName);
        measurements.Where(m => m.Instrument == CodeActDiagnostics.StepsCounterName).Sum(m => m.Value).Should().Be(2);
        measurements.Where(m => m.Instrument == CodeActDiagnostics.ToolCallsCounterName).Should().HaveCount(2)
            .And.OnlyContain(m => (string?)m.Tags["gen_ai.tool.name"] == "add");
        measurements.Where(m => m.Instrument == CodeActDiagnostics.ExecutionDurationName).Should().HaveCount(2)
            .And.OnlyContain(m => m.Value >= 0 && (string?)m.Tags["codeact.execution.status"] == "Completed");
        measurements.Should().NotContain(m => m.Instrument.StartsWith("gen_ai.client.", StringComparison.Ordinal), "model calls are the chat client's to measure (UseOpenTelemetry), so nothing is counted twice");
    }

    /// <summary>Creates real meters and remembers them, so the test listens only to this agent's meter.</summary>
    private sealed class RecordingMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
