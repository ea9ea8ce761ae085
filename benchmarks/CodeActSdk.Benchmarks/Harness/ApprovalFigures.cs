using System.Diagnostics;
using System.Globalization;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// The durable pause for approval (issue #22): a Jint session whose last step calls a tool that needs approval, run
/// durably with nobody to decide, so it is suspended at the call; then resumed by a new agent (a host after a restart)
/// with an approval. Timed: the suspension (from the gate asking for a decision to the run returning, which journals
/// the request, halts the code, ends the step and releases the session), the resume up to the approved call (the
/// decision journaled, the lease taken, the journal read and the earlier steps replayed), and the resume to the answer.
/// SQLite always; PostgreSQL when <c>CODEACT_POSTGRES</c> is set.
/// </summary>
public static class ApprovalFigures
{
    private const int Rounds = 12;
    private static readonly int[] SessionSteps = [10, 50];

    public static Task RunAsync() => BenchmarkStores.EachAsync("approval", MeasureAsync);

    private static async Task MeasureAsync(string name, Func<ICheckpointStore> open)
    {
        var store = open();
        try
        {
            using var interpreter = new JintInterpreter();
            foreach (var steps in SessionSteps)
            {
                var suspend = new List<double>();
                var toCall = new List<double>();
                var toAnswer = new List<double>();
                for (var round = 0; round < Rounds; round++)
                {
                    var id = $"approval-bench-{Guid.NewGuid():N}";
                    var probe = new Probe();
                    using (var first = Agent(interpreter, store, steps, probe, approver: new DelegateToolApprover((_, _) =>
                    {
                        probe.Asked = Stopwatch.GetTimestamp();
                        return ValueTask.FromResult<ApprovalDecision?>(null);
                    })))
                    {
                        var suspended = await first.RunAsync(AgentRunRequest.Durable(id, "Total the values and invoice them.")).ConfigureAwait(false);
                        var returned = Stopwatch.GetTimestamp();
                        Expect(suspended.Outcome == AgentOutcome.AwaitingApproval && probe.Calls == 0, $"the run ended {suspended.Outcome} with {probe.Calls} invoice(s)");
                        suspend.Add(Stopwatch.GetElapsedTime(probe.Asked, returned).TotalMilliseconds);
                    }

                    using (var second = Agent(interpreter, store, steps, probe, approver: null))
                    {
                        var started = Stopwatch.GetTimestamp();
                        var resumed = await second.RunAsync(AgentRunRequest.Resume(id, ApprovalDecision.Approve("bench", "approved"))).ConfigureAwait(false);
                        var ended = Stopwatch.GetTimestamp();
                        Expect(resumed.FinalAnswerText == Total(steps).ToString(CultureInfo.InvariantCulture) && probe.Calls == 1, $"the resume answered {resumed.FinalAnswerText} with {probe.Calls} invoice(s)");
                        toCall.Add(Stopwatch.GetElapsedTime(started, probe.Invoiced).TotalMilliseconds);
                        toAnswer.Add(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
                    }

                    await store.DeleteAsync(id).ConfigureAwait(false);
                }

                // The first two rounds pay the JIT and the store's first use; the medians are over the rest.
                static Samples Warm(List<double> values) => new(values.Skip(2));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[approval] {name}, {steps}-step session, suspension at the call: {Warm(suspend).Describe("ms")}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[approval] {name}, {steps}-step session, resume to the approved call ({steps - 1} steps replayed): {Warm(toCall).Describe("ms")}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[approval] {name}, {steps}-step session, resume to the final answer: {Warm(toAnswer).Describe("ms")}"));
            }
        }
        finally
        {
            await Disposal.DisposeAsync(store).ConfigureAwait(false);
        }
    }

    private static CodeActAgent Agent(JintInterpreter interpreter, ICheckpointStore store, int steps, Probe probe, IToolApprover? approver)
    {
        var turns = Enumerable.Range(1, steps).Select(i => i < steps
            ? $"```js\nvar v{i} = lookup({i});\ntotal = (typeof total === 'undefined' ? 0 : total) + v{i}.value;\nconsole.log('total ' + total);\n```"
            : "```js\nconst receipt = send_invoice('ACME', total);\nconsole.log(receipt);\nfinal_answer(total);\n```");
        var lookup = AIFunctionFactory.Create((int id) => new { id, value = id * 3 }, "lookup", "Looks a value up.");
        var invoice = new ApprovalRequiredAIFunction(AIFunctionFactory.Create(
            (string customer, double amount) =>
            {
                probe.Invoiced = Stopwatch.GetTimestamp();
                probe.Calls++;
                return $"invoice for {customer}: {amount}";
            },
            "send_invoice",
            "Sends an invoice."));
        return new CodeActAgent(
            interpreter,
            new ChatClientCodeGenerator(new ScriptedChatClient(turns)),
            new CodeActOptions { MaxSteps = steps, ShowStateDigest = false },
            [lookup, invoice],
            checkpoints: store,
            toolApprover: approver);
    }

    private static long Total(int steps) => 3L * (steps - 1) * steps / 2;

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"The approval benchmark went wrong: {what}.");
        }
    }

    private sealed class Probe
    {
        public long Asked { get; set; }

        public long Invoiced { get; set; }

        public int Calls { get; set; }
    }
}
