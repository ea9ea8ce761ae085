using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Postgres.Tests;

/// <summary>
/// The durable pause for approval on PostgreSQL: the approval entries read back as written, and a run suspended by one
/// host is decided by a second (without running it) and finished by a third, sharing one database, with no tool call repeated.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ApprovalTests
{
    [Test]
    public async Task Approval_requests_and_decisions_read_back_as_they_were_appended()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id));
        JournalEntry[] entries =
        [
            Journal.ModelTurn(1, 1),
            new() { Sequence = 2, Kind = JournalEntryKind.Decision, Step = 1, At = Journal.Moment, Decision = new JournaledDecision("AskHuman", "deletes files", "rules", Journal.Moment, BlockIndex: 0, IsFailure: false) },
            new() { Sequence = 3, Kind = JournalEntryKind.ApprovalRequested, Step = 1, At = Journal.Moment, ApprovalRequest = new JournaledApprovalRequest("1.call1", "'send' needs approval", "send('ünï')", "send", Journal.Json("""{"to": "ünï"}""")) },
            new() { Sequence = 4, Kind = JournalEntryKind.Decision, Step = 1, At = Journal.Moment, Decision = new JournaledDecision("Approve", "fine", "alice", Journal.Moment, RequestId: "1.call1", Arguments: Journal.Json("""{"to": "other"}""")) },
        ];
        foreach (var entry in entries)
        {
            await store.AppendAsync(id, entry);
        }

        var journal = await store.ReadAsync(id);

        journal.Entries.Select(Journal.Content).Should().Equal(entries.Select(Journal.Content));
        journal.Session.Finished.Should().BeFalse();
    }

    [Test]
    public async Task A_run_suspended_on_one_host_is_decided_on_another_and_finished_on_a_third()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var sent = new List<string>();
        var looked = 0;
        AIFunction[] Tools() =>
        [
            AIFunctionFactory.Create((string name) => { Interlocked.Increment(ref looked); return name.ToLowerInvariant() + "@example.com"; }, "lookup", "Finds an address."),
            new ApprovalRequiredAIFunction(AIFunctionFactory.Create((string to) => { lock (sent) { sent.Add(to); } return "sent to " + to; }, "send", "Sends a mail.")),
        ];
        string[] turns = ["```js\nvar to = lookup('Ann');\n```", "```js\nvar receipt = send(to);\n```", "```js\nfinal_answer(receipt);\n```"];
        using var interpreter = new JintInterpreter();
        CodeActAgent Host(IEnumerable<string> script) =>
            new(interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(script)), new CodeActOptions { MaxSteps = 4 }, Tools(), checkpoints: schema.NewStore());
        var id = Journal.NewId("approval");

        using (var first = Host(turns))
        {
            var suspended = await first.RunAsync(AgentRunRequest.Durable(id, "Mail Ann."));
            suspended.Outcome.Should().Be(AgentOutcome.AwaitingApproval);
            suspended.PendingApproval!.Id.Should().Be("2.call1");
        }

        var decider = schema.NewStore();
        (await decider.GetPendingApprovalAsync(id))!.ToolName.Should().Be("send");
        (await decider.DecideApprovalAsync(id, ApprovalDecision.Approve("alice", "checked"))).Id.Should().Be("2.call1");
        (await decider.GetPendingApprovalAsync(id)).Should().BeNull();

        using var third = Host(turns.Skip(2));
        var result = await third.RunAsync(AgentRunRequest.Resume(id));

        result.FinalAnswerText.Should().Be("sent to ann@example.com");
        sent.Should().Equal("ann@example.com");
        looked.Should().Be(1, "the lookup is served from the journal on the third host");
        result.Steps[1].Approvals.Should().ContainSingle().Which.Decision.DecidedBy.Should().Be("alice");
        (await decider.ReadAsync(id)).Session.Finished.Should().BeTrue();
    }
}
