using System.ComponentModel;
using CodeActSdk;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

// A planner agent that delegates data work to a specialist, with no model endpoint (scripted models play both):
//   - the specialist is a CodeAct agent with the data tool (monthly_revenue) and its own sandbox, budget and memory;
//   - the planner has no data tool: its code hands the analysis to the specialist with analyst(task) and writes the
//     recommendation from the answer;
//   - the specialist's steps stream into the planner's run as nested steps (Depth 1), and its tokens count in the
//     planner's step that called it.
using var interpreter = new JintInterpreter();

var revenue = AIFunctionFactory.Create(
    ([Description("The region: EMEA, AMER or APAC.")] string region) => region switch
    {
        "EMEA" => new[] { 410.0, 445.5, 470.25, 512.0 },
        "AMER" => new[] { 620.0, 598.5, 601.0, 590.75 },
        "APAC" => new[] { 180.0, 210.0, 260.5, 301.0 },
        _ => throw new ArgumentException($"Unknown region '{region}'; use EMEA, AMER or APAC."),
    },
    "monthly_revenue",
    "Returns the revenue of the last four months of a region, in thousands of EUR, oldest first.");

using var analyst = new CodeActAgent(
    interpreter,
    new ChatClientCodeGenerator(new ScriptedChatClient(
    [
        "Fetch each region's revenue.\n```js\nconst regions = ['EMEA', 'AMER', 'APAC'];\nconst series = Object.fromEntries(regions.map(r => [r, monthly_revenue(r)]));\nconsole.log(series);\n```",
        "Growth from the first to the last month, best first.\n```js\nconst growth = regions.map(r => ({ region: r, growth: Math.round((series[r][3] / series[r][0] - 1) * 1000) / 10 }))\n  .sort((a, b) => b.growth - a.growth);\nfinal_answer(growth);\n```",
    ])),
    new CodeActOptions { Name = "analyst", MaxSteps = 4 },
    [revenue]);

using var planner = new CodeActAgent(
    interpreter,
    new ChatClientCodeGenerator(new ScriptedChatClient(
    [
        "The analyst has the data; I'll ask for growth by region.\n```js\nconst growth = JSON.parse(analyst('For each region, the revenue growth from the first to the last of the last four months, in percent, best first. Answer as JSON.'));\nconsole.log(growth);\n```",
        "Recommend the fastest-growing region.\n```js\nconst best = growth[0];\nfinal_answer(`Invest in ${best.region}: revenue grew ${best.growth} % over four months (next: ${growth[1].region}, ${growth[1].growth} %).`);\n```",
    ])),
    new CodeActOptions
    {
        Name = "planner",
        MaxSteps = 4,
        // The analyst's whole run is one tool call of the planner's code, so the planner's time limit must fit it.
        Sandbox = new SandboxOptions { Timeout = TimeSpan.FromMinutes(2) },
    },
    [AgentTool.Create("analyst", "A data analyst with the company's revenue data. Give it a question in words; it answers with the figures.", analyst)]);

var own = new List<AgentStep>();
await foreach (var step in planner.RunStreamingAsync(new AgentRunRequest("Which region should we invest in next quarter?")))
{
    Console.WriteLine($"{new string(' ', step.Depth * 4)}[{step.Agent} step {step.Number}] {FirstLine(step.Observation)}");
    if (step.Depth == 0)
    {
        own.Add(step);
    }
}

var answer = own[^1].FinalAnswer?.GetString();
var delegation = own[0].Delegations.Single();
Console.WriteLine();
Console.WriteLine($"Answer: {answer}");
Console.WriteLine($"The planner's step 1 delegated to '{delegation.Agent}', which took {delegation.Steps.Count} steps; its {delegation.Usage?.TotalTokenCount} tokens are in the step's {own[0].Usage?.TotalTokenCount}.");
return answer?.StartsWith("Invest in APAC", StringComparison.Ordinal) == true ? 0 : 1;

static string FirstLine(string text)
{
    var line = text.Split('\n', 2)[0];
    return line.Length > 100 ? line[..100] + "…" : line;
}
