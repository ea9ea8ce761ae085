using System.Diagnostics;
using System.Text.Json;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace CodeActSdk.Tests.Approvals;

/// <summary>
/// Run-time approval of tools marked <see cref="ApprovalRequiredAIFunction"/>, on the real Jint interpreter and a real
/// SQLite journal: the in-line approver, rejection when nobody can decide, the durable pause and its resume with each
/// kind of decision, and calls hidden from the static preview.
/// </summary>
public sealed class ToolApprovalTests : AgentTestBase
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private string _folder = null!;
    private SqliteCheckpointStore _store = null!;
    private List<string> _sent = null!;
    private List<string> _looked = null!;

    [SetUp]
    public void CreateStore()
    {
        _folder = Directory.CreateTempSubdirectory("codeact-approval-").FullName;
        _store = new SqliteCheckpointStore(Path.Combine(_folder, "sessions.db"));
        _sent = [];
        _looked = [];
    }

    [TearDown]
    public void DeleteStore()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Needs approval: sends an email and returns a receipt.</summary>
    private AIFunction SendEmail => new ApprovalRequiredAIFunction(AIFunctionFactory.Create(
        (string to, string body) =>
        {
            lock (_sent)
            {
                _sent.Add($"{to}: {body}");
                return $"sent #{_sent.Count} to {to}";
            }
        },
        "send_email",
        "Sends an email."));

    /// <summary>Needs no approval: looks up a customer's address.</summary>
    private AIFunction Lookup => AIFunctionFactory.Create(
        (string name) =>
        {
            lock (_looked)
            {
                _looked.Add(name);
            }

            return name.ToLowerInvariant() + "@example.com";
        },
        "lookup",
        "Returns a customer's email address.");

    private CodeActAgent Agent(IEnumerable<string> turns, IToolApprover? approver = null, FakeTimeProvider? time = null) =>
        new(Interpreter, new ChatClientCodeGenerator(Client = new ScriptedChatClient(turns)), new CodeActOptions { MaxSteps = 5 }, [Lookup, SendEmail],
            checkpoints: _store, timeProvider: time, toolApprover: approver);

    private new ScriptedChatClient Client { get; set; } = null!;

    private static DelegateToolApprover Answer(Func<ApprovalRequest, ApprovalDecision?> decide, List<ApprovalRequest>? seen = null) =>
        new((request, _) =>
        {
            seen?.Add(request);
            return ValueTask.FromResult(decide(request));
        });

    private static readonly string[] Mail =
    [
        Js("var to = lookup('Ann'); console.log(to);"),
        Js("var receipt = send_email(to, 'Your invoice'); console.log(receipt);"),
        Js("final_answer(receipt);"),
    ];

    [Test]
    public async Task Without_an_approver_or_a_durable_run_the_call_is_rejected_and_the_code_is_told_why()
    {
        using var agent = Agent([Js("try { send_email('a@b.c', 'hi'); } catch (e) { console.log(e.message); }"), Js("final_answer('gave up');")]);

        var result = await agent.RunAsync("Mail Ann.");

        _sent.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("gave up");
        result.Steps[0].Executions[0].Stdout.Should().Contain("needs a person's approval").And.Contain("durable run").And.Contain("UseToolApprover");
        var approval = result.Steps[0].Approvals.Should().ContainSingle().Subject;
        approval.Request.Should().Match<ApprovalRequest>(r => r.Id == "1.call1" && r.ToolName == "send_email" && r.Step == 1);
        approval.Decision.Should().Match<ApprovalDecision>(d => !d.Approved && d.IsFailure && d.DecidedBy == "codeact");
    }

    [Test]
    public async Task An_in_line_approval_lets_the_call_run_and_records_who_decided_what_and_when()
    {
        var seen = new List<ApprovalRequest>();
        var time = new FakeTimeProvider(Now);
        using var agent = Agent(Mail, Answer(_ => ApprovalDecision.Approve("alice", "invoice mails are fine"), seen), time);

        var result = await agent.RunAsync("Mail Ann her invoice.");

        result.FinalAnswerText.Should().Be("sent #1 to ann@example.com");
        _sent.Should().Equal("ann@example.com: Your invoice");
        var request = seen.Should().ContainSingle().Subject;
        request.ToolName.Should().Be("send_email");
        JsonElement.DeepEquals(request.Arguments!.Value, JsonDocument.Parse("""{"to":"ann@example.com","body":"Your invoice"}""").RootElement).Should().BeTrue();
        request.Code.Should().Contain("send_email(to, 'Your invoice')");
        request.Id.Should().Be("2.call1");
        var approval = result.Steps[1].Approvals.Should().ContainSingle().Subject;
        approval.Decision.Should().Match<ApprovalDecision>(d => d.Approved && d.DecidedBy == "alice" && d.Reason == "invoice mails are fine" && d.DecidedAt == Now);
        result.Steps[0].Approvals.Should().BeEmpty("lookup needs no approval");
    }

    [Test]
    public async Task An_in_line_rejection_fails_the_call_with_the_reason_which_the_model_reads()
    {
        using var agent = Agent(
            [Js("send_email('all@example.com', 'Spam');"), Js("final_answer('not sent');")],
            Answer(_ => ApprovalDecision.Reject("alice", "no mass mails")));

        var result = await agent.RunAsync("Mail everyone.");

        _sent.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("not sent");
        result.Steps[0].Observation.Should().Contain("rejected by alice: no mass mails");
        Client.ReceivedMessages[1].Should().Contain(m => m.Text.Contains("no mass mails"), "the model saw the reason");
    }

    [Test]
    public async Task Edited_arguments_are_what_the_tool_is_called_with()
    {
        var edited = JsonDocument.Parse("""{"to":"billing@example.com","body":"Your invoice"}""").RootElement;
        using var agent = Agent(Mail, Answer(_ => ApprovalDecision.ApproveWithArguments("alice", edited)));

        var result = await agent.RunAsync("Mail Ann her invoice.");

        _sent.Should().Equal("billing@example.com: Your invoice");
        result.FinalAnswerText.Should().Be("sent #1 to billing@example.com");
        result.Steps[1].Approvals[0].Decision.Arguments!.Value.GetProperty("to").GetString().Should().Be("billing@example.com");
    }

    [Test]
    public async Task An_approver_that_throws_has_the_call_rejected_and_the_run_goes_on()
    {
        using var agent = Agent(
            [Js("send_email('a@example.com', 'hi');"), Js("final_answer('done');")],
            new DelegateToolApprover((_, _) => throw new TimeoutException("the approval service is down")));

        var result = await agent.RunAsync("Mail A.");

        _sent.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("done");
        result.Steps[0].Approvals[0].Decision.Should().Match<ApprovalDecision>(d => !d.Approved && d.IsFailure && d.Reason.Contains("the approval service is down"));
    }

    [Test]
    public async Task A_durable_run_without_a_decision_is_suspended_at_the_call_and_nothing_after_it_runs()
    {
        using var agent = Agent(Mail);

        var result = await agent.RunAsync(AgentRunRequest.Durable("mail-1", "Mail Ann her invoice."));

        result.Outcome.Should().Be(AgentOutcome.AwaitingApproval);
        result.Succeeded.Should().BeFalse();
        result.FinalAnswerText.Should().BeNull();
        result.PendingApproval.Should().Match<ApprovalRequest>(r => r.Id == "2.call1" && r.ToolName == "send_email" && r.Step == 2);
        result.PendingApproval!.Arguments!.Value.GetProperty("to").GetString().Should().Be("ann@example.com");
        result.Steps.Should().HaveCount(2);
        result.Steps[1].Executions[0].Error!.Kind.Should().Be(ErrorKind.ApprovalRequired);
        _sent.Should().BeEmpty();
        Client.CallCount.Should().Be(2, "the model is not asked after the run stopped");

        var journal = await _store.ReadAsync("mail-1");
        journal.Session.Finished.Should().BeFalse();
        journal.Entries.Select(e => e.Kind).Should().Equal(
            JournalEntryKind.ModelTurn, JournalEntryKind.ToolCall, JournalEntryKind.StepCompleted,
            JournalEntryKind.ModelTurn, JournalEntryKind.ApprovalRequested);
        (await _store.GetPendingApprovalAsync("mail-1"))!.Id.Should().Be("2.call1");
    }

    [Test]
    public async Task Resumed_with_an_approval_on_another_agent_the_call_runs_once_and_no_earlier_call_is_repeated()
    {
        using (var first = Agent(Mail))
        {
            (await first.RunAsync(AgentRunRequest.Durable("mail-2", "Mail Ann her invoice."))).Outcome.Should().Be(AgentOutcome.AwaitingApproval);
        }

        var time = new FakeTimeProvider(Now);
        using var second = Agent(Mail.Skip(2), time: time);
        var result = await second.ResumeAsync("mail-2", ApprovalDecision.Approve("bob", "checked the invoice"));

        result.FinalAnswerText.Should().Be("sent #1 to ann@example.com");
        _sent.Should().HaveCount(1);
        _looked.Should().Equal(["Ann"], "the lookup of step 1 is served from the journal");
        result.Steps.Select(s => s.Replayed).Should().Equal(true, false, false);
        result.Steps[1].Approvals.Should().ContainSingle().Which.Decision.Should().Match<ApprovalDecision>(d => d.DecidedBy == "bob" && d.DecidedAt == Now);

        var journal = await _store.ReadAsync("mail-2");
        journal.Session.Finished.Should().BeTrue();
        var decision = journal.Entries.Single(e => e.Kind == JournalEntryKind.Decision).Decision!;
        decision.Should().Match<JournaledDecision>(d => d.Verdict == "Approve" && d.DecidedBy == "bob" && d.Reason == "checked the invoice" && d.RequestId == "2.call1" && d.DecidedAt == Now);
        (await _store.GetPendingApprovalAsync("mail-2")).Should().BeNull();

        // A resume of the finished session replays everything: the decision and the call come from the journal.
        using var third = Agent([Js("final_answer('not asked');")]);
        var replayed = await third.RunAsync(AgentRunRequest.Resume("mail-2"));
        replayed.FinalAnswerText.Should().Be("sent #1 to ann@example.com");
        _sent.Should().HaveCount(1);
        replayed.Steps[1].Approvals.Should().ContainSingle().Which.Decision.DecidedBy.Should().Be("bob");
    }

    [Test]
    public async Task Resumed_with_a_rejection_the_code_sees_the_reason_and_may_carry_on()
    {
        string[] turns =
        [
            Js("var to = lookup('Ann'); var receipt; try { receipt = send_email(to, 'Your invoice'); } catch (e) { receipt = 'not sent: ' + e.message; } console.log(receipt);"),
            Js("final_answer(receipt);"),
        ];
        using (var first = Agent(turns))
        {
            (await first.RunAsync(AgentRunRequest.Durable("mail-3", "Mail Ann."))).Outcome.Should().Be(AgentOutcome.AwaitingApproval, "the code's catch cannot swallow the suspension");
        }

        using var second = Agent(turns.Skip(1));
        var result = await second.RunAsync(AgentRunRequest.Resume("mail-3", ApprovalDecision.Reject("bob", "Ann already paid")));

        _sent.Should().BeEmpty();
        result.FinalAnswerText.Should().Contain("not sent").And.Contain("rejected by bob: Ann already paid");
    }

    [Test]
    public async Task Resumed_with_edited_arguments_the_tool_gets_them_and_a_later_replay_agrees()
    {
        using (var first = Agent(Mail))
        {
            await first.RunAsync(AgentRunRequest.Durable("mail-4", "Mail Ann."));
        }

        var edited = JsonDocument.Parse("""{"to":"ann@example.com","body":"Your corrected invoice"}""").RootElement;
        using var second = Agent(Mail.Skip(2));
        var result = await second.RunAsync(AgentRunRequest.Resume("mail-4", ApprovalDecision.ApproveWithArguments("bob", edited)));

        _sent.Should().Equal("ann@example.com: Your corrected invoice");
        result.FinalAnswerText.Should().Be("sent #1 to ann@example.com");
        using var third = Agent([Js("final_answer('not asked');")]);
        (await third.RunAsync(AgentRunRequest.Resume("mail-4"))).FinalAnswerText.Should().Be("sent #1 to ann@example.com");
        _sent.Should().HaveCount(1);
    }

    [Test]
    public async Task A_resume_without_a_decision_waits_again_without_asking_twice_in_the_journal()
    {
        using (var first = Agent(Mail))
        {
            await first.RunAsync(AgentRunRequest.Durable("mail-5", "Mail Ann."));
        }

        using var second = Agent([Js("final_answer('not asked');")]);
        var again = await second.RunAsync(AgentRunRequest.Resume("mail-5"));

        again.Outcome.Should().Be(AgentOutcome.AwaitingApproval);
        again.PendingApproval!.Id.Should().Be("2.call1");
        (await _store.ReadAsync("mail-5")).Entries.Count(e => e.Kind == JournalEntryKind.ApprovalRequested).Should().Be(1);

        // An in-line approver on a later resume decides it, and that decision is journaled too.
        using var third = Agent(Mail.Skip(2), Answer(_ => ApprovalDecision.Approve("carol")));
        (await third.RunAsync(AgentRunRequest.Resume("mail-5"))).FinalAnswerText.Should().Be("sent #1 to ann@example.com");
        (await _store.ReadAsync("mail-5")).Entries.Single(e => e.Kind == JournalEntryKind.Decision).Decision!.DecidedBy.Should().Be("carol");
    }

    [Test]
    public async Task A_decision_for_a_session_that_waits_for_nothing_is_refused_and_changes_nothing()
    {
        using (var first = Agent([Js("final_answer(lookup('Ann'));")]))
        {
            await first.RunAsync(AgentRunRequest.Durable("mail-6", "Find Ann."));
        }

        var before = (await _store.ReadAsync("mail-6")).Entries.Count;
        using var second = Agent([Js("final_answer('not asked');")]);
        var resume = () => second.RunAsync(AgentRunRequest.Resume("mail-6", ApprovalDecision.Approve("bob")));

        (await resume.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*'mail-6' is not waiting for an approval*");
        (await _store.ReadAsync("mail-6")).Entries.Should().HaveCount(before);
        var store = () => _store.DecideApprovalAsync("mail-6", ApprovalDecision.Approve("bob"));
        await store.Should().ThrowAsync<InvalidOperationException>();
    }

    [Test]
    public async Task Two_calls_in_one_step_wait_one_after_the_other_and_the_first_is_not_repeated()
    {
        string[] turns =
        [
            Js("var r1 = send_email('a@example.com', 'one'); var r2 = send_email('b@example.com', 'two'); console.log(r1, r2);"),
            Js("final_answer([r1, r2]);"),
        ];
        using (var first = Agent(turns))
        {
            (await first.RunAsync(AgentRunRequest.Durable("mail-7", "Mail two."))).PendingApproval!.Id.Should().Be("1.call1");
        }

        using (var second = Agent([Js("final_answer('not asked');")]))
        {
            var waiting = await second.RunAsync(AgentRunRequest.Resume("mail-7", ApprovalDecision.Approve("bob")));
            waiting.PendingApproval!.Should().Match<ApprovalRequest>(r => r.Id == "1.call2" && r.Arguments!.Value.GetProperty("to").GetString() == "b@example.com");
        }

        _sent.Should().Equal("a@example.com: one");
        using var third = Agent(turns.Skip(1));
        var result = await third.RunAsync(AgentRunRequest.Resume("mail-7", ApprovalDecision.Approve("bob")));

        result.FinalAnswer!.Value.GetRawText().Should().Be("""["sent #1 to a@example.com","sent #2 to b@example.com"]""");
        _sent.Should().Equal("a@example.com: one", "b@example.com: two");
        result.Steps[0].Approvals.Select(a => a.Request.Id).Should().Equal("1.call1", "1.call2");
    }

    [Test]
    public async Task A_decision_recorded_in_the_store_is_taken_by_the_next_resume()
    {
        using (var first = Agent(Mail))
        {
            await first.RunAsync(AgentRunRequest.Durable("mail-8", "Mail Ann."));
        }

        var decided = await _store.DecideApprovalAsync("mail-8", ApprovalDecision.Approve("dave", "ok by phone"));
        decided.Id.Should().Be("2.call1");

        using var second = Agent(Mail.Skip(2));
        var result = await second.RunAsync(AgentRunRequest.Resume("mail-8"));
        result.FinalAnswerText.Should().Be("sent #1 to ann@example.com");
        result.Steps[1].Approvals[0].Decision.DecidedBy.Should().Be("dave");
    }

    /// <summary>Code written to hide its calls from the static preview still stops at the call at run time.</summary>
    [TestCase("var f = send_email; f('x@example.com', 'hi');", TestName = "Alias")]
    [TestCase("var name = 'send_' + 'email'; globalThis[name]('x@example.com', 'hi');", TestName = "Computed name")]
    [TestCase("eval(\"send_email('x@example.com', 'hi')\");", TestName = "eval")]
    [TestCase("new Function(\"return send_email('x@example.com', 'hi')\")();", TestName = "Function constructor")]
    [TestCase("['x@example.com'].map(to => send_email(to, 'hi'));", TestName = "Callback")]
    [TestCase("const { send_email: s } = globalThis; s('x@example.com', 'hi');", TestName = "Destructured")]
    [TestCase("send_email.call(null, 'x@example.com', 'hi');", TestName = "Function.prototype.call")]
    [TestCase("Reflect.apply(send_email, null, ['x@example.com', 'hi']);", TestName = "Reflect.apply")]
    [TestCase("try { send_email('x@example.com', 'hi'); } catch (e) { } finally { console.log('still'); }", TestName = "Caught")]
    public async Task A_call_hidden_from_the_preview_is_still_stopped_for_approval(string code)
    {
        using var agent = Agent([Js(code + " final_answer('should not get here');")]);

        var result = await agent.RunAsync(AgentRunRequest.Durable("hidden-" + Guid.NewGuid().ToString("N")[..8], "Mail X."));

        result.Outcome.Should().Be(AgentOutcome.AwaitingApproval);
        result.PendingApproval!.ToolName.Should().Be("send_email");
        _sent.Should().BeEmpty();
    }

    [Test]
    public async Task A_decided_approval_is_an_event_on_the_step_span()
    {
        var events = new List<ActivityEvent>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "CodeActSdk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "codeact.step")
                {
                    lock (events)
                    {
                        events.AddRange(activity.Events);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var agent = Agent(Mail, Answer(_ => ApprovalDecision.Approve("alice")));

        await agent.RunAsync("Mail Ann.");

        var approval = events.Should().ContainSingle(e => e.Name == "codeact.approval").Subject;
        approval.Tags.Should().Contain(new KeyValuePair<string, object?>("codeact.approval.decided_by", "alice"))
            .And.Contain(new KeyValuePair<string, object?>("gen_ai.tool.name", "send_email"))
            .And.Contain(new KeyValuePair<string, object?>("codeact.approval.approved", true));
    }
}
