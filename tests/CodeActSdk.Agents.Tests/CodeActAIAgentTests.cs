using System.Text.Json;
using CodeActSdk.Jint;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.Agents.Tests;

/// <summary>The CodeAct agent through the framework's AIAgent surface, with the Jint sandbox and a scripted model.</summary>
public sealed class CodeActAIAgentTests
{
    private JintInterpreter _interpreter = null!;
    private string _folder = null!;

    [SetUp]
    public void SetUp()
    {
        _interpreter = new JintInterpreter();
        _folder = Directory.CreateTempSubdirectory("codeact-agents-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _interpreter.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task RunAsync_answers_with_the_final_answer_and_shows_each_step()
    {
        using var codeAct = Agent(["```js\nvar squares = [1, 2, 3].map(n => n * n);\n```", "```js\nfinal_answer(squares.reduce((a, b) => a + b));\n```"]);
        var agent = new CodeActAIAgent(codeAct, name: "calculator");

        var response = await agent.RunAsync("Sum of the squares of 1, 2 and 3?");

        response.Text.Should().Be("14");
        var message = response.Messages.Single();
        message.AuthorName.Should().Be("calculator");
        message.Contents.OfType<TextReasoningContent>().Select(c => ((AgentStep)c.RawRepresentation!).Number).Should().Equal(1, 2);
        response.RawRepresentation.Should().BeOfType<AgentResult>().Which.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        response.AgentId.Should().Be(agent.Id);
    }

    [Test]
    public async Task RunStreamingAsync_yields_each_step_then_the_answer()
    {
        using var codeAct = Agent(["```js\nvar n = 6;\n```", "```js\nfinal_answer(n * 7);\n```"]);
        var agent = new CodeActAIAgent(codeAct);

        var updates = new List<AgentResponseUpdate>();
        await foreach (var update in agent.RunStreamingAsync("Six times seven?"))
        {
            updates.Add(update);
        }

        updates.Should().HaveCount(3);
        updates.Select(u => u.RawRepresentation).OfType<AgentStep>().Select(s => s.Number).Should().Equal(1, 2, 2);
        updates.ToAgentResponse().Text.Should().Be("42");
    }

    [Test]
    public async Task A_follow_up_in_the_same_session_sees_the_earlier_variables()
    {
        using var codeAct = Agent(["```js\nvar total = 40;\nfinal_answer(total);\n```", "```js\nfinal_answer(total + 2);\n```"]);
        var agent = new CodeActAIAgent(codeAct);
        await using var session = (CodeActAgentSession)await agent.CreateSessionAsync();

        (await agent.RunAsync("Start at 40.", session)).Text.Should().Be("40");
        (await agent.RunAsync("Add two.", session)).Text.Should().Be("42");
        session.RunCount.Should().Be(2);
    }

    [Test]
    public async Task A_session_saved_before_a_crash_is_resumed_by_a_new_host_over_the_same_store()
    {
        var path = Path.Combine(_folder, "journal.db");
        JsonElement saved;

        // Host 1: the session is saved, then the run dies after its first step (the model goes away).
        using (var store = new SqliteCheckpointStore(path))
        using (var codeAct = Agent(["```js\nvar base = 40;\nconsole.log(base);\n```"], store))
        {
            var agent = new CodeActAIAgent(codeAct);
            var session = await agent.CreateSessionAsync("order-42");
            saved = await agent.SerializeSessionAsync(session);

            var crash = () => agent.RunAsync("What is 40 plus 2?", session);
            await crash.Should().ThrowAsync<InvalidOperationException>().WithMessage("*no turn 2*");
        }

        // Host 2: a new store and agent over the same file; the restored session resumes without a message.
        using (var store = new SqliteCheckpointStore(path))
        using (var codeAct = Agent(["```js\nfinal_answer(base + 2);\n```"], store))
        {
            var agent = new CodeActAIAgent(codeAct);
            var session = (CodeActAgentSession)await agent.DeserializeSessionAsync(saved);
            session.SessionId.Should().Be("order-42");
            session.RunCount.Should().Be(0, "the session was saved before its run started");

            var response = await agent.RunAsync(session);

            response.Text.Should().Be("42");
            var steps = ((AgentResult)response.RawRepresentation!).Steps;
            steps.Select(s => s.Replayed).Should().Equal(true, false);
            session.RunCount.Should().Be(1);
            (await store.ReadAsync("order-42.1")).Session.Task.Should().Be("What is 40 plus 2?");

            var again = await agent.RunAsync(session);
            again.Text.Should().Be("42", "a finished run replays its answer from the journal, without the model");
            ((AgentResult)again.RawRepresentation!).Steps.Should().OnlyContain(s => s.Replayed);
        }
    }

    [Test]
    public async Task AddCodeAct_with_AddAIAgent_registers_the_agent_by_name()
    {
        await using var services = new ServiceCollection()
            .AddCodeAct(codeAct => codeAct
                .UseInterpreter(_interpreter)
                .UseChatClient(new ScriptedChatClient(["```js\nfinal_answer(2 ** 10);\n```"]))
                .AddAIAgent("calculator", "Computes answers in code."))
            .BuildServiceProvider();

        var agent = services.GetRequiredKeyedService<AIAgent>("calculator");

        agent.Should().BeSameAs(services.GetRequiredService<AIAgent>()).And.BeOfType<CodeActAIAgent>();
        agent.Description.Should().Be("Computes answers in code.");
        (await agent.RunAsync("Two to the tenth?")).Text.Should().Be("1024");
    }

    [Test]
    public async Task A_new_message_in_a_durable_session_starts_the_next_run()
    {
        var path = Path.Combine(_folder, "journal.db");
        using var store = new SqliteCheckpointStore(path);
        using var codeAct = Agent(["```js\nfinal_answer('first');\n```", "```js\nfinal_answer('second');\n```"], store);
        var agent = new CodeActAIAgent(codeAct);
        var session = (CodeActAgentSession)await agent.CreateSessionAsync();

        (await agent.RunAsync("One.", session)).Text.Should().Be("first");
        (await agent.RunAsync("Two.", session)).Text.Should().Be("second");

        session.RunCount.Should().Be(2);
        (await store.ReadAsync(session.SessionId + ".2")).Session.Task.Should().Be("Two.");
    }

    [Test]
    public async Task The_serialised_session_round_trips_through_its_JSON_text()
    {
        using var codeAct = Agent(["unused"]);
        var agent = new CodeActAIAgent(codeAct);
        var session = await agent.CreateSessionAsync("chat-7");
        session.StateBag.SetValue("note", new Note { Text = "kept" }, TestJson.Default.Options);

        var text = (await agent.SerializeSessionAsync(session)).GetRawText();
        var restored = (CodeActAgentSession)await agent.DeserializeSessionAsync(JsonDocument.Parse(text).RootElement);

        restored.SessionId.Should().Be("chat-7");
        restored.StateBag.GetValue<Note>("note", TestJson.Default.Options)!.Text.Should().Be("kept");
    }

    [TestCase("[]", "*not an object*")]
    [TestCase("""{"kind":"chat"}""", "*\"kind\" is not \"codeact\"*")]
    [TestCase("""{"kind":"codeact","runCount":0}""", "*no string \"sessionId\"*")]
    [TestCase("""{"kind":"codeact","sessionId":"a b","runCount":0}""", "*'a b' is not valid*")]
    [TestCase("""{"kind":"codeact","sessionId":"ok","runCount":-1}""", "*\"runCount\"*")]
    public async Task Bad_serialised_state_is_refused_with_what_is_wrong(string json, string message)
    {
        using var codeAct = Agent(["unused"]);
        var agent = new CodeActAIAgent(codeAct);

        var act = async () => await agent.DeserializeSessionAsync(JsonDocument.Parse(json).RootElement);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage(message);
    }

    [Test]
    public async Task A_session_of_another_agent_is_refused_with_a_clear_message()
    {
        using var codeAct = Agent(["unused"]);
        var agent = new CodeActAIAgent(codeAct);
        var foreign = await new ChatClientAgent(new ScriptedChatClient(["x"])).CreateSessionAsync();

        var run = () => agent.RunAsync("Hi.", foreign);
        var serialise = async () => await agent.SerializeSessionAsync(foreign);

        await run.Should().ThrowAsync<ArgumentException>().WithMessage("*ChatClientAgentSession, not a CodeActAgentSession*");
        await serialise.Should().ThrowAsync<ArgumentException>().WithMessage("*not a CodeActAgentSession*");
    }

    [Test]
    public async Task A_run_without_a_task_is_refused_with_what_to_do()
    {
        using var codeAct = Agent(["unused"]);
        var agent = new CodeActAIAgent(codeAct);

        var act = async () => await agent.RunAsync(await agent.CreateSessionAsync());

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*Pass the task as a user message*");
    }

    [Test]
    public async Task Resuming_a_durable_session_that_never_ran_is_refused_with_what_to_do()
    {
        using var store = new SqliteCheckpointStore(Path.Combine(_folder, "journal.db"));
        using var codeAct = Agent(["unused"], store);
        var agent = new CodeActAIAgent(codeAct);

        var act = async () => await agent.RunAsync(await agent.CreateSessionAsync("never-ran"));

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*'never-ran' has no run to resume*");
    }

    [TestCase("")]
    [TestCase("has space")]
    public async Task An_invalid_session_id_is_refused(string id)
    {
        using var codeAct = Agent(["unused"]);
        var agent = new CodeActAIAgent(codeAct);

        var act = async () => await agent.CreateSessionAsync(id);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*not valid*");
    }

    private CodeActAgent Agent(IEnumerable<string> turns, ICheckpointStore? store = null) =>
        new(_interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), new CodeActOptions { MaxSteps = 4 }, checkpoints: store);
}
