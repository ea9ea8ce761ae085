using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Delegation;

/// <summary>
/// Agents that delegate, on the real Jint interpreter with scripted models: a CodeAct sub-agent called from code, its
/// steps streamed as nested steps, its cost in the caller's usage, its failures as observations, the depth limit, a
/// chat model as a sub-agent, a durable caller resumed, and <c>ask_human</c>.
/// </summary>
public sealed class DelegationTests : AgentTestBase
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(1);

    private CodeActAgent Specialist(IEnumerable<string> turns, int maxSteps = 3) =>
        new(Interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), new CodeActOptions { Name = "analyst", MaxSteps = maxSteps });

    private (CodeActAgent Agent, ScriptedChatClient Model) Planner(IEnumerable<string> turns, IEnumerable<AIFunction> tools, ICheckpointStore? store = null, IToolApprover? approver = null)
    {
        var model = new ScriptedChatClient(turns);
        var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(model), new CodeActOptions { Name = "planner", MaxSteps = 4, Sandbox = new SandboxOptions { Timeout = Generous } },
            tools, checkpoints: store, toolApprover: approver);
        return (agent, model);
    }

    [Test]
    public async Task The_code_hands_a_task_to_a_sub_agent_and_builds_on_its_answer()
    {
        using var analyst = Specialist([Js("const sales = [120, 80, 200]; console.log(sales.length);"), Js("final_answer(sales.reduce((a, b) => a + b, 0));")]);
        var (planner, model) = Planner(
            [Js("const total = Number(analyst('Add up the sales 120, 80 and 200.')); console.log(total);"), Js("final_answer(`Total sales: ${total}`);")],
            [AgentTool.Create("analyst", "Does data work in code.", analyst)]);
        using var _ = planner;

        var result = await planner.RunAsync("What were the total sales?");

        result.FinalAnswerText.Should().Be("Total sales: 400");
        result.Steps.Should().HaveCount(2, "the result holds the run's own steps");
        result.Steps.Should().OnlyContain(s => s.Agent == "planner" && s.Depth == 0);
        var delegation = result.Steps[0].Delegations.Should().ContainSingle().Subject;
        delegation.Should().Match<CodeActSdk.Delegation>(d => d.Agent == "analyst" && d.Answer == "400" && d.Error == null && d.Task.StartsWith("Add up"));
        delegation.Steps.Should().HaveCount(2).And.OnlyContain(s => s.Agent == "analyst" && s.Depth == 1);
        var own = model.ReceivedMessages.Count;
        own.Should().Be(2);
        result.Steps[0].Usage!.InputTokenCount.Should().Be(delegation.Usage!.InputTokenCount + StepInput(result.Steps[0], delegation), "the sub-agent's tokens count in the calling step");
    }

    /// <summary>The calling step's own input tokens: its usage less the sub-agent's.</summary>
    private static long? StepInput(AgentStep step, CodeActSdk.Delegation delegation) => step.Usage!.InputTokenCount - delegation.Usage!.InputTokenCount;

    [Test]
    public async Task The_sub_agents_steps_are_streamed_before_the_step_that_called_it()
    {
        using var analyst = Specialist([Js("const n = 6;"), Js("final_answer(n * 7);")]);
        var (planner, _) = Planner([Js("const answer = analyst('Six times seven?');"), Js("final_answer(answer);")], [AgentTool.Create("analyst", "Does arithmetic.", analyst)]);
        using var __ = planner;

        var streamed = new List<(string Agent, int Depth, int Number)>();
        await foreach (var step in planner.RunStreamingAsync("Ask the analyst."))
        {
            streamed.Add((step.Agent, step.Depth, step.Number));
        }

        streamed.Should().Equal(("analyst", 1, 1), ("analyst", 1, 2), ("planner", 0, 1), ("planner", 0, 2));
    }

    [Test]
    public async Task A_sub_agent_without_an_answer_within_its_budget_is_a_failed_call_the_model_reads()
    {
        using var looping = Specialist([Js("console.log('thinking');"), Js("console.log('still thinking');")], maxSteps: 2);
        var (planner, _) = Planner(
            [Js("let reply; try { reply = analyst('Solve it.'); } catch (e) { reply = 'failed: ' + e.message; } console.log(reply);"), Js("final_answer('done without it');")],
            [AgentTool.Create("analyst", "Thinks a lot.", looping)]);
        using var _ = planner;

        var result = await planner.RunAsync("Delegate.");

        result.Steps[0].Observation.Should().Contain("the agent 'analyst' gave no answer within its 2 steps").And.Contain("still thinking");
        result.FinalAnswerText.Should().Be("done without it");
        result.Steps[0].Delegations.Single().Error.Should().Contain("no answer");
    }

    [Test]
    public async Task A_sub_agent_whose_model_fails_is_a_failed_call()
    {
        using var broken = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(new FailingChatClient()), new CodeActOptions { Name = "analyst" });
        var (planner, _) = Planner([Js("analyst('Anything.')"), Js("final_answer('recovered');")], [AgentTool.Create("analyst", "Broken.", broken)]);
        using var _ = planner;

        var result = await planner.RunAsync("Delegate.");

        result.Steps[0].Observation.Should().Contain("the agent 'analyst' failed: the model endpoint is down");
        result.FinalAnswerText.Should().Be("recovered");
    }

    [Test]
    public async Task Delegation_deeper_than_the_limit_is_refused_and_the_chain_unwinds_with_the_reason()
    {
        // A chain of agents, each handing the task to the next: the one past the limit is not asked.
        var agents = new List<CodeActAgent>();
        CodeActAgent? next = null;
        for (var level = AgentTool.MaxDepth + 1; level >= 1; level--)
        {
            var code = next is null
                ? Js("final_answer('bottom');")
                : Js("let r; try { r = deeper('Go on.'); } catch (e) { r = 'stopped: ' + e.message; } final_answer(r);");
            var model = new ScriptedChatClient([code]);
            var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(model), new CodeActOptions { Name = $"level{level}", MaxSteps = 1, Sandbox = new SandboxOptions { Timeout = Generous } },
                next is null ? [] : [AgentTool.Create("deeper", "Hands the task down.", next)]);
            agents.Add(agent);
            next = agent;
        }

        var (top, _) = Planner([Js("final_answer(deeper('Start.'));")], [AgentTool.Create("deeper", "Hands the task down.", next!)]);
        using var _ = top;

        var result = await top.RunAsync("Go down.");

        result.FinalAnswerText.Should().Contain("stopped:").And.Contain($"at most {AgentTool.MaxDepth} levels are allowed");
        agents.ForEach(a => a.Dispose());
    }

    [Test]
    public async Task A_chat_model_can_be_a_sub_agent()
    {
        var translator = new ScriptedChatClient(["Bonjour"]);
        var (planner, _) = Planner([Js("final_answer(translate('Hello in French?'));")], [AgentTool.Create("translate", "Translates text.", translator, "You translate.")]);
        using var _ = planner;

        var result = await planner.RunAsync("Say hello in French.");

        result.FinalAnswerText.Should().Be("Bonjour");
        translator.ReceivedMessages.Single().Select(m => m.Role).Should().Equal(ChatRole.System, ChatRole.User);
        result.Steps[0].Delegations.Single().Steps.Should().BeEmpty();
        result.Steps[0].Delegations.Single().Usage.Should().NotBeNull();
    }

    [Test]
    public async Task A_durable_caller_resumed_does_not_run_the_sub_agent_again()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-delegation-").FullName;
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            var subModel = new ScriptedChatClient([Js("final_answer(42);")]);
            using var analyst = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(subModel), new CodeActOptions { Name = "analyst" });
            AIFunction[] tools = [AgentTool.Create("analyst", "Computes.", analyst)];
            string[] turns = [Js("const answer = analyst('The answer?');"), Js("final_answer(answer);")];

            var (first, _) = Planner(turns.Take(1), tools, store);
            using (first)
            {
                var crash = () => first.RunAsync(AgentRunRequest.Durable("delegating-1", "Ask."));
                await crash.Should().ThrowAsync<InvalidOperationException>("the caller's model goes away after step 1");
            }

            var (second, _) = Planner(turns.Skip(1), tools, store);
            using (second)
            {
                var result = await second.RunAsync(AgentRunRequest.Resume("delegating-1"));
                result.FinalAnswerText.Should().Be("42");
            }

            subModel.CallCount.Should().Be(1, "the sub-agent's answer is served from the journal on resume");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Ask_human_returns_the_in_line_answer()
    {
        var asked = new List<ApprovalRequest>();
        var (agent, _) = Planner([Js("final_answer(ask_human('Which region should I report on?'));")], [AskHuman.CreateTool()],
            approver: new DelegateToolApprover((request, _) =>
            {
                asked.Add(request);
                return ValueTask.FromResult<ApprovalDecision?>(ApprovalDecision.Reply("alice", "EMEA"));
            }));
        using var _ = agent;

        var result = await agent.RunAsync("Report on the region the user wants.");

        result.FinalAnswerText.Should().Be("EMEA");
        asked.Single().Arguments!.Value.GetProperty("question").GetString().Should().Be("Which region should I report on?");
        result.Steps[0].Approvals.Single().Decision.Answer.Should().Be("EMEA");
    }

    [Test]
    public async Task Ask_human_suspends_a_durable_run_until_the_answer_comes()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-ask-").FullName;
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            string[] turns = [Js("const region = ask_human('Which region?');"), Js("final_answer(`report for ${region}`);")];
            var (first, _) = Planner(turns, [AskHuman.CreateTool()], store);
            using (first)
            {
                var waiting = await first.RunAsync(AgentRunRequest.Durable("ask-1", "Report."));
                waiting.Outcome.Should().Be(AgentOutcome.AwaitingApproval);
                waiting.PendingApproval!.ToolName.Should().Be(AskHuman.ToolName);
                waiting.PendingApproval.Arguments!.Value.GetProperty("question").GetString().Should().Be("Which region?");
            }

            var (second, _) = Planner(turns.Skip(1), [AskHuman.CreateTool()], store);
            using (second)
            {
                var result = await second.RunAsync(AgentRunRequest.Resume("ask-1", ApprovalDecision.Reply("bob", "APAC")));
                result.FinalAnswerText.Should().Be("report for APAC");
            }

            using var third = Planner([Js("final_answer('not asked');")], [AskHuman.CreateTool()], store).Agent;
            (await third.RunAsync(AgentRunRequest.Resume("ask-1"))).FinalAnswerText.Should().Be("report for APAC", "the answer is replayed from the journal");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class FailingChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("the model endpoint is down");

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("the model endpoint is down");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
