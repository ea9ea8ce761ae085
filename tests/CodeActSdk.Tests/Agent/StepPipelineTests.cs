using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CodeActSdk.Tests.Agent;

/// <summary>The step pipeline: the order of its layers, what a host middleware may change, and the injected clock.</summary>
public sealed class StepPipelineTests : AgentTestBase
{
    private CodeActAgent Agent(IEnumerable<string> turns, IEnumerable<IAgentStepMiddleware> middleware, Action<CodeActOptions>? configure = null, ICheckpointStore? checkpoints = null, TimeProvider? time = null)
    {
        var options = new CodeActOptions();
        configure?.Invoke(options);
        return new CodeActAgent(Interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), options, checkpoints: checkpoints, stepMiddleware: middleware, timeProvider: time);
    }

    [Test]
    public async Task Host_middleware_run_in_the_order_added_around_the_composed_step()
    {
        var calls = new List<string>();
        IAgentStepMiddleware Layer(string name) => new AgentStepMiddleware(async (context, next, ct) =>
        {
            calls.Add($"{name} enters step {context.Number}");
            var step = await next(context, ct);
            calls.Add($"{name} leaves step {context.Number}");
            if (step.Outcome is null)
            {
                step.Observation.Should().Contain("[variables]", "observation composition runs inside the host's middleware");
            }

            return step;
        });
        var agent = Agent([Js("var x = 1;"), Js("final_answer(x);")], [Layer("outer"), Layer("inner")]);

        var result = await agent.RunAsync("Go.");

        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        calls.Take(4).Should().Equal("outer enters step 1", "inner enters step 1", "inner leaves step 1", "outer leaves step 1");
        calls.Should().HaveCount(8);
    }

    [Test]
    public async Task A_middleware_that_supplies_the_turn_keeps_the_model_from_being_asked()
    {
        var client = new ScriptedChatClient([Js("final_answer('from the model');")]);
        var supplied = new AgentStepMiddleware((context, next, ct) =>
        {
            context.Turn = new ModelTurn("```js\nfinal_answer('supplied');\n```", [new CodeBlock("js", "final_answer('supplied');")]);
            return next(context, ct);
        });
        var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(client), new CodeActOptions(), stepMiddleware: [supplied]);

        var result = await agent.RunAsync("Go.");

        result.FinalAnswerText.Should().Be("supplied");
        client.CallCount.Should().Be(0);
    }

    [Test]
    public async Task A_middleware_can_wrap_the_interpreter_session_of_a_step_to_refuse_code()
    {
        var refusing = new AgentStepMiddleware((context, next, ct) =>
        {
            context.Interpreter = new RefusingSession(context.Interpreter);
            return next(context, ct);
        });
        var agent = Agent([Js("var ran = true;"), Js("final_answer(typeof ran);")], [refusing], o => o.MaxSteps = 2);

        var result = await agent.RunAsync("Go.");

        result.Steps[0].Executions.Should().ContainSingle().Which.Status.Should().Be(ExecutionStatus.PolicyViolation);
        result.Steps[0].Observation.Should().Contain("not approved");
        result.Outcome.Should().Be(AgentOutcome.MaxStepsReached, "no code ran, so no answer was given");
    }

    [Test]
    public async Task The_journal_is_outside_host_middleware_so_a_resume_replays_what_they_returned()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-pipeline-").FullName;
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            var replaying = new List<bool>();
            var marking = new AgentStepMiddleware(async (context, next, ct) =>
            {
                replaying.Add(context.Replaying);
                var step = await next(context, ct);
                return step with { Observation = step.Observation + "\n(reviewed)" };
            });
            var turns = new[] { Js("var x = 2;"), Js("final_answer(x * 21);") };
            var first = await Agent(turns, [marking], checkpoints: store).RunAsync(AgentRunRequest.Durable("pipeline-1", "Go."));
            var resumed = await Agent([Js("final_answer('never asked');")], [marking], checkpoints: store).RunAsync(AgentRunRequest.Resume("pipeline-1"));

            first.FinalAnswerText.Should().Be("42");
            resumed.FinalAnswerText.Should().Be("42");
            resumed.Steps.Should().OnlyContain(s => s.Replayed);
            replaying.Should().Equal(false, false, true, true);
            var journal = await store.ReadAsync("pipeline-1");
            journal.Entries.Where(e => e.Kind == JournalEntryKind.StepCompleted).Should().OnlyContain(e => e.Completed!.Observation.EndsWith("(reviewed)"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Step_middleware_registered_with_the_builder_reach_the_agent()
    {
        var seen = 0;
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseInterpreter(Interpreter)
            .UseChatClient(new ScriptedChatClient([Js("final_answer(1);")]))
            .UseStepMiddleware((context, next, ct) =>
            {
                Interlocked.Increment(ref seen);
                return next(context, ct);
            }));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<CodeActAgent>().RunAsync("Go.");

        seen.Should().Be(1);
    }

    [Test]
    public async Task Durations_are_read_from_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var client = new ScriptedChatClient([Js("final_answer(1);")]);
        var slowModel = new AgentStepMiddleware((context, next, ct) =>
        {
            context.Generator = new ClockAdvancingGenerator(context.Generator, time, TimeSpan.FromSeconds(3));
            return next(context, ct);
        });
        var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(client), new CodeActOptions(), stepMiddleware: [slowModel], timeProvider: time);

        var result = await agent.RunAsync("Go.");

        result.Steps[0].ModelDuration.Should().Be(TimeSpan.FromSeconds(3));
        result.Steps[0].ExecutionDuration.Should().Be(TimeSpan.Zero, "the fake clock did not move while the code ran");
        result.Duration.Should().Be(TimeSpan.FromSeconds(3));
    }

    [Test]
    public void A_null_middleware_or_a_session_with_a_durable_request_is_refused_clearly()
    {
        var withNull = () => Agent([Js("1")], [null!]);
        withNull.Should().Throw<ArgumentException>().WithMessage("*step middleware is null*");

        var agent = Agent([Js("1")], []);
        var session = agent.CreateSessionAsync().GetAwaiter().GetResult();
        Action both = () => _ = agent.RunAsync(AgentRunRequest.Durable("x-1", "Go.") with { Session = session });
        both.Should().Throw<ArgumentException>().WithMessage("*durable run makes its own session*");
        session.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private sealed class RefusingSession(IInterpreterSession inner) : DelegatingInterpreterSession(inner)
    {
        public override Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ExecutionResult { Status = ExecutionStatus.PolicyViolation, Error = new ExecutionError(new ErrorKind("Approval"), "The code was not approved.") });
    }

    private sealed class ClockAdvancingGenerator(ICodeGenerator inner, FakeTimeProvider time, TimeSpan by) : ICodeGenerator
    {
        public async Task<ModelTurn> GenerateAsync(IReadOnlyList<ChatMessage> messages, CodeLanguage language, CancellationToken cancellationToken = default)
        {
            var turn = await inner.GenerateAsync(messages, language, cancellationToken);
            time.Advance(by);
            return turn;
        }
    }
}
