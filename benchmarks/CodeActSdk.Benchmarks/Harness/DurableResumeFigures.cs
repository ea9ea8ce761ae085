using System.Diagnostics;
using System.Globalization;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// What durability costs a whole agent run and what a resume takes: a 100-step Jint session (each step calls a tool
/// and prints a running total) run plain and durably, then resumed (the journal read, and all 100 steps replayed
/// with their tool results from the journal). SQLite always; PostgreSQL when <c>CODEACT_POSTGRES</c> is set.
/// </summary>
public static class DurableResumeFigures
{
    private const int Steps = 100;
    private const int Rounds = 5;

    public static Task RunAsync() => BenchmarkStores.EachAsync("resume", MeasureAsync);

    private static async Task MeasureAsync(string name, Func<ICheckpointStore> open)
    {
        var store = open();
        try
        {
            using var interpreter = new JintInterpreter();
            var plain = new List<double>();
            var durable = new List<double>();
            var resume = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                var id = $"bench-{Guid.NewGuid():N}";
                plain.Add(await TimeAsync(() => Agent(interpreter, store).RunAsync("Add up the 100 values.")).ConfigureAwait(false));
                durable.Add(await TimeAsync(() => Agent(interpreter, store).RunAsync(AgentRunRequest.Durable(id, "Add up the 100 values."))).ConfigureAwait(false));
                resume.Add(await TimeAsync(() => Agent(interpreter, store).RunAsync(AgentRunRequest.Resume(id))).ConfigureAwait(false));
                await store.DeleteAsync(id).ConfigureAwait(false);
            }

            // The first round pays the JIT and the store's first use; the medians are over the rest.
            double Median(List<double> values) => values.Skip(1).Order().ElementAt((values.Count - 1) / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[resume] {name}, {Steps}-step Jint session, median of {Rounds - 1} rounds: plain run {Median(plain):F0} ms, durable run {Median(durable):F0} ms " +
                $"(journaling {(Median(durable) - Median(plain)) / Steps:F2} ms per step: a model turn, a tool call and a finished step), " +
                $"resume of the finished session (read + replay of {Steps} steps) {Median(resume):F0} ms"));
        }
        finally
        {
            await Disposal.DisposeAsync(store).ConfigureAwait(false);
        }
    }

    private static CodeActAgent Agent(JintInterpreter interpreter, ICheckpointStore store)
    {
        var turns = Enumerable.Range(1, Steps).Select(i => i < Steps
            ? $"```js\nvar v{i} = lookup({i});\ntotal = (typeof total === 'undefined' ? 0 : total) + v{i}.value;\nconsole.log('total ' + total);\n```"
            : "```js\nfinal_answer(total);\n```");
        var lookup = AIFunctionFactory.Create((int id) => new { id, value = id * 3 }, "lookup", "Looks a value up.");
        return new CodeActAgent(
            interpreter,
            new ChatClientCodeGenerator(new ScriptedChatClient(turns)),
            new CodeActOptions { MaxSteps = Steps, ShowStateDigest = false },
            [lookup],
            checkpoints: store);
    }

    private static async Task<double> TimeAsync(Func<Task<AgentResult>> run)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await run().ConfigureAwait(false);
        if (result.FinalAnswerText != (3 * (Steps - 1) * Steps / 2).ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"The benchmark session answered {result.FinalAnswerText}.");
        }

        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
