using CodeActSdk.Tests.Shared;
using System.Diagnostics;
using System.Text.RegularExpressions;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CodeActSdk.Tests.Review;

/// <summary>The review seam before execution, on the real Jint interpreter and its real call preview.</summary>
public sealed class CodeReviewTests : AgentTestBase
{
    private readonly SideEffectTools _effects = new();

    private AIFunction DeleteFile => _effects.DeleteFile;

    private AIFunction SendEmail => _effects.SendEmail;

    [SetUp]
    public void Clear() => _effects.Clear();

    private CodeActAgent Agent(IEnumerable<string> turns, CodeReview review, ICheckpointStore? checkpoints = null)
    {
        var client = new ScriptedChatClient(turns);
        LastClient = client;
        return new CodeActAgent(Interpreter, new ChatClientCodeGenerator(client), new CodeActOptions { MaxSteps = 4 }, [DeleteFile, SendEmail], stepMiddleware: [review], checkpoints: checkpoints);
    }

    private ScriptedChatClient LastClient { get; set; } = null!;

    private static DelegateCodeReviewer Always(ReviewVerdict verdict, string name = "stub", List<CodeReviewRequest>? seen = null) =>
        new(name, (request, _) =>
        {
            seen?.Add(request);
            return ValueTask.FromResult(new ReviewDecision(verdict, $"{verdict} by {name}", name));
        });

    /// <summary>A reviewer that gives <paramref name="verdict"/> to code that deletes and approves other code.</summary>
    private static DelegateCodeReviewer OnDelete(ReviewVerdict verdict, string name) =>
        new(name, (request, _) => ValueTask.FromResult(request.Code.Contains("delete_file", StringComparison.Ordinal)
            ? new ReviewDecision(verdict, $"{verdict} by {name}", name)
            : ReviewDecision.Approve(name)));

    private CodeReviewRequest Request(string code) => new()
    {
        Code = code,
        Language = Interpreter.Language,
        Tools = [DeleteFile, SendEmail],
        Preview = Interpreter.GetService<ICallPreviewer>()!.Preview(code, [DeleteFile, SendEmail]),
    };

    [Test]
    public async Task An_approved_block_runs_and_the_reviewer_sees_code_tools_and_preview()
    {
        var seen = new List<CodeReviewRequest>();
        using var agent = Agent([Js("delete_file('a.txt'); final_answer('done');")], new CodeReview(Always(ReviewVerdict.Approve, seen: seen)));

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Be("done");
        _effects.Deleted.Should().Equal("a.txt");
        var request = seen.Should().ContainSingle().Subject;
        request.Code.Should().Contain("delete_file('a.txt')");
        request.Language.Name.Should().Be("JavaScript");
        request.Tools.Select(t => t.Name).Should().Equal("delete_file", "send_email");
        request.Preview.Calls.Should().ContainSingle().Which.ToolName.Should().Be("delete_file");
        request.StepNumber.Should().Be(1);
        request.Task.Should().Contain("Delete a.txt.");
        result.Steps[0].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => d.Verdict == ReviewVerdict.Approve && d.Reviewer == "stub");
    }

    [Test]
    public async Task A_rejected_block_does_not_run_its_reason_is_the_observation_and_the_next_turn_runs()
    {
        var reviewer = new DelegateCodeReviewer("guard", (request, _) => ValueTask.FromResult(
            request.Code.Contains("delete_file", StringComparison.Ordinal) ? ReviewDecision.Reject("guard", "deleting files is not allowed") : ReviewDecision.Approve("guard")));
        using var agent = Agent([Js("delete_file('a.txt');"), Js("final_answer('kept');")], new CodeReview(reviewer));

        var result = await agent.RunAsync("Tidy up.");

        _effects.Deleted.Should().BeEmpty("the rejected code never ran");
        result.FinalAnswerText.Should().Be("kept");
        var rejected = result.Steps[0].Executions.Should().ContainSingle().Subject;
        rejected.Status.Should().Be(ExecutionStatus.PolicyViolation);
        rejected.Error!.Kind.Should().Be(ErrorKind.Rejected);
        rejected.Error.Message.Should().Be("The code was not run: deleting files is not allowed (reviewer: guard).");
        result.Steps[0].Observation.Should().Contain("deleting files is not allowed").And.Contain("guard");
        LastClient.ReceivedMessages[1].Should().Contain(m => m.Role == ChatRole.User && m.Text.Contains("deleting files is not allowed"), "the model saw the reason");
        result.Steps[1].Reviews.Should().ContainSingle().Which.Verdict.Should().Be(ReviewVerdict.Approve);
    }

    [TestCase(ReviewVerdict.Approve, 1)]
    [TestCase(ReviewVerdict.Reject, 0)]
    public async Task Ask_human_goes_to_the_human_reviewer_whose_answer_holds(ReviewVerdict human, int deletions)
    {
        var humans = new List<CodeReviewRequest>();
        var review = new CodeReview(OnDelete(ReviewVerdict.AskHuman, "rules"), Always(human, "alice", humans));
        using var agent = Agent([Js("delete_file('a.txt');"), Js("final_answer('ok');")], review);

        var result = await agent.RunAsync("Delete a.txt.");

        humans.Should().ContainSingle().Which.Code.Should().Contain("delete_file");
        _effects.Deleted.Should().HaveCount(deletions);
        result.Steps[0].Reviews.Select(r => (r.Reviewer, r.Verdict)).Should().Equal(("rules", ReviewVerdict.AskHuman), ("alice", human));
        if (human == ReviewVerdict.Reject)
        {
            result.Steps[0].Observation.Should().Contain("Reject by alice").And.Contain("reviewer: alice");
        }
    }

    [Test]
    public async Task Ask_human_without_a_human_reviewer_is_a_rejection_saying_so()
    {
        using var agent = Agent([Js("delete_file('a.txt');"), Js("final_answer('ok');")], new CodeReview(OnDelete(ReviewVerdict.AskHuman, "rules")));

        var result = await agent.RunAsync("Delete a.txt.");

        _effects.Deleted.Should().BeEmpty();
        result.Steps[0].Executions[0].Error!.Message.Should().Contain("a human's approval was required").And.Contain("no human reviewer is available");
        result.Steps[0].Reviews.Select(r => r.Verdict).Should().Equal(ReviewVerdict.AskHuman, ReviewVerdict.Reject);
    }

    [Test]
    public async Task Rules_ask_a_human_for_a_literal_call_of_a_sensitive_tool_and_approve_other_code()
    {
        var rules = new RuleBasedCodeReviewer().Sensitive("delete_file");

        var sensitive = await rules.ReviewAsync(Request("delete_file('a.txt');"));
        var harmless = await rules.ReviewAsync(Request("send_email('a@b.c', 'hi');"));

        sensitive.Verdict.Should().Be(ReviewVerdict.AskHuman);
        sensitive.Reason.Should().Contain("sensitive tool delete_file (line 1)");
        sensitive.Reviewer.Should().Be("rules");
        harmless.Verdict.Should().Be(ReviewVerdict.Approve);
    }

    [Test]
    public async Task Rules_treat_a_dynamic_reach_of_a_sensitive_tool_as_a_call_of_it()
    {
        var rules = new RuleBasedCodeReviewer().Sensitive("delete_file");

        var decision = await rules.ReviewAsync(Request("const f = delete_file; f('x');"));

        decision.Verdict.Should().Be(ReviewVerdict.AskHuman);
        decision.Reason.Should().Contain("may reach the sensitive tool delete_file dynamically");
    }

    [Test]
    public async Task A_dynamic_call_of_a_sensitive_tool_in_a_run_goes_to_the_human()
    {
        var humans = new List<CodeReviewRequest>();
        var review = new CodeReview(new RuleBasedCodeReviewer().Sensitive("delete_file"), Always(ReviewVerdict.Reject, "alice", humans));
        using var agent = Agent([Js("const f = delete_file; f('x');"), Js("final_answer('ok');")], review);

        var result = await agent.RunAsync("Delete x.");

        humans.Should().ContainSingle();
        _effects.Deleted.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("ok");
    }

    [Test]
    public async Task Rules_check_literal_arguments_by_name_position_or_named_object_and_ask_about_computed_ones()
    {
        var rules = new RuleBasedCodeReviewer().Argument("send_email", "to", new Regex("@evil\\.example$"));

        (await rules.ReviewAsync(Request("send_email('x@evil.example', 'hi');"))).Verdict.Should().Be(ReviewVerdict.Reject);
        (await rules.ReviewAsync(Request("send_email({ to: 'x@evil.example', body: 'hi' });"))).Verdict.Should().Be(ReviewVerdict.Reject);
        (await rules.ReviewAsync(Request("send_email('x@good.example', 'hi');"))).Verdict.Should().Be(ReviewVerdict.Approve);
        var computed = await rules.ReviewAsync(Request("const who = 'x' + '@evil.example'; send_email(who, 'hi');"));
        computed.Verdict.Should().Be(ReviewVerdict.AskHuman);
        computed.Reason.Should().Contain("argument to is computed");
        (await rules.ReviewAsync(Request("send_email('x@evil.example', 'hi');"))).Reason.Should().Contain("send_email's argument to matches");
    }

    [Test]
    public async Task Rules_limit_calls_and_count_a_call_in_a_loop_or_function_as_unbounded()
    {
        var rules = new RuleBasedCodeReviewer().MaxCalls("send_email", 1);

        (await rules.ReviewAsync(Request("send_email('a@b.c', 'hi');"))).Verdict.Should().Be(ReviewVerdict.Approve);
        var twice = await rules.ReviewAsync(Request("send_email('a@b.c', 'hi'); send_email('d@e.f', 'hi');"));
        twice.Verdict.Should().Be(ReviewVerdict.Reject);
        twice.Reason.Should().Contain("calls send_email 2 times; at most 1 allowed");
        var loop = await rules.ReviewAsync(Request("for (const to of ['a@b.c']) { send_email(to, 'hi'); }"));
        loop.Verdict.Should().Be(ReviewVerdict.Reject);
        loop.Reason.Should().Contain("in a loop at line 1");
        (await rules.ReviewAsync(Request("function go() { send_email('a@b.c', 'hi'); } go();"))).Verdict.Should().Be(ReviewVerdict.Reject);
    }

    [Test]
    public async Task Without_a_call_preview_the_preview_says_any_tool_may_be_called_so_sensitive_rules_ask_a_human()
    {
        var humans = new List<CodeReviewRequest>();
        var review = new CodeReview(new RuleBasedCodeReviewer().Sensitive("delete_file"), Always(ReviewVerdict.Approve, "alice", humans));
        var client = new ScriptedChatClient([Js("final_answer(1 + 1);")]);
        using var agent = new CodeActAgent(new NoPreviewInterpreter(Interpreter), new ChatClientCodeGenerator(client), new CodeActOptions(), [DeleteFile], stepMiddleware: [review]);

        var result = await agent.RunAsync("Add.");

        result.FinalAnswerText.Should().Be("2");
        var request = humans.Should().ContainSingle().Subject;
        request.Preview.IsComplete.Should().BeFalse();
        request.Preview.Dynamic.Should().ContainSingle().Which.Reason.Should().Contain("offers no call preview");
    }

    [Test]
    public async Task A_reviewer_that_throws_gets_the_failure_policy_and_the_run_goes_on()
    {
        var throwing = new DelegateCodeReviewer("flaky", (request, _) => request.Code.Contains("delete_file", StringComparison.Ordinal)
            ? throw new InvalidOperationException("backend down")
            : ValueTask.FromResult(ReviewDecision.Approve("flaky")));
        using var agent = Agent([Js("delete_file('a.txt');"), Js("final_answer('ok');")], new CodeReview(throwing));

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Be("ok");
        _effects.Deleted.Should().BeEmpty();
        var decision = result.Steps[0].Reviews.Should().ContainSingle().Subject;
        decision.Should().Match<ReviewDecision>(d => d.IsFailure && d.Verdict == ReviewVerdict.Reject && d.Reviewer == "flaky");
        result.Steps[0].Observation.Should().Contain("the reviewer failed (InvalidOperationException: backend down); the failure policy is to reject");
    }

    [Test]
    public async Task The_approve_failure_policy_lets_the_code_run_and_records_the_failure()
    {
        var throwing = new DelegateCodeReviewer("flaky", (_, _) => throw new InvalidOperationException("backend down"));
        using var agent = Agent([Js("delete_file('a.txt'); final_answer('ok');")], new CodeReview(throwing, failurePolicy: ReviewFailurePolicy.Approve));

        var result = await agent.RunAsync("Delete a.txt.");

        _effects.Deleted.Should().Equal("a.txt");
        result.Steps[0].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => d.IsFailure && d.Verdict == ReviewVerdict.Approve);
    }

    [Test]
    public async Task Decisions_are_stamped_by_the_middlewares_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        using var agent = Agent([Js("final_answer(1);")], new CodeReview(Always(ReviewVerdict.Approve), timeProvider: clock));

        var result = await agent.RunAsync("One.");

        result.Steps[0].Reviews.Should().ContainSingle().Which.DecidedAt.Should().Be(clock.GetUtcNow());
    }

    [Test]
    public async Task Use_code_reviewer_registers_the_review_in_the_pipeline()
    {
        var client = new ScriptedChatClient([Js("delete_file('a.txt');"), Js("final_answer('ok');")]);
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseInterpreter(Interpreter)
            .UseChatClient(client)
            .AddTools(DeleteFile)
            .UseCodeReviewer(new RuleBasedCodeReviewer().Sensitive("delete_file", ReviewVerdict.Reject)));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var result = await provider.GetRequiredService<CodeActAgent>().RunAsync("Delete a.txt.");

        _effects.Deleted.Should().BeEmpty();
        result.Steps[0].Executions[0].Error!.Kind.Should().Be(ErrorKind.Rejected);
        result.Steps[0].Observation.Should().Contain("calls the sensitive tool delete_file (line 1) (reviewer: rules)");
    }

    [Test]
    public async Task A_resumed_durable_run_replays_a_rejected_step_without_asking_the_reviewer_again()
    {
        var folder = Path.Combine(Path.GetTempPath(), "codeact-review-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            string[] turns = [Js("delete_file('a.txt');"), Js("console.log('second');"), Js("final_answer('ok');")];
            var first = new List<CodeReviewRequest>();
            var crashed = () => Agent(turns.Take(2), new CodeReview(new DelegateCodeReviewer("guard", (request, _) =>
            {
                first.Add(request);
                return ValueTask.FromResult(request.Code.Contains("delete_file", StringComparison.Ordinal) ? ReviewDecision.Reject("guard", "no deleting") : ReviewDecision.Approve("guard"));
            })), store).RunAsync(AgentRunRequest.Durable("review-1", "Tidy up."));
            await crashed.Should().ThrowAsync<InvalidOperationException>();
            first.Should().HaveCount(2);

            var asked = new List<CodeReviewRequest>();
            var resumed = await Agent(turns.Skip(2), new CodeReview(Always(ReviewVerdict.Approve, "later", asked)), store).RunAsync(AgentRunRequest.Resume("review-1"));

            resumed.FinalAnswerText.Should().Be("ok");
            _effects.Deleted.Should().BeEmpty("the replay rejects the journaled rejection again instead of running it");
            asked.Should().ContainSingle("only the new step is reviewed").Which.Code.Should().Contain("final_answer");
            resumed.Steps[0].Executions[0].Error!.Message.Should().Contain("no deleting");
            resumed.Steps.Select(s => s.Replayed).Should().Equal(true, true, false);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task A_durable_run_waits_for_a_human_to_decide_a_block_and_runs_or_rejects_it_on_resume(bool approve)
    {
        var folder = Directory.CreateTempSubdirectory("codeact-review-").FullName;
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            string[] turns = [Js("console.log('looked');"), Js("delete_file('a.txt'); console.log('deleted');"), Js("final_answer('done');")];
            var rules = new List<CodeReviewRequest>();
            var review = new CodeReview(new DelegateCodeReviewer("rules", (request, _) =>
            {
                rules.Add(request);
                return ValueTask.FromResult(request.Code.Contains("delete_file", StringComparison.Ordinal) ? ReviewDecision.AskHuman("rules", "deleting needs a person") : ReviewDecision.Approve("rules"));
            }));

            var waiting = await Agent(turns, review, store).RunAsync(AgentRunRequest.Durable("review-block", "Tidy up."));

            waiting.Outcome.Should().Be(AgentOutcome.AwaitingApproval);
            waiting.PendingApproval.Should().Match<ApprovalRequest>(r => r.Id == "2.block0" && r.ToolName == null && r.Code.Contains("delete_file") && r.Reason.Contains("deleting needs a person"));
            waiting.Steps[1].Executions[0].Error!.Kind.Should().Be(ErrorKind.ApprovalRequired);
            _effects.Deleted.Should().BeEmpty();
            rules.Should().HaveCount(2);

            var decision = approve ? ApprovalDecision.Approve("alice", "a.txt is scratch") : ApprovalDecision.Reject("alice", "keep a.txt");
            var resumed = await Agent(turns.Skip(2), review, store).RunAsync(AgentRunRequest.Resume("review-block", decision));

            rules.Should().HaveCount(3, "the journaled reviews are replayed; the reviewer is asked only about the new step");
            rules[2].Code.Should().Contain("final_answer");
            _effects.Deleted.Should().HaveCount(approve ? 1 : 0);
            resumed.FinalAnswerText.Should().Be("done");
            resumed.Steps[1].Reviews.Select(r => (r.Reviewer, r.Verdict)).Should().Equal(("rules", ReviewVerdict.AskHuman), ("alice", approve ? ReviewVerdict.Approve : ReviewVerdict.Reject));
            resumed.Steps[1].Observation.Should().Contain(approve ? "deleted" : "keep a.txt");
            resumed.Steps[0].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(r => r.Reviewer == "rules" && r.Verdict == ReviewVerdict.Approve, "a replayed step has its journaled decisions");
            var journal = await store.ReadAsync("review-block");
            journal.Entries.Where(e => e.Kind == JournalEntryKind.Decision).Select(e => (e.Decision!.DecidedBy, e.Decision.BlockIndex, e.Decision.RequestId))
                .Should().Equal(("rules", 0, null), ("rules", 0, null), ("alice", null, "2.block0"), ("rules", 0, null));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task A_human_who_does_not_decide_is_a_rejection()
    {
        using var agent = Agent([Js("delete_file('a.txt');"), Js("final_answer('ok');")], new CodeReview(OnDelete(ReviewVerdict.AskHuman, "rules"), OnDelete(ReviewVerdict.AskHuman, "alice")));

        var result = await agent.RunAsync("Delete a.txt.");

        _effects.Deleted.Should().BeEmpty();
        result.Steps[0].Observation.Should().Contain("the human reviewer did not decide");
    }

    [Test]
    public async Task A_step_cancelled_while_a_human_reviews_is_reviewed_again_when_the_durable_run_resumes()
    {
        var folder = Path.Combine(Path.GetTempPath(), "codeact-review-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            string[] turns = [Js("delete_file('a.txt');"), Js("final_answer('ok');")];
            using var stop = new CancellationTokenSource();
            var leaving = new DelegateCodeReviewer("alice", async (_, ct) =>
            {
                await stop.CancelAsync();
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return ReviewDecision.Approve("alice");
            });
            var cancelled = () => Agent(turns.Take(1), new CodeReview(OnDelete(ReviewVerdict.AskHuman, "rules"), leaving), store)
                .RunAsync(AgentRunRequest.Durable("review-2", "Tidy up."), stop.Token);
            await cancelled.Should().ThrowAsync<OperationCanceledException>("the run's own cancellation is not a review failure");
            _effects.Deleted.Should().BeEmpty();

            var asked = new List<CodeReviewRequest>();
            var resumed = await Agent(turns.Skip(1), new CodeReview(OnDelete(ReviewVerdict.AskHuman, "rules"), Always(ReviewVerdict.Approve, "bob", asked)), store)
                .RunAsync(AgentRunRequest.Resume("review-2"));

            asked.Should().ContainSingle("the unfinished step's decision was not journaled, so it is asked again").Which.Code.Should().Contain("delete_file");
            _effects.Deleted.Should().Equal("a.txt");
            resumed.FinalAnswerText.Should().Be("ok");
            resumed.Steps[0].Reviews.Select(r => r.Reviewer).Should().Equal("rules", "bob");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The real interpreter with its call preview hidden, as a backend without one.</summary>
    private sealed class NoPreviewInterpreter(ICodeInterpreter inner) : DelegatingCodeInterpreter(inner)
    {
        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ICallPreviewer) ? null : base.GetService(serviceType, serviceKey);
    }
}
