using CodeActSdk.Testing;
using FluentAssertions;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>A typed final answer on the C# backend: the type is shown as C# records, and a record the code declares is accepted.</summary>
public sealed class TypedAnswerTests : RoslynTestBase
{
    public sealed record Line(string Sku, int Quantity);

    public sealed record Order(string Customer, int Total, List<Line> Lines);

    [Test]
    public async Task The_answer_type_is_shown_as_records_and_the_codes_own_record_is_accepted()
    {
        var client = new ScriptedChatClient(
        [
            "```csharp\nfinal_answer(new { Customer = \"Ada\", Total = \"12\" });\n```",
            """
            ```csharp
            public record Line(string Sku, long Quantity);
            public record Order(string Customer, long Total, List<Line> Lines);
            final_answer(new Order("Ada", 12, new List<Line> { new("A1", 2) }));
            ```
            """,
        ]);
        var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(client), new CodeActOptions { MaxSteps = 3 });

        var result = await agent.RunAsync<Order>("Summarise the order.");

        result.Steps[0].Observation.Should().Contain("$.total: expected integer, got string \"12\"").And.Contain("$: missing required property 'lines' (array)");
        result.Outcome.Should().Be(AgentOutcome.FinalAnswer, result.LastObservation);
        result.Answer.Should().BeEquivalentTo(new Order("Ada", 12, [new Line("A1", 2)]));
        client.ReceivedMessages[0][1].Text.Should().Contain("""
            public record Order(string Customer, long Total, List<Line> Lines);
            public record Line(string Sku, long Quantity);
            """.ReplaceLineEndings("\n"));
    }
}
