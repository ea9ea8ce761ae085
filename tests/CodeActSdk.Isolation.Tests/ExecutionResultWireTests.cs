using System.Text.Json;
using CodeActSdk.Isolation.Protocol;

namespace CodeActSdk.Isolation.Tests;

public sealed class ExecutionResultWireTests
{
    [Test]
    public void Every_field_survives_the_round_trip()
    {
        var original = new ExecutionResult
        {
            Status = ExecutionStatus.RuntimeError,
            Stdout = "a\nb \uD83D\uDE00",
            Value = JsonDocument.Parse("null").RootElement,
            Error = new ExecutionError(ErrorKind.TypeError, "x is not a function", 3, 7),
            Duration = TimeSpan.FromTicks(123_456_789),
            FinalAnswer = JsonDocument.Parse("""{"n":[1,2]}""").RootElement,
            ToolCalls = [new ToolCallRecord("t", JsonDocument.Parse("""{"a":1}""").RootElement, null, "boom", TimeSpan.FromTicks(42))],
            Artifacts = [new Artifact("out/x.bin", "application/octet-stream", new byte[] { 0, 1, 255 })],
        };

        var copy = ExecutionResultWire.FromJson(JsonSerializer.Deserialize<System.Text.Json.Nodes.JsonObject>(ExecutionResultWire.ToJson(original).ToJsonString())!);

        copy.Status.Should().Be(original.Status);
        copy.Stdout.Should().Be(original.Stdout);
        copy.Value!.Value.ValueKind.Should().Be(JsonValueKind.Null);
        copy.Error.Should().Be(original.Error);
        copy.Duration.Should().Be(original.Duration);
        copy.FinalAnswer!.Value.GetRawText().Should().Be("""{"n":[1,2]}""");
        copy.ToolCalls.Should().ContainSingle().Which.Should().Match<ToolCallRecord>(c => c.Name == "t" && c.Error == "boom" && c.Result == null && c.Duration.Ticks == 42);
        copy.Artifacts.Single().Content.ToArray().Should().Equal(0, 1, 255);
    }

    [Test]
    public void An_absent_value_stays_absent()
    {
        var copy = ExecutionResultWire.FromJson(ExecutionResultWire.ToJson(new ExecutionResult { Status = ExecutionStatus.Completed }));

        copy.Value.Should().BeNull();
        copy.FinalAnswer.Should().BeNull();
        copy.Error.Should().BeNull();
    }
}
