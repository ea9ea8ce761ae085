using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.ToolSearch;

/// <summary>
/// Tool search on the real Jint interpreter: above <see cref="CodeActOptions.ToolSearchAbove"/> tools the prompt lists
/// one line per tool, grouped by server, and the code finds signatures with <c>search_tools</c> and <c>describe_tool</c>;
/// every tool stays callable.
/// </summary>
public sealed class ToolSearchTests : AgentTestBase
{
    private static readonly string[] Verbs = ["create", "get", "list", "delete"];

    /// <summary>Twelve tools over three servers, each documented with a parameter.</summary>
    private static IReadOnlyList<AIFunction> Catalog() =>
    [
        .. new[] { ("billing", "invoice"), ("crm", "contact"), ("calendar", "meeting") }.SelectMany(server => Verbs.Select(verb =>
        {
            var (group, noun) = server;
            var tool = AIFunctionFactory.Create(
                (string id) => $"{verb} {noun} {id}",
                new AIFunctionFactoryOptions
                {
                    Name = $"{verb}_{noun}",
                    Description = $"{char.ToUpperInvariant(verb[0])}{verb[1..]}s a {noun} in {group}. The second sentence is left out of the list.",
                    AdditionalProperties = new Dictionary<string, object?> { [CodeActSdk.Tools.ToolDescriptor.GroupProperty] = group },
                });
            return tool;
        })),
    ];

    private CodeActAgent Agent(IEnumerable<string> turns, int above = 5) =>
        CreateAgent(turns, o => o.ToolSearchAbove = above, tools: Catalog());

    [Test]
    public void Above_the_threshold_the_prompt_lists_one_line_per_tool_grouped_by_server()
    {
        using var agent = Agent(["unused"]);

        agent.SystemPrompt.Should().Contain("There are 12 more tools").And.Contain("Tools of \"billing\":").And.Contain("- create_invoice: Creates a invoice in billing.")
            .And.Contain("Tools of \"calendar\":").And.Contain("function search_tools(query, max_results)").And.Contain("function describe_tool(name)");
        agent.SystemPrompt.Should().NotContain("function create_invoice(", "catalogued tools are not documented in full").And.NotContain("The second sentence");
        agent.Tools.Select(t => t.Name).Should().Contain(["create_invoice", "search_tools", "describe_tool"]);
    }

    [Test]
    public void At_or_below_the_threshold_every_tool_is_documented_and_there_is_no_search()
    {
        using var agent = Agent(["unused"], above: 12);

        agent.SystemPrompt.Should().Contain("function create_invoice(id)").And.NotContain("search_tools");
        agent.Tools.Should().HaveCount(12);
    }

    [Test]
    public async Task The_code_finds_a_tool_reads_its_signature_and_calls_it()
    {
        using var agent = Agent(
        [
            Js("console.log(search_tools('delete a meeting', 2));"),
            Js("console.log(describe_tool('delete_meeting'));"),
            Js("final_answer(delete_meeting('m-7'));"),
        ]);

        var result = await agent.RunAsync("Cancel meeting m-7.");

        result.FinalAnswerText.Should().Be("delete meeting m-7");
        var found = result.Steps[0].Observation;
        found[found.IndexOf("function ", StringComparison.Ordinal)..].Should().StartWith("function delete_meeting(id)", "the best match comes first");
        found.Should().NotContain("function create_invoice(");
        result.Steps[1].Observation.Should().Contain("Deletes a meeting in calendar.").And.Contain("@param {string} id");
    }

    [Test]
    public async Task An_unknown_tool_name_is_an_error_with_the_closest_names()
    {
        using var agent = Agent([Js("describe_tool('remove_meeting')"), Js("final_answer('ok')")]);

        var result = await agent.RunAsync("Describe a tool.");

        result.Steps[0].Observation.Should().Contain("There is no tool named 'remove_meeting'").And.Contain("Did you mean").And.Contain("meeting");
    }

    [Test]
    public async Task A_search_with_no_match_says_so()
    {
        using var agent = Agent([Js("search_tools('teleport')"), Js("final_answer('ok')")]);

        var result = await agent.RunAsync("Find a tool.");

        result.Steps[0].Observation.Should().Contain("No tool matches 'teleport'");
    }

    [Test]
    public void A_negative_threshold_is_refused()
    {
        var create = () => Agent(["unused"], above: -1);

        create.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*ToolSearchAbove*");
    }
}
