using System.Diagnostics;
using System.Globalization;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// What a sub-agent call costs beyond the sub-agent's own steps (issue #23): a two-step planner whose first step calls
/// a two-step analyst through <see cref="AgentTool"/>, against the same planner calling a plain tool that returns the
/// same answer at once, and the analyst run on its own. Overhead = with delegation − (plain tool + analyst alone).
/// Jint, scripted models, so the figures are the SDK's own cost.
/// </summary>
public static class DelegationFigures
{
    private static readonly string[] PlannerTurns =
    [
        "```js\nconst total = Number(analyst('Add up the sales.'));\n```",
        "```js\nfinal_answer(total * 2);\n```",
    ];

    private static readonly string[] AnalystTurns =
    [
        "```js\nconst sales = [120, 80, 200];\n```",
        "```js\nfinal_answer(sales.reduce((a, b) => a + b, 0));\n```",
    ];

    public static async Task RunAsync(int samples)
    {
        using var interpreter = new JintInterpreter();
        var delegated = new List<double>();
        var plain = new List<double>();
        var alone = new List<double>();
        for (var i = 0; i < samples + 20; i++)
        {
            using var analyst = Agent(interpreter, "analyst", AnalystTurns, []);
            using var planner = Agent(interpreter, "planner", PlannerTurns, [AgentTool.Create("analyst", "Adds up sales.", analyst)]);
            using var stand = Agent(interpreter, "planner", PlannerTurns, [AIFunctionFactory.Create((string task) => "400", "analyst", "Adds up sales.")]);
            using var single = Agent(interpreter, "analyst", AnalystTurns, []);
            var a = await TimeAsync(() => planner.RunAsync("Twice the total sales?"), "800").ConfigureAwait(false);
            var b = await TimeAsync(() => stand.RunAsync("Twice the total sales?"), "800").ConfigureAwait(false);
            var c = await TimeAsync(() => single.RunAsync("Add up the sales."), "400").ConfigureAwait(false);
            if (i >= 20)
            {
                delegated.Add(a);
                plain.Add(b);
                alone.Add(c);
            }
        }

        var overhead = delegated.Zip(plain, alone).Select(t => t.First - t.Second - t.Third);
        Console.WriteLine($"[delegation] planner calling the analyst (2 + 2 steps):        {new Samples(delegated).Describe()}");
        Console.WriteLine($"[delegation] planner calling a plain tool (2 steps):            {new Samples(plain).Describe()}");
        Console.WriteLine($"[delegation] the analyst alone (2 steps):                       {new Samples(alone).Describe()}");
        Console.WriteLine($"[delegation] overhead of the sub-agent call beyond its steps:   {new Samples(overhead).Describe()}");
    }

    private static CodeActAgent Agent(JintInterpreter interpreter, string name, string[] turns, IEnumerable<AIFunction> tools) =>
        new(interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), new CodeActOptions { Name = name, MaxSteps = 3, ShowStateDigest = false, Sandbox = new SandboxOptions { Timeout = TimeSpan.FromSeconds(30) } }, tools);

    private static async Task<double> TimeAsync(Func<Task<AgentResult>> run, string expected)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await run().ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        if (result.FinalAnswerText != expected)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The delegation benchmark answered {result.FinalAnswerText}, not {expected}."));
        }

        return elapsed;
    }
}
