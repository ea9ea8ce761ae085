using System.Diagnostics;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace CodeActSdk.Tests.Review;

/// <summary>The LLM reviewer: a scripted second model judging the agent's code, within its budgets and failure policy.</summary>
public sealed class ChatClientCodeReviewerTests : AgentTestBase
{
    private readonly List<string> _deleted = [];

    private AIFunction DeleteFile => AIFunctionFactory.Create(
        (string path) =>
        {
            lock (_deleted)
            {
                _deleted.Add(path);
            }

            return "deleted " + path;
        },
        "delete_file",
        "Deletes a file.");

    [SetUp]
    public void Clear() => _deleted.Clear();

    private (CodeActAgent Agent, ScriptedChatClient Model) Agent(IEnumerable<string> turns, ICodeReviewer reviewer, ReviewFailurePolicy policy = ReviewFailurePolicy.Reject)
    {
        var model = new ScriptedChatClient(turns);
        var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(model), new CodeActOptions { MaxSteps = 3 }, [DeleteFile], stepMiddleware: [new CodeReview(reviewer, failurePolicy: policy)]);
        return (agent, model);
    }

    [Test]
    public async Task An_approving_model_lets_the_code_run_and_is_asked_in_structured_output_within_its_token_budget()
    {
        var reviewerModel = new RecordingClient(new ScriptedChatClient(["""{"verdict": "approve", "reason": "deleting a.txt is the task"}"""]));
        var reviewer = new ChatClientCodeReviewer(reviewerModel, new ChatClientCodeReviewerOptions { MaxOutputTokens = 123, Instructions = "Be strict." });
        var (agent, _) = Agent([Js("delete_file('a.txt'); final_answer('done');")], reviewer);
        using var _ = agent;

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Be("done");
        _deleted.Should().Equal("a.txt");
        result.Steps[0].Reviews.Should().ContainSingle().Which.Should().Match<ReviewDecision>(d => d.Verdict == ReviewVerdict.Approve && d.Reviewer == "llm" && d.Reason == "deleting a.txt is the task");
        var options = reviewerModel.Options.Should().ContainSingle().Subject!;
        options.MaxOutputTokens.Should().Be(123);
        options.ResponseFormat.Should().BeOfType<ChatResponseFormatJson>().Which.Schema.Should().NotBeNull();
        var sent = reviewerModel.Messages.Should().ContainSingle().Subject;
        sent[0].Should().Match<ChatMessage>(m => m.Role == ChatRole.System && m.Text == "Be strict.");
        sent[1].Text.Should().Contain("delete_file('a.txt')").And.Contain("- line 1: delete_file('a.txt')").And.Contain("Delete a.txt.");
    }

    [Test]
    public async Task A_rejecting_model_stops_the_code_and_its_reason_reaches_the_agents_model()
    {
        var reviewer = new ChatClientCodeReviewer(new ScriptedChatClient([
            "```json\n{\"verdict\": \"reject\", \"reason\": \"the task does not ask to delete anything\"}\n```",
            """{"verdict": "approve", "reason": "fine"}""",
        ]));
        var (agent, model) = Agent([Js("delete_file('a.txt');"), Js("final_answer('kept');")], reviewer);
        using var _ = agent;

        var result = await agent.RunAsync("List the files.");

        _deleted.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("kept");
        result.Steps[0].Executions[0].Error!.Message.Should().Be("The code was not run: the task does not ask to delete anything (reviewer: llm).");
        model.ReceivedMessages[1].Should().Contain(m => m.Text.Contains("the task does not ask to delete anything"));
    }

    [Test]
    public async Task An_ask_human_answer_without_a_human_is_rejected()
    {
        var reviewer = new ChatClientCodeReviewer(new ScriptedChatClient(["""{"verdict": "ask_human", "reason": "deletion"}""", """{"verdict": "approve", "reason": "ok"}"""]));
        var (agent, _) = Agent([Js("delete_file('a.txt');"), Js("final_answer('kept');")], reviewer);
        using var _ = agent;

        var result = await agent.RunAsync("Tidy.");

        _deleted.Should().BeEmpty();
        result.Steps[0].Observation.Should().Contain("a human's approval was required (deletion)");
    }

    [TestCase(ReviewFailurePolicy.Reject, 0)]
    [TestCase(ReviewFailurePolicy.Approve, 1)]
    public async Task A_garbage_answer_gets_the_failure_policy(ReviewFailurePolicy policy, int deletions)
    {
        var reviewer = new ChatClientCodeReviewer(new ScriptedChatClient(["Looks fine to me!", """{"verdict": "approve", "reason": "ok"}"""]));
        var (agent, _) = Agent([Js("delete_file('a.txt');"), Js("final_answer('end');")], reviewer, policy);
        using var _ = agent;

        var result = await agent.RunAsync("Tidy.");

        result.FinalAnswerText.Should().Be("end");
        _deleted.Should().HaveCount(deletions);
        var decision = result.Steps[0].Reviews[0];
        decision.IsFailure.Should().BeTrue();
        decision.Reason.Should().Contain("did not answer with a decision").And.Contain("Looks fine to me!");
    }

    [Test]
    public async Task A_wrong_verdict_is_garbage()
    {
        var reviewer = new ChatClientCodeReviewer(new ScriptedChatClient(["""{"verdict": "maybe", "reason": "hmm"}"""]));

        var review = () => reviewer.ReviewAsync(Request("delete_file('a.txt');")).AsTask();

        await review.Should().ThrowAsync<CodeReviewException>().WithMessage("*did not answer with a decision*maybe*");
    }

    [Test]
    public async Task A_client_that_throws_gets_the_failure_policy()
    {
        var reviewer = new ChatClientCodeReviewer(new ThrowingClient());
        var (agent, _) = Agent([Js("delete_file('a.txt');"), Js("final_answer('end');")], reviewer);
        using var _ = agent;

        var result = await agent.RunAsync("Tidy.");

        _deleted.Should().BeEmpty();
        result.Steps[0].Observation.Should().Contain("The reviewing model's client failed: quota exceeded").And.Contain("the failure policy is to reject");
    }

    [Test]
    public async Task A_model_past_its_time_budget_gets_the_failure_policy()
    {
        var clock = new FakeTimeProvider();
        var reviewer = new ChatClientCodeReviewer(new StallingClient(clock, TimeSpan.FromSeconds(11)), new ChatClientCodeReviewerOptions { Timeout = TimeSpan.FromSeconds(10) }, clock);
        var (agent, _) = Agent([Js("delete_file('a.txt');"), Js("final_answer('end');")], reviewer);
        using var _ = agent;

        var result = await agent.RunAsync("Tidy.");

        _deleted.Should().BeEmpty();
        result.FinalAnswerText.Should().Be("end");
        result.Steps[0].Reviews[0].Should().Match<ReviewDecision>(d => d.IsFailure && d.Verdict == ReviewVerdict.Reject);
        result.Steps[0].Observation.Should().Contain("TimeoutException: The reviewing model did not answer within its time budget of 10 s");
    }

    [Test]
    [NonParallelizable]
    public async Task Each_decision_is_an_event_on_the_steps_span()
    {
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CodeActDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var reviewer = new ChatClientCodeReviewer(new ScriptedChatClient(["""{"verdict": "reject", "reason": "no deleting"}""", """{"verdict": "approve", "reason": "fine"}"""]), new ChatClientCodeReviewerOptions { Name = "second-model" });
        var (agent, _) = Agent([Js("delete_file('a.txt');"), Js("final_answer('end');")], reviewer);
        using var _ = agent;

        var result = await agent.RunAsync("Tidy.");

        List<Activity> steps;
        lock (stopped)
        {
            var run = stopped.Last(a => a.OperationName == "codeact.run");
            steps = [.. stopped.Where(a => a.OperationName == "codeact.step" && a.TraceId == run.TraceId).OrderBy(a => a.GetTagItem("codeact.step.number"))];
        }

        steps.Should().HaveCount(2);
        var review = steps[0].Events.Should().ContainSingle(e => e.Name == "codeact.review").Subject;
        var tags = review.Tags.ToDictionary(t => t.Key, t => t.Value);
        tags["codeact.review.reviewer"].Should().Be("second-model");
        tags["codeact.review.verdict"].Should().Be("Reject");
        tags["codeact.review.reason"].Should().Be("no deleting");
        tags["codeact.review.failed"].Should().Be(false);
        steps[1].Events.Should().ContainSingle(e => e.Name == "codeact.review").Which.Tags.Should().Contain(new KeyValuePair<string, object?>("codeact.review.verdict", "Approve"));
        result.Steps[0].Reviews[0].Reviewer.Should().Be("second-model");
    }

    private CodeReviewRequest Request(string code) => new()
    {
        Code = code,
        Language = Interpreter.Language,
        Tools = [DeleteFile],
        Preview = Interpreter.GetService<ICallPreviewer>()!.Preview(code, [DeleteFile]),
    };

    /// <summary>Records the options and messages of each call, then asks the scripted model.</summary>
    private sealed class RecordingClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        public List<ChatOptions?> Options { get; } = [];

        public List<List<ChatMessage>> Messages { get; } = [];

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Options.Add(options);
            Messages.Add([.. messages]);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }

    /// <summary>A model whose first call fails; later calls approve.</summary>
    private sealed class ThrowingClient : IChatClient
    {
        private int _calls;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new HttpRequestException("quota exceeded")
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"verdict": "approve", "reason": "ok"}""")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A model that, on its first call, lets (fake) time pass beyond the budget and waits until it is cancelled; later calls approve.</summary>
    private sealed class StallingClient(FakeTimeProvider clock, TimeSpan stall) : IChatClient
    {
        private int _calls;

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                clock.Advance(stall);
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"verdict": "approve", "reason": "in time"}"""));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
