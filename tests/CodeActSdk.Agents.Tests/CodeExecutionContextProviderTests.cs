using CodeActSdk.CodeExecution;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents.Tests;

/// <summary>execute_code for a real ChatClientAgent, with a scripted model and the Jint sandbox.</summary>
public sealed class CodeExecutionContextProviderTests
{
    private JintInterpreter _interpreter = null!;

    [SetUp]
    public void SetUp() => _interpreter = new JintInterpreter();

    [TearDown]
    public void TearDown() => _interpreter.Dispose();

    [Test]
    public async Task Variables_persist_within_an_agent_session_and_are_not_seen_by_another()
    {
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("var x = 41;"), Scripts.Say("Stored."),
            Scripts.ExecuteCode("x + 1"), Scripts.Say("It is 42."),
            Scripts.ExecuteCode("typeof x"), Scripts.Say("Nothing here."),
        ]);
        await using var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [provider] });
        var first = await agent.CreateSessionAsync();
        var second = await agent.CreateSessionAsync();

        await agent.RunAsync("Remember 41.", first);
        var followUp = await agent.RunAsync("Add one.", first);
        var other = await agent.RunAsync("What is x?", second);

        followUp.Text.Should().Be("It is 42.");
        Scripts.ToolResults(followUp).Single().GetProperty("value").GetInt32().Should().Be(42);
        Scripts.ToolResults(other).Single().GetProperty("value").GetString().Should().Be("undefined");
    }

    [Test]
    public async Task A_streamed_run_executes_the_code_in_the_sessions_sandbox()
    {
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("var word = 'sandbox'; word.length"), Scripts.Say("7 letters."),
            Scripts.ExecuteCode("word.toUpperCase()"), Scripts.Say("SANDBOX."),
        ]);
        await using var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [provider] });
        var session = await agent.CreateSessionAsync();

        var first = await agent.RunStreamingAsync("How long is 'sandbox'?", session).ToAgentResponseAsync();
        var second = await agent.RunStreamingAsync("In capitals?", session).ToAgentResponseAsync();

        first.Text.Should().Be("7 letters.");
        Scripts.ToolResults(second).Single().GetProperty("value").GetString().Should().Be("SANDBOX");
    }

    [Test]
    public async Task The_agents_own_tools_are_callable_from_the_code()
    {
        var temperatures = AIFunctionFactory.Create(
            (string city) => new[] { 3.5, 4.0, 6.5 },
            "temperatures",
            "The daily maximum temperatures of a city.");
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("const t = temperatures('Oslo'); t.reduce((a, b) => a + b, 0) / t.length"),
            Scripts.Say("About 4.7 °C."),
        ]);
        var recorder = new OptionsRecorder(model);
        await using var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(recorder, new ChatClientAgentOptions
        {
            ChatOptions = new ChatOptions { Tools = [temperatures] },
            AIContextProviders = [provider],
        });

        var response = await agent.RunAsync("Average temperature in Oslo?", await agent.CreateSessionAsync());

        Scripts.ToolResults(response).Single().GetProperty("value").GetDouble().Should().BeApproximately(14.0 / 3, 1e-9);
        var offered = recorder.Options[0]!.Tools!;
        offered.Select(t => t.Name).Should().BeEquivalentTo(["temperatures", CodeExecutionTool.ToolName]);
        offered.Single(t => t.Name == CodeExecutionTool.ToolName).Description.Should().Contain("temperatures");
    }

    [Test]
    public async Task A_tool_that_needs_approval_is_kept_out_of_the_sandbox_and_asks_a_human_when_called()
    {
        var deleted = new List<string>();
        var deleteOrder = new ApprovalRequiredAIFunction(AIFunctionFactory.Create((string id) => { deleted.Add(id); return "deleted"; }, "delete_order", "Deletes an order."));
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("typeof delete_order"),
            ScriptedChatClient.CallTool("delete_order", new Dictionary<string, object?> { ["id"] = "A-7" }, "call_delete"),
            Scripts.Say("Order A-7 is deleted."),
        ]);
        await using var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions
        {
            ChatOptions = new ChatOptions { Tools = [deleteOrder] },
            AIContextProviders = [provider],
        });
        var session = await agent.CreateSessionAsync();

        var asking = await agent.RunAsync("Delete order A-7.", session);

        Scripts.ToolResults(asking).Single().GetProperty("value").GetString().Should().Be("undefined", "the code cannot reach a tool that needs approval");
        var request = asking.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        ((FunctionCallContent)request.ToolCall).Name.Should().Be("delete_order");
        deleted.Should().BeEmpty();

        var answered = await agent.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(approved: true)]), session);

        deleted.Should().Equal("A-7");
        answered.Text.Should().Be("Order A-7 is deleted.");
    }

    [Test]
    public async Task With_RequireApproval_the_code_runs_only_once_a_human_approves_it()
    {
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("var approved = 6 * 7; approved", "call_code"),
            Scripts.Say("42."),
            Scripts.ExecuteCode("typeof rejected === 'undefined' ? approved : -1", "call_check"),
            Scripts.Say("Still 42."),
        ]);
        await using var provider = new CodeExecutionContextProvider(_interpreter, new CodeExecutionContextProviderOptions { RequireApproval = true });
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [provider] });
        var session = await agent.CreateSessionAsync();

        var asking = await agent.RunAsync("Six times seven?", session);
        var request = asking.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        ((FunctionCallContent)request.ToolCall).Arguments!["code"]!.ToString().Should().Contain("6 * 7", "the human sees the code");
        Scripts.ToolResults(asking).Should().BeEmpty("nothing runs before the approval");

        var answered = await agent.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(approved: true)]), session);
        Scripts.ToolResults(answered).Single().GetProperty("value").GetInt32().Should().Be(42);

        var asking2 = await agent.RunAsync("Check it.", session);
        var request2 = asking2.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        var checkedAgain = await agent.RunAsync(new ChatMessage(ChatRole.User, [request2.CreateResponse(approved: true)]), session);
        Scripts.ToolResults(checkedAgain).Single().GetProperty("value").GetInt32().Should().Be(42, "the approved code ran in the session's sandbox");
    }

    [Test]
    public async Task A_rejected_call_does_not_run()
    {
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("var ran = true;", "call_code"),
            Scripts.Say("I was not allowed."),
            Scripts.ExecuteCode("typeof ran", "call_check"),
            Scripts.Say("Checked."),
        ]);
        await using var provider = new CodeExecutionContextProvider(_interpreter, new CodeExecutionContextProviderOptions { RequireApproval = true });
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [provider] });
        var session = await agent.CreateSessionAsync();

        var asking = await agent.RunAsync("Set a flag.", session);
        var request = asking.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        var rejected = await agent.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(approved: false, reason: "not now")]), session);
        rejected.Text.Should().Be("I was not allowed.");

        var asking2 = await agent.RunAsync("Check the flag.", session);
        var request2 = asking2.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        var checkedFlag = await agent.RunAsync(new ChatMessage(ChatRole.User, [request2.CreateResponse(approved: true)]), session);
        Scripts.ToolResults(checkedFlag).Single().GetProperty("value").GetString().Should().Be("undefined");
    }

    [Test]
    public async Task A_restored_session_gets_a_fresh_sandbox_and_the_model_is_told()
    {
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("var kept = 1;"), Scripts.Say("Stored."),
            Scripts.ExecuteCode("typeof kept"), Scripts.Say("Gone."),
        ]);
        var recorder = new OptionsRecorder(model);
        await using var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(recorder, new ChatClientAgentOptions { AIContextProviders = [provider] });
        var session = await agent.CreateSessionAsync();
        await agent.RunAsync("Store 1.", session);

        var restored = await agent.DeserializeSessionAsync(await agent.SerializeSessionAsync(session));
        var response = await agent.RunAsync("Is it there?", restored);

        Scripts.ToolResults(response).Single().GetProperty("value").GetString().Should().Be("undefined");
        recorder.Options[0]?.Instructions.Should().BeNullOrEmpty();
        recorder.Options[2]!.Instructions.Should().Contain("sandbox was restarted");
    }

    [Test]
    public async Task A_malformed_call_is_an_answer_the_model_can_correct_not_an_exception()
    {
        var model = new ScriptedChatClient([
            ScriptedChatClient.CallTool(CodeExecutionTool.ToolName, new Dictionary<string, object?> { ["source"] = "1 + 1" }),
            Scripts.ExecuteCode("throw new Error('boom')"),
            Scripts.Say("Both failed."),
        ]);
        await using var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [provider] });

        var response = await agent.RunAsync("Try.", await agent.CreateSessionAsync());

        var results = Scripts.ToolResults(response);
        results[0].GetProperty("ok").GetBoolean().Should().BeFalse();
        results[0].GetProperty("error").GetProperty("message").GetString().Should().Contain("\"code\"");
        results[1].GetProperty("status").GetString().Should().Be("RuntimeError");
        results[1].GetProperty("error").GetProperty("message").GetString().Should().Contain("boom");
        response.Text.Should().Be("Both failed.");
    }

    [Test]
    public async Task Releasing_a_session_frees_its_sandbox_and_the_next_run_starts_afresh()
    {
        var model = new ScriptedChatClient([
            Scripts.ExecuteCode("var y = 2;"), Scripts.Say("Stored."),
            Scripts.ExecuteCode("typeof y"), Scripts.Say("Gone."),
        ]);
        await using var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [provider] });
        var session = await agent.CreateSessionAsync();
        await agent.RunAsync("Store 2.", session);

        (await provider.ReleaseSessionAsync(session)).Should().BeTrue();
        (await provider.ReleaseSessionAsync(session)).Should().BeFalse();
        var response = await agent.RunAsync("Is it there?", session);

        Scripts.ToolResults(response).Single().GetProperty("value").GetString().Should().Be("undefined");
    }

    [Test]
    public void Invalid_sandbox_options_are_refused_with_the_option_named()
    {
        var act = () => new CodeExecutionContextProvider(_interpreter, new CodeExecutionContextProviderOptions { Sandbox = new SandboxOptions { Timeout = TimeSpan.Zero } });

        act.Should().Throw<ArgumentException>().WithMessage("*Timeout*");
    }

    [Test]
    public async Task A_disposed_provider_refuses_new_runs_with_ObjectDisposedException()
    {
        var model = new ScriptedChatClient([Scripts.Say("unused")]);
        var provider = new CodeExecutionContextProvider(_interpreter);
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [provider] });
        var session = await agent.CreateSessionAsync();
        await provider.DisposeAsync();

        var act = () => agent.RunAsync("Hello.", session);

        await act.Should().ThrowAsync<ObjectDisposedException>();
    }
}
