using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Agent;

/// <summary>Durable runs on a real SQLite journal: what is journaled, resuming after a crash, and what a resume refuses.</summary>
public sealed class DurableRunTests : AgentTestBase
{
    private string _folder = null!;
    private SqliteCheckpointStore _store = null!;
    private List<string> _shipped = null!;

    [SetUp]
    public void CreateStore()
    {
        _folder = Directory.CreateTempSubdirectory("codeact-durable-").FullName;
        _store = new SqliteCheckpointStore(Path.Combine(_folder, "sessions.db"));
        _shipped = [];
    }

    [TearDown]
    public void DeleteStore()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A tool with a side effect the tests can count.</summary>
    private AIFunction Ship => AIFunctionFactory.Create(
        ([System.ComponentModel.Description("The parcel")] string parcel) =>
        {
            lock (_shipped)
            {
                _shipped.Add(parcel);
                return $"shipped {parcel} as #{_shipped.Count}";
            }
        },
        "ship",
        "Ships a parcel and returns its tracking text.");

    private static readonly string[] Turns =
    [
        Js("var a = ship('A'); console.log(a);"),
        Js("var b = ship('B'); var c = ship('C'); console.log(b, c);"),
        Js("final_answer([a, b, c].join('; '));"),
    ];

    private CodeActAgent Agent(IEnumerable<string> turns) => CreateAgent(turns, tools: [Ship], checkpoints: _store);

    [Test]
    public async Task A_durable_run_journals_each_turn_tool_call_and_step_in_order()
    {
        var result = await Agent(Turns).RunAsync(AgentRunRequest.Durable("order-1", "Ship three parcels."));

        result.FinalAnswerText.Should().Be("shipped A as #1; shipped B as #2; shipped C as #3");
        var journal = await _store.ReadAsync("order-1");
        journal.Session.Should().Match<CheckpointSession>(s => s.Task == "Ship three parcels." && s.Language == "JavaScript" && s.Finished);
        journal.Entries.Select(e => (e.Step, e.Kind)).Should().Equal(
            (1, JournalEntryKind.ModelTurn), (1, JournalEntryKind.ToolCall), (1, JournalEntryKind.StepCompleted),
            (2, JournalEntryKind.ModelTurn), (2, JournalEntryKind.ToolCall), (2, JournalEntryKind.ToolCall), (2, JournalEntryKind.StepCompleted),
            (3, JournalEntryKind.ModelTurn), (3, JournalEntryKind.StepCompleted));
        journal.Entries[4].ToolCall!.Arguments.GetRawText().Should().Be("""{"parcel":"B"}""");
        journal.Entries[^1].Completed!.Outcome.Should().Be(AgentOutcome.FinalAnswer);
    }

    [Test]
    public async Task Resuming_after_a_crash_between_steps_replays_without_calling_tools_or_the_model_again()
    {
        // The model "crashes" after two steps: the scripted client has no third turn.
        var crashed = () => Agent(Turns.Take(2)).RunAsync(AgentRunRequest.Durable("order-2", "Ship three parcels."));
        await crashed.Should().ThrowAsync<InvalidOperationException>();
        _shipped.Should().Equal("A", "B", "C");

        var resumed = await Agent(Turns.Skip(2)).RunAsync(AgentRunRequest.Resume("order-2"));

        resumed.FinalAnswerText.Should().Be("shipped A as #1; shipped B as #2; shipped C as #3");
        _shipped.Should().Equal(["A", "B", "C"], "journaled tool calls are served from the journal");
        resumed.Steps.Select(s => s.Replayed).Should().Equal(true, true, false);
        Client.CallCount.Should().Be(1, "only the step not journaled asks the model");
        Client.ReceivedMessages[0].Should().HaveCount(6, "the conversation is rebuilt: system, task, then two turns and observations");
    }

    [Test]
    public async Task Resuming_after_a_crash_inside_a_step_serves_its_journaled_calls_and_makes_the_rest()
    {
        using var crash = new CancellationTokenSource();
        var crashing = AIFunctionFactory.Create(
            (string parcel) =>
            {
                lock (_shipped)
                {
                    _shipped.Add(parcel);
                    if (parcel == "B")
                    {
                        crash.Cancel(); // the process dies after B shipped and was journaled, before C
                    }

                    return $"shipped {parcel} as #{_shipped.Count}";
                }
            },
            "ship",
            "Ships a parcel.");
        var first = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(Turns)), new CodeActOptions(), [crashing], checkpoints: _store);
        var run = () => first.RunAsync(AgentRunRequest.Durable("order-3", "Ship three parcels."), crash.Token);
        await run.Should().ThrowAsync<OperationCanceledException>();
        _shipped.Should().Equal("A", "B");

        var resumed = await Agent(Turns.Skip(2)).RunAsync(AgentRunRequest.Resume("order-3"));

        _shipped.Should().Equal(["A", "B", "C"], "A and B came from the journal; only C ran");
        resumed.FinalAnswerText.Should().Be("shipped A as #1; shipped B as #2; shipped C as #3");
        resumed.Steps.Select(s => s.Replayed).Should().Equal(true, false, false);
    }

    [Test]
    public async Task Resuming_a_finished_session_replays_it_to_the_same_answer()
    {
        await Agent(Turns).RunAsync(AgentRunRequest.Durable("order-4", "Ship three parcels."));
        _shipped.Clear();

        var again = await Agent([Js("final_answer('never asked');")]).RunAsync(AgentRunRequest.Resume("order-4"));

        again.FinalAnswerText.Should().Be("shipped A as #1; shipped B as #2; shipped C as #3");
        again.Steps.Should().OnlyContain(s => s.Replayed);
        _shipped.Should().BeEmpty();
        Client.CallCount.Should().Be(0);
    }

    [Test]
    public async Task Code_that_reads_random_numbers_is_reported_as_a_divergence_and_the_journal_is_kept()
    {
        var turns = new[] { Js("var r = Math.random(); console.log(r);"), Js("final_answer(r);") };
        var crashed = () => Agent(turns.Take(1)).RunAsync(AgentRunRequest.Durable("random-1", "Pick a number."));
        await crashed.Should().ThrowAsync<InvalidOperationException>();

        var resume = () => Agent(turns.Skip(1)).RunAsync(AgentRunRequest.Resume("random-1"));

        (await resume.Should().ThrowAsync<JournalDivergenceException>())
            .WithMessage("*'random-1' cannot be resumed exactly*code block 1 of step 1*time or random numbers*");
        (await _store.ReadAsync("random-1")).Entries.Should().HaveCount(2);
    }

    [Test]
    public async Task A_second_resume_while_one_runs_is_refused_by_the_lease()
    {
        var crashed = () => Agent(Turns.Take(1)).RunAsync(AgentRunRequest.Durable("order-5", "Ship three parcels."));
        await crashed.Should().ThrowAsync<InvalidOperationException>();
        await using var running = Agent(Turns.Skip(1)).RunStreamingAsync(AgentRunRequest.Resume("order-5")).GetAsyncEnumerator();
        await running.MoveNextAsync();

        var second = () => Agent(Turns.Skip(1)).RunAsync(AgentRunRequest.Resume("order-5"));

        (await second.Should().ThrowAsync<SessionLeasedException>()).WithMessage("*'order-5' is being run by*");
    }

    [Test]
    public async Task Bad_requests_are_clear_errors()
    {
        await Agent(Turns).RunAsync(AgentRunRequest.Durable("order-6", "Ship three parcels."));

        await FluentActions.Awaiting(() => Agent(Turns).RunAsync(AgentRunRequest.Durable("order-6", "Again."))).Should().ThrowAsync<CheckpointConflictException>();
        await FluentActions.Awaiting(() => Agent(Turns).RunAsync(AgentRunRequest.Resume("no-such-session"))).Should().ThrowAsync<CheckpointNotFoundException>().WithMessage("*no durable session 'no-such-session'*");
        Action badId = () => _ = Agent(Turns).RunAsync(AgentRunRequest.Resume("../etc"));
        badId.Should().Throw<ArgumentException>().WithMessage("*not valid*");
        var noStore = CreateAgent(Turns);
        Action withoutStore = () => _ = noStore.RunAsync(AgentRunRequest.Resume("order-6"));
        withoutStore.Should().Throw<InvalidOperationException>().WithMessage("*no checkpoint store*");
    }
}
