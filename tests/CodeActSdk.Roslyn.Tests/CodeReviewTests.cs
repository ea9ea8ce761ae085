using CodeActSdk.Tests.Shared;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// The review seam before execution (<see cref="CodeReview"/>) on the real C# (Roslyn) interpreter and its real call
/// preview: what a reviewer is given for a C# block (calls of the typed <c>tools</c> methods, bound to their parameters
/// with their literal arguments), that rejected code does not run and the run goes on, the rule-based reviewer's
/// sensitive tools and argument rules, the dynamic reaches of C# (a tool method group as a delegate, <c>dynamic</c>, a
/// method an earlier step declared, an alias of <c>tools</c> an earlier step kept) and how the rules treat them, a failing reviewer, and the decisions on the step.
/// </summary>
public sealed class CodeReviewTests : RoslynTestBase
{
    private readonly SideEffectTools _effects = new();

    private AIFunction DeleteFile => _effects.DeleteFile;

    private AIFunction SendEmail => _effects.SendEmail;

    private ScriptedChatClient Client { get; set; } = null!;

    [SetUp]
    public void Clear() => _effects.Clear();

    private static string Cs(string code) => $"Next step.\n```csharp\n{code}\n```";

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

    private CodeReviewRequest Request(string code) => new()
    {
        Code = code,
        Language = Interpreter.Language,
        Tools = [DeleteFile, SendEmail],
        Preview = Interpreter.GetService<ICallPreviewer>()!.Preview(code, [DeleteFile, SendEmail]),
    };

    [Test]
    public async Task An_approved_block_runs_and_the_reviewer_sees_the_code_language_tools_and_a_preview_of_the_literal_call()
    {
        var seen = new List<CodeReviewRequest>();
        using var agent = Agent([Cs("var r = tools.DeleteFile(\"a.txt\");\nfinal_answer(r);")], new CodeReview(Always(ReviewVerdict.Approve, "stub", seen)));

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Be("deleted a.txt", "the approved code ran and called the tool");
        _effects.Deleted.Should().Equal("a.txt");
        var request = seen.Should().ContainSingle().Subject;
        request.Code.Should().Be("var r = tools.DeleteFile(\"a.txt\");\nfinal_answer(r);");
        request.Language.Should().BeSameAs(Interpreter.Language);
        request.Language.Name.Should().Be("C#");
        request.Tools.Select(t => t.Name).Should().Equal("delete_file", "send_email");
        request.Preview.IsComplete.Should().BeTrue();
        request.Preview.Dynamic.Should().BeEmpty();
        var call = request.Preview.Calls.Should().ContainSingle().Subject;
        call.ToolName.Should().Be("delete_file", "the preview names the tool, not its C# method");
        (call.Line, call.Column).Should().Be((1, 9));
        call.Placement.Should().Be(CallPlacement.None);
        var argument = call.Arguments.Should().ContainSingle().Subject;
        argument.Name.Should().Be("path");
        argument.Value!.Value.ValueKind.Should().Be(JsonValueKind.String);
        argument.Value.Value.GetString().Should().Be("a.txt");
        request.StepNumber.Should().Be(1);
        request.Task.Should().Contain("Delete a.txt.");
        result.Steps[0].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => d.Verdict == ReviewVerdict.Approve && d.Reviewer == "stub");
    }

    [Test]
    public async Task A_rejected_block_does_not_run_its_reason_is_the_observation_and_the_next_turn_runs()
    {
        var reviewer = new DelegateCodeReviewer("guard", (request, _) => ValueTask.FromResult(
            request.Preview.Calls.Any(c => c.ToolName == "delete_file") ? ReviewDecision.Reject("guard", "deleting files is not allowed") : ReviewDecision.Approve("guard")));
        using var agent = Agent(
            [Cs("tools.DeleteFile(\"a.txt\");\nConsole.WriteLine(\"ran\");"), Cs("tools.SendEmail(\"a@b.c\", \"kept\");\nfinal_answer(\"kept\");")],
            new CodeReview(reviewer));

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
        using var agent = Agent(
            [Cs("var t = tools;\nforeach (var p in new[] { \"a.txt\" })\n    t.DeleteFile(p);"), Cs("tools.SendEmail(\"a@b.c\", \"hi\");\nfinal_answer(\"ok\");")],
            review);

        var result = await agent.RunAsync("Tidy up.");

        _effects.Deleted.Should().BeEmpty();
        _effects.Sent.Should().Equal("a@b.c");
        result.FinalAnswerText.Should().Be("ok");
        var first = result.Steps[0].Reviews[0];
        first.Should().Match<ReviewDecision>(d => d.Verdict == verdict && d.Reviewer == "rules" && !d.IsFailure);
        first.Reason.Should().Contain("calls the sensitive tool delete_file (line 3)", "the call through an alias of tools is found by symbol");
        humans.Should().HaveCount(verdict == ReviewVerdict.AskHuman ? 1 : 0, "only an ask-human verdict goes to the human");
        result.Steps[0].Reviews.Select(r => r.Reviewer).Should().Equal(verdict == ReviewVerdict.AskHuman ? new[] { "rules", "alice" } : ["rules"]);
        result.Steps[1].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => d.Verdict == ReviewVerdict.Approve && d.Reviewer == "rules");
    }

    [Test]
    public async Task Rules_check_a_named_argument_bound_to_its_parameter_and_ask_about_a_computed_one()
    {
        var rules = new RuleBasedCodeReviewer().Argument("send_email", "to", new Regex("@evil\\.example$"));

        var named = await rules.ReviewAsync(Request("tools.SendEmail(body: \"hi\", to: \"x@evil.example\");"));
        var positional = await rules.ReviewAsync(Request("tools.SendEmail(\"x@evil.\" + \"example\", \"hi\");"));
        var good = await rules.ReviewAsync(Request("tools.SendEmail(\"x@good.example\", \"hi\");"));
        var computed = await rules.ReviewAsync(Request("var who = \"x\";\ntools.SendEmail(who + \"@evil.example\", \"hi\");"));

        named.Verdict.Should().Be(ReviewVerdict.Reject);
        named.Reason.Should().Contain("send_email's argument to matches /@evil\\.example$/ at line 1");
        positional.Verdict.Should().Be(ReviewVerdict.Reject, "literal strings joined with + are a literal");
        good.Verdict.Should().Be(ReviewVerdict.Approve);
        computed.Verdict.Should().Be(ReviewVerdict.AskHuman);
        computed.Reason.Should().Contain("send_email's argument to is computed (who + \"@evil.example\") at line 2");
    }

    [TestCase("Func<string, string> f = tools.DeleteFile;\nf(\"a.txt\");", DynamicReachKind.ToolAsValue, true, TestName = "A tool method group converted to a delegate is dynamic and asks a human in C#")]
    [TestCase("var f = tools.DeleteFile;\nf(\"a.txt\");", DynamicReachKind.ToolAsValue, true, TestName = "A tool method group with a natural type is dynamic and asks a human in C#")]
    [TestCase("new[] { \"a.txt\" }.Select(tools.DeleteFile).ToList();", DynamicReachKind.ToolAsValue, true, TestName = "A tool method group as a LINQ callback is dynamic and asks a human in C#")]
    [TestCase("dynamic d = tools;\nd.DeleteFile(\"a.txt\");", DynamicReachKind.Reflection, false, TestName = "A call bound at run time is dynamic and asks a human in C#")]
    public async Task A_dynamic_reach_counts_as_a_call_of_the_sensitive_tool(string code, DynamicReachKind kind, bool runsWhenApproved)
    {
        foreach (var human in new[] { ReviewVerdict.Reject, ReviewVerdict.Approve })
        {
            _effects.Deleted.Clear();
            var humans = new List<CodeReviewRequest>();
            var review = new CodeReview(new RuleBasedCodeReviewer().Sensitive("delete_file"), Always(human, "alice", humans));
            using var agent = Agent([Cs(code), Cs("final_answer(\"ok\");")], review);

            var result = await agent.RunAsync("Delete a.txt.");

            var request = humans.Should().ContainSingle("the rules asked the human about the dynamic reach").Subject;
            request.Preview.IsComplete.Should().BeFalse();
            request.Preview.Calls.Should().BeEmpty("no call is bound to the tool method");
            request.Preview.Dynamic.Should().NotBeEmpty().And.Contain(d => d.Kind == kind);
            var rules = result.Steps[0].Reviews[0];
            rules.Verdict.Should().Be(ReviewVerdict.AskHuman);
            rules.Reason.Should().Contain("may reach the sensitive tool delete_file dynamically");
            result.FinalAnswerText.Should().Be("ok");
            // What the human decides holds; approved, the delegate really reaches the tool (dynamic is refused by the API policy).
            _effects.Deleted.Should().Equal(human == ReviewVerdict.Approve && runsWhenApproved ? new[] { "a.txt" } : []);
        }
    }

    [Test]
    public async Task A_method_of_an_earlier_step_is_an_unknown_callee_that_may_reach_any_tool()
    {
        var humans = new List<CodeReviewRequest>();
        // The human approves the step that declares the helper (it calls the tool only inside it) and rejects the step that calls it.
        var human = new DelegateCodeReviewer("alice", (request, _) =>
        {
            humans.Add(request);
            return ValueTask.FromResult(request.StepNumber == 1 ? ReviewDecision.Approve("alice") : ReviewDecision.Reject("alice", "no deleting"));
        });
        var review = new CodeReview(new RuleBasedCodeReviewer().Sensitive("delete_file"), human);
        using var agent = Agent(
            [Cs("string Wipe(string p) => tools.DeleteFile(p);"), Cs("Wipe(\"a.txt\");"), Cs("final_answer(\"ok\");")],
            review);

        var result = await agent.RunAsync("Tidy up.");

        humans.Should().HaveCount(2);
        humans[0].Preview.Calls.Should().ContainSingle().Which.Should().Match<PreviewedCall>(c => c.ToolName == "delete_file" && c.Placement == CallPlacement.InFunction);
        var reach = humans[1].Preview.Dynamic.Should().ContainSingle().Subject;
        reach.Kind.Should().Be(DynamicReachKind.UnknownCallee);
        reach.ToolName.Should().BeNull("the preview does not know what the earlier step's method calls");
        reach.Source.Should().Be("Wipe");
        humans[1].Preview.IsComplete.Should().BeFalse();
        result.Steps[1].Reviews[0].Reason.Should().Contain("may reach the sensitive tool delete_file dynamically at line 1");
        _effects.Deleted.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("ok");
    }

    [Test]
    public async Task An_alias_of_tools_kept_from_an_earlier_step_is_a_dynamic_reach_of_the_tool_it_names()
    {
        var humans = new List<CodeReviewRequest>();
        var review = new CodeReview(new RuleBasedCodeReviewer().Sensitive("delete_file"), Always(ReviewVerdict.Reject, "alice", humans));
        using var agent = Agent([Cs("var t = tools;"), Cs("t.DeleteFile(\"a.txt\");"), Cs("final_answer(\"ok\");")], review);

        var result = await agent.RunAsync("Tidy up.");

        result.Steps[0].Reviews.Should().ContainSingle().Which.Verdict.Should().Be(ReviewVerdict.Approve, "aliasing tools calls nothing");
        var request = humans.Should().ContainSingle("the step calling the tool through the kept alias went to the human").Subject;
        request.StepNumber.Should().Be(2);
        request.Preview.IsComplete.Should().BeFalse();
        request.Preview.Dynamic.Should().ContainSingle().Which.Should().Match<DynamicReach>(d =>
            d.Kind == DynamicReachKind.UnknownCallee && d.ToolName == "delete_file" && d.Source == "t.DeleteFile");
        result.Steps[1].Reviews[0].Reason.Should().Contain("may reach the sensitive tool delete_file dynamically at line 1");
        _effects.Deleted.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("ok");
    }

    [Test]
    public async Task A_method_group_of_a_tool_that_is_not_sensitive_is_approved()
    {
        var seen = new List<CodeReviewRequest>();
        var rules = new RuleBasedCodeReviewer().Sensitive("delete_file");
        var review = new CodeReview(new DelegateCodeReviewer("spy", async (request, ct) =>
        {
            seen.Add(request);
            return await rules.ReviewAsync(request, ct);
        }));
        using var agent = Agent([Cs("Func<string, string, string> s = tools.SendEmail;\ns(\"a@b.c\", \"hi\");\nfinal_answer(\"sent\");")], review);

        var result = await agent.RunAsync("Mail.");

        var preview = seen.Should().ContainSingle().Subject.Preview;
        preview.IsComplete.Should().BeFalse();
        preview.Dynamic.Should().ContainSingle().Which.Should().Match<DynamicReach>(d => d.Kind == DynamicReachKind.ToolAsValue && d.ToolName == "send_email");
        result.Steps[0].Reviews.Should().ContainSingle().Which.Verdict.Should().Be(ReviewVerdict.Approve);
        _effects.Sent.Should().Equal("a@b.c");
        result.FinalAnswerText.Should().Be("sent");
    }

    [Test]
    public async Task A_reviewer_that_throws_gets_the_reject_failure_policy_and_the_run_goes_on()
    {
        var throwing = new DelegateCodeReviewer("flaky", (request, _) => request.Code.Contains("DeleteFile", StringComparison.Ordinal)
            ? throw new InvalidOperationException("backend down")
            : ValueTask.FromResult(ReviewDecision.Approve("flaky")));
        using var agent = Agent([Cs("tools.DeleteFile(\"a.txt\");"), Cs("final_answer(\"ok\");")], new CodeReview(throwing));

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
        var turn = "Two blocks.\n```csharp\ntools.SendEmail(\"a@b.c\", \"first\");\n```\nThen:\n```cs\ntools.DeleteFile(\"a.txt\");\n```";
        using var agent = Agent([turn, Cs("final_answer(\"done\");")], new CodeReview(rules));

        var result = await agent.RunAsync("Do both.");

        _effects.Sent.Should().Equal("a@b.c");
        _effects.Deleted.Should().BeEmpty();
        result.Steps[0].Executions.Select(e => e.Status).Should().Equal(ExecutionStatus.Completed, ExecutionStatus.PolicyViolation);
        result.Steps[0].Reviews.Select(r => (r.BlockIndex, r.Verdict, r.Reviewer)).Should().Equal((0, ReviewVerdict.Approve, "rules"), (1, ReviewVerdict.Reject, "rules"));
        result.Steps[0].Reviews.Should().OnlyContain(r => r.DecidedAt != default);
        result.Steps[1].Reviews.Select(r => (r.BlockIndex, r.Verdict)).Should().Equal((0, ReviewVerdict.Approve));
    }
}
