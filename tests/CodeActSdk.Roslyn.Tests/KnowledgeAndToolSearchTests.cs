using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>Knowledge look-up and tool search in the C# idiom, on the real C# interpreter.</summary>
public sealed class KnowledgeAndToolSearchTests : RoslynTestBase
{
    private static string Cs(string code) => $"Next step.\n```csharp\n{code}\n```";

    [Test]
    public async Task The_code_searches_and_reads_knowledge_with_typed_results()
    {
        var knowledge = new MarkdownKnowledgeSource(new Dictionary<string, string>
        {
            ["billing/refunds"] = "# Refunds\nHow refunds work.\n\n## Refund window\nCustomers may ask for a refund within 30 days of delivery.",
            ["glossary"] = "ARR is annual recurring revenue.",
        });
        using var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(
        [
            Cs("var hits = tools.SearchContext(\"refund window\");\nvar text = (string)hits[0][\"text\"];\nvar glossary = tools.ReadContext(\"glossary\");\nfinal_answer(new { topic = (string)hits[0][\"topic\"], days = text.Contains(\"30 days\"), arr = glossary.StartsWith(\"ARR\") });"),
        ])), new CodeActOptions { MaxSteps = 1 }, knowledge: knowledge);

        var result = await agent.RunAsync("How long is the refund window?");

        result.FinalAnswer.Should().NotBeNull(result.Steps[0].Observation);
        result.FinalAnswer!.Value.GetRawText().Should().Be("""{"topic":"billing/refunds","days":true,"arr":true}""");
        agent.SystemPrompt.Should().Contain("SearchContext(").And.Contain("ReadContext(");
    }

    [Test]
    public async Task Describe_tool_answers_with_the_csharp_signature()
    {
        AIFunction[] catalog = [.. Enumerable.Range(0, 6).Select(i => AIFunctionFactory.Create((string id) => $"done {i} {id}", $"close_ticket_{i}", $"Closes a ticket in queue {i}."))];
        using var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(
        [
            Cs("Console.WriteLine(tools.DescribeTool(\"close_ticket_3\"));"),
            Cs("final_answer(tools.CloseTicket3(\"T-1\"));"),
        ])), new CodeActOptions { MaxSteps = 3, ToolSearchAbove = 4 }, catalog);

        var result = await agent.RunAsync("Close T-1 in queue 3.");

        agent.SystemPrompt.Should().Contain("- close_ticket_3: Closes a ticket in queue 3.");
        result.Steps[0].Observation.Should().Contain("CloseTicket3(string id)");
        result.FinalAnswerText.Should().Be("done 3 T-1");
    }
}
