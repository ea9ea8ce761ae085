using CodeActSdk.Tests.Shared;
using System.Text.Json;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.V8.Tests;

/// <summary>
/// The review seam before execution (<see cref="CodeReview"/>) on the real V8 interpreter and its real JavaScript call
/// preview: what a reviewer is given, that rejected code does not run and the run goes on, the rule-based reviewer's
/// sensitive tools with literal and dynamic (alias, computed global member, <c>eval</c>, <c>Function</c>) reaches that
/// V8 really follows, a failing reviewer, and the decisions recorded on the step.
/// </summary>
public sealed class CodeReviewTests : V8TestBase
{
    private readonly SideEffectTools _effects = new();

    private AIFunction DeleteFile => _effects.DeleteFile;

    private AIFunction SendEmail => _effects.SendEmail;

    private ScriptedChatClient Client { get; set; } = null!;

    [SetUp]
    public void Clear() => _effects.Clear();

    private static string Js(string code) => $"Next step.\n```js\n{code}\n```";

    private CodeActAgent Agent(IEnumerable<string> turns, CodeReview review)
    {
        Client = new ScriptedChatClient(turns);
        return new CodeActAgent(Interpreter, new ChatClientCodeGenerator(Client), new CodeActOptions { MaxSteps = 4 }, [DeleteFile, SendEmail], stepMiddleware: [review]);
    }

    /// <summary>A reviewer that answers <paramref name="verdict"/> to everything and keeps what it was asked.</summary>
    private static DelegateCodeReviewer Always(ReviewVerdict verdict, string name, List<CodeReviewRequest> seen) =>
        new(name, (request, _) =>
        {
            seen.Add(request);
            return ValueTask.FromResult(new ReviewDecision(verdict, $"{verdict} by {name}", name));
        });

    [Test]
    public async Task An_approved_block_runs_and_the_reviewer_sees_the_code_language_tools_and_a_preview_of_the_literal_call()
    {
        var seen = new List<CodeReviewRequest>();
        using var agent = Agent([Js("const r = delete_file('a.txt'); final_answer(r);")], new CodeReview(Always(ReviewVerdict.Approve, "stub", seen)));

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Be("deleted a.txt", "the approved code ran in V8 and called the tool");
        _effects.Deleted.Should().Equal("a.txt");
        var request = seen.Should().ContainSingle().Subject;
        request.Code.Should().Be("const r = delete_file('a.txt'); final_answer(r);");
        request.Language.Should().BeSameAs(Interpreter.Language);
        request.Language.Name.Should().Be("JavaScript");
        request.Tools.Select(t => t.Name).Should().Equal("delete_file", "send_email");
        request.Preview.IsComplete.Should().BeTrue();
        request.Preview.Dynamic.Should().BeEmpty();
        var call = request.Preview.Calls.Should().ContainSingle().Subject;
        call.ToolName.Should().Be("delete_file");
        call.Line.Should().Be(1);
        call.Placement.Should().Be(CallPlacement.None);
        var argument = call.Arguments.Should().ContainSingle().Subject;
        argument.Value!.Value.ValueKind.Should().Be(JsonValueKind.String);
        argument.Value.Value.GetString().Should().Be("a.txt");
        request.StepNumber.Should().Be(1);
        request.BlockIndex.Should().Be(0);
        request.Task.Should().Contain("Delete a.txt.");
    }

    [Test]
    public async Task A_rejected_block_does_not_run_its_reason_is_the_observation_and_the_next_turn_runs()
    {
        var reviewer = new DelegateCodeReviewer("guard", (request, _) => ValueTask.FromResult(
            request.Preview.Calls.Any(c => c.ToolName == "delete_file") ? ReviewDecision.Reject("guard", "deleting files is not allowed") : ReviewDecision.Approve("guard")));
        using var agent = Agent([Js("delete_file('a.txt'); console.log('ran');"), Js("send_email('a@b.c', 'kept'); final_answer('kept');")], new CodeReview(reviewer));

        var result = await agent.RunAsync("Tidy up.");

        _effects.Deleted.Should().BeEmpty("the rejected code never ran");
        _effects.Sent.Should().Equal("a@b.c");
        result.FinalAnswerText.Should().Be("kept");
        var rejected = result.Steps[0].Executions.Should().ContainSingle().Subject;
        rejected.Status.Should().Be(ExecutionStatus.PolicyViolation);
        rejected.Error!.Kind.Should().Be(ErrorKind.Rejected);
        rejected.Error.Message.Should().Be("The code was not run: deleting files is not allowed (reviewer: guard).");
        rejected.Stdout.Should().NotContain("ran");
        rejected.ToolCalls.Should().BeEmpty();
        result.Steps[0].Observation.Should().Contain("deleting files is not allowed").And.Contain("guard");
        Client.ReceivedMessages[1].Should().Contain(m => m.Role == ChatRole.User && m.Text.Contains("deleting files is not allowed"), "the model saw the reason");
        result.Steps[1].Executions.Should().ContainSingle().Which.Status.Should().Be(ExecutionStatus.Completed);
    }

    [TestCase(ReviewVerdict.Reject)]
    [TestCase(ReviewVerdict.AskHuman)]
    public async Task Rules_with_a_sensitive_tool_stop_code_that_calls_it_and_approve_code_that_does_not(ReviewVerdict verdict)
    {
        var humans = new List<CodeReviewRequest>();
        var review = new CodeReview(new RuleBasedCodeReviewer().Sensitive("delete_file", verdict), Always(ReviewVerdict.Reject, "alice", humans));
        using var agent = Agent([Js("delete_file('a.txt');"), Js("send_email('a@b.c', 'hi'); final_answer('ok');")], review);

        var result = await agent.RunAsync("Tidy up.");

        _effects.Deleted.Should().BeEmpty();
        _effects.Sent.Should().Equal("a@b.c");
        result.FinalAnswerText.Should().Be("ok");
        var first = result.Steps[0].Reviews[0];
        first.Should().Match<ReviewDecision>(d => d.Verdict == verdict && d.Reviewer == "rules" && !d.IsFailure);
        first.Reason.Should().Contain("calls the sensitive tool delete_file (line 1)");
        humans.Should().HaveCount(verdict == ReviewVerdict.AskHuman ? 1 : 0, "only an ask-human verdict goes to the human");
        result.Steps[0].Reviews.Select(r => r.Reviewer).Should().Equal(verdict == ReviewVerdict.AskHuman ? new[] { "rules", "alice" } : ["rules"]);
        result.Steps[1].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => d.Verdict == ReviewVerdict.Approve && d.Reviewer == "rules");
    }

    [TestCase("const f = delete_file; f('a.txt');", DynamicReachKind.ToolAsValue, TestName = "A tool reached through an alias is dynamic and asks a human on V8")]
    [TestCase("globalThis['delete_' + 'file']('a.txt');", DynamicReachKind.ComputedMember, TestName = "A tool reached through a computed global name is dynamic and asks a human on V8")]
    [TestCase("eval(\"delete_file('a.txt')\");", DynamicReachKind.Eval, TestName = "A tool reached through eval is dynamic and asks a human on V8")]
    [TestCase("new Function(\"return delete_file\")()('a.txt');", DynamicReachKind.FunctionConstructor, TestName = "A tool reached through the Function constructor is dynamic and asks a human on V8")]
    public async Task A_dynamic_reach_counts_as_a_call_of_the_sensitive_tool(string code, DynamicReachKind kind)
    {
        foreach (var human in new[] { ReviewVerdict.Reject, ReviewVerdict.Approve })
        {
            _effects.Deleted.Clear();
            var humans = new List<CodeReviewRequest>();
            var review = new CodeReview(new RuleBasedCodeReviewer().Sensitive("delete_file"), Always(human, "alice", humans));
            using var agent = Agent([Js(code), Js("final_answer('ok');")], review);

            var result = await agent.RunAsync("Delete a.txt.");

            var request = humans.Should().ContainSingle("the rules asked the human about the dynamic reach").Subject;
            request.Preview.IsComplete.Should().BeFalse();
            request.Preview.Calls.Should().NotContain(c => c.ToolName == "delete_file", "the call is not a literal one");
            request.Preview.Dynamic.Should().NotBeEmpty().And.Contain(d => d.Kind == kind);
            var rules = result.Steps[0].Reviews[0];
            rules.Verdict.Should().Be(ReviewVerdict.AskHuman);
            rules.Reason.Should().Contain("may reach the sensitive tool delete_file dynamically");
            result.FinalAnswerText.Should().Be("ok");
            // What the human decides holds; approved, V8 really reaches the tool the preview could not name.
            _effects.Deleted.Should().Equal(human == ReviewVerdict.Approve ? new[] { "a.txt" } : []);
        }
    }

    [Test]
    public async Task A_dynamic_reach_that_names_only_another_tool_is_not_a_call_of_the_sensitive_one_but_a_call_through_an_alias_is()
    {
        var humans = new List<CodeReviewRequest>();
        var seen = new List<CodeReviewRequest>();
        var rules = new RuleBasedCodeReviewer().Sensitive("delete_file");
        var review = new CodeReview(new DelegateCodeReviewer("spy", async (request, ct) =>
        {
            seen.Add(request);
            return await rules.ReviewAsync(request, ct);
        }), Always(ReviewVerdict.Reject, "alice", humans));
        using var agent = Agent([Js("send_email.call(null, 'a@b.c', 'hi'); final_answer('sent');")], review);

        var result = await agent.RunAsync("Mail.");

        var preview = seen.Should().ContainSingle().Subject.Preview;
        preview.IsComplete.Should().BeFalse();
        preview.Calls.Should().BeEmpty();
        preview.Dynamic.Should().ContainSingle().Which.Should().Match<DynamicReach>(d => d.Kind == DynamicReachKind.ToolAsValue && d.ToolName == "send_email");
        humans.Should().BeEmpty("the only tool this reach can be is send_email, which is not sensitive");
        result.Steps[0].Reviews.Should().ContainSingle().Which.Verdict.Should().Be(ReviewVerdict.Approve);
        _effects.Sent.Should().Equal("a@b.c");
        result.FinalAnswerText.Should().Be("sent");

        // Calling an alias is a call of an unknown callee (no tool named), which the rules count as any tool.
        var alias = "const s = send_email; s('a@b.c', 'hi');";
        var decision = await rules.ReviewAsync(new CodeReviewRequest
        {
            Code = alias,
            Language = Interpreter.Language,
            Tools = [DeleteFile, SendEmail],
            Preview = Interpreter.GetService<ICallPreviewer>()!.Preview(alias, [DeleteFile, SendEmail]),
        });
        decision.Verdict.Should().Be(ReviewVerdict.AskHuman);
        decision.Reason.Should().Contain("may reach the sensitive tool delete_file dynamically at line 1");
    }

    [Test]
    public async Task A_reviewer_that_throws_gets_the_reject_failure_policy_and_the_run_goes_on()
    {
        var throwing = new DelegateCodeReviewer("flaky", (request, _) => request.Code.Contains("delete_file", StringComparison.Ordinal)
            ? throw new InvalidOperationException("backend down")
            : ValueTask.FromResult(ReviewDecision.Approve("flaky")));
        using var agent = Agent([Js("delete_file('a.txt');"), Js("final_answer('ok');")], new CodeReview(throwing));

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Be("ok");
        _effects.Deleted.Should().BeEmpty();
        result.Steps[0].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => d.IsFailure && d.Verdict == ReviewVerdict.Reject && d.Reviewer == "flaky");
        result.Steps[0].Executions.Should().ContainSingle().Which.Error!.Kind.Should().Be(ErrorKind.Rejected);
        result.Steps[0].Observation.Should().Contain("the reviewer failed (InvalidOperationException: backend down); the failure policy is to reject");
        result.Steps[1].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => !d.IsFailure && d.Verdict == ReviewVerdict.Approve);
    }

    [Test]
    public async Task The_steps_reviews_hold_each_blocks_decision_with_its_index()
    {
        var rules = new RuleBasedCodeReviewer().Sensitive("delete_file", ReviewVerdict.Reject);
        var turn = "Two blocks.\n```js\nsend_email('a@b.c', 'first');\n```\nThen:\n```js\ndelete_file('a.txt');\n```";
        using var agent = Agent([turn, Js("final_answer('done');")], new CodeReview(rules));

        var result = await agent.RunAsync("Do both.");

        _effects.Sent.Should().Equal("a@b.c");
        _effects.Deleted.Should().BeEmpty();
        result.Steps[0].Executions.Select(e => e.Status).Should().Equal(ExecutionStatus.Completed, ExecutionStatus.PolicyViolation);
        result.Steps[0].Reviews.Select(r => (r.BlockIndex, r.Verdict, r.Reviewer)).Should().Equal((0, ReviewVerdict.Approve, "rules"), (1, ReviewVerdict.Reject, "rules"));
        result.Steps[0].Reviews.Should().OnlyContain(r => r.DecidedAt != default);
        result.Steps[1].Reviews.Select(r => (r.BlockIndex, r.Verdict)).Should().Equal((0, ReviewVerdict.Approve));
    }
}
