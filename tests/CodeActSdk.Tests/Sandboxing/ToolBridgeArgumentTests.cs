using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Sandboxing;

/// <summary>An integer parameter takes any JSON number without a fraction, whichever CLR type holds it.</summary>
public sealed class ToolBridgeArgumentTests
{
    private static readonly AIFunction Twice = AIFunctionFactory.Create((int n) => n * 2, "twice");

    public static IEnumerable<TestCaseData> Integers()
    {
        yield return new TestCaseData(JsonValue.Create(12)).SetName("an int");
        yield return new TestCaseData(JsonValue.Create(12L)).SetName("a long");
        yield return new TestCaseData(JsonValue.Create(12.0)).SetName("a double without a fraction");
        yield return new TestCaseData(JsonValue.Create(12m)).SetName("a decimal");
        yield return new TestCaseData(JsonNode.Parse("1.2e1")).SetName("parsed JSON with an exponent");
        yield return new TestCaseData(JsonValue.Create(JsonDocument.Parse("12").RootElement)).SetName("a JsonElement");
    }

    [TestCaseSource(nameof(Integers))]
    public void An_integer_parameter_takes_the_number(JsonNode number)
    {
        Invoke(number)!.GetValue<int>().Should().Be(24);
    }

    [Test]
    public void A_number_with_a_fraction_is_refused_for_an_integer_parameter()
    {
        FluentActions.Invoking(() => Invoke(JsonValue.Create(12.5))).Should().Throw<ToolCallException>().WithMessage("*integer*12.5*");
    }

    private static JsonNode? Invoke(JsonNode number)
    {
        var bridge = new ToolBridge([Twice]);
        using var budget = new ExecutionBudget(new SandboxOptions(), CancellationToken.None);
        return bridge.Invoke(bridge.Tools[0], [number], budget, new List<ToolCallRecord>());
    }
}
