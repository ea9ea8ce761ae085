using System.Text.Json;
using CodeActSdk.Jint;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.Tests.Generation;

/// <summary>
/// The three code formats (fenced blocks, structured JSON output, native tool calling) driven by one script through
/// the scripted client, against the real Jint interpreter: answers, the conversation each builds, broken answers as
/// observations, and durable runs that resume with the same history.
/// </summary>
public sealed class CodeFormatTests : AgentTestBase
{
    private static readonly string[] Script =
    [
        Js("var s = 0; for (let i = 1; i <= 10; i++) { s += i * i; } console.log(s);", "I will sum the squares in code."),
        Js("final_answer(s);", "The sum is computed."),
    ];

    private CodeActAgent Agent(CodeFormat format, IEnumerable<ChatMessage> turns, ICheckpointStore? checkpoints = null, Action<CodeActOptions>? configure = null)
    {
        Client = new ScriptedChatClient(turns);
        var options = new CodeActOptions();
        configure?.Invoke(options);
        return new CodeActAgent(Interpreter, new ChatClientCodeGenerator(Client, format), options, checkpoints: checkpoints);
    }

    private CodeActAgent Agent(CodeFormat format, IEnumerable<string> turns, ICheckpointStore? checkpoints = null, Action<CodeActOptions>? configure = null) =>
        Agent(format, turns.Select(t => new ChatMessage(ChatRole.Assistant, t)), checkpoints, configure);

    [TestCase(CodeFormat.Fenced)]
    [TestCase(CodeFormat.Json)]
    [TestCase(CodeFormat.ToolCall)]
    public async Task One_script_drives_each_format_to_the_same_answer(CodeFormat format)
    {
        var agent = Agent(format, Script);

        var result = await agent.RunAsync("What is the sum of the squares of 1 to 10?");

        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.FinalAnswerText.Should().Be("385");
        result.Steps[0].Code.Select(c => c.Code).Should().Equal("var s = 0; for (let i = 1; i <= 10; i++) { s += i * i; } console.log(s);");
        result.Steps[0].Turn!.Format.Should().Be(format);
        agent.CodeFormat.Should().Be(format);
        var options = Client.ReceivedOptions[0];
        switch (format)
        {
            case CodeFormat.Json:
                options!.ResponseFormat.Should().BeOfType<ChatResponseFormatJson>().Which.Schema!.Value.GetRawText().Should().Contain("\"code\"");
                agent.SystemPrompt.Should().Contain("{\"thought\": \"...\", \"code\": \"...\"}");
                result.Steps[0].ModelText.Should().StartWith("{\"thought\":\"I will sum the squares in code.\"");
                break;
            case CodeFormat.ToolCall:
                options!.Tools!.Select(t => t.Name).Should().Equal(CodeFormats.ExecuteCodeFunction);
                agent.SystemPrompt.Should().Contain("call the function execute_code once");
                break;
            default:
                (options?.ResponseFormat).Should().BeNull();
                (options?.Tools).Should().BeNull();
                agent.SystemPrompt.Should().Contain("```javascript code block");
                break;
        }
    }

    [Test]
    public async Task A_tool_call_turn_gets_its_observation_as_the_calls_result_so_the_transcript_stays_valid()
    {
        var result = await Agent(CodeFormat.ToolCall, Script).RunAsync("Sum the squares of 1 to 10.");

        var second = Client.ReceivedMessages[1];
        second.Select(m => m.Role).Should().Equal(ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool);
        var call = second[2].Contents.OfType<FunctionCallContent>().Should().ContainSingle().Subject;
        call.Name.Should().Be("execute_code");
        call.CallId.Should().Be("call_1_1");
        second[2].Text.Should().Be("I will sum the squares in code.");
        var answer = second[3].Contents.Should().ContainSingle().Which.Should().BeOfType<FunctionResultContent>().Subject;
        answer.CallId.Should().Be(call.CallId);
        answer.Result!.ToString().Should().StartWith("Observation:\n").And.Contain("385");
        IsValidToolTranscript(result.Messages).Should().BeTrue("the last call is answered too");
    }

    [Test]
    public async Task Broken_json_answers_are_observations_the_model_fixes()
    {
        var agent = Agent(CodeFormat.Json,
        [
            """{"thought": "sum them", "code": "var s = 1 + """,
            """{"thought": "forgot the code"}""",
            """["console.log(1)"]""",
            "I think it is 385.",
            "```json\n{\"thought\": \"now properly\", \"code\": \"final_answer(385)\"}\n```",
        ]);

        var result = await agent.RunAsync("Sum the squares of 1 to 10.");

        result.FinalAnswerText.Should().Be("385");
        result.Steps.Select(s => s.Executions.Count).Should().Equal(0, 0, 0, 0, 1);
        result.Steps[0].Observation.Should().Contain("not valid JSON").And.Contain("nothing ran");
        result.Steps[1].Observation.Should().Contain("no \"code\" property");
        result.Steps[2].Observation.Should().Contain("not an object");
        result.Steps[3].Observation.Should().Contain("holds no JSON object");
    }

    [Test]
    public async Task A_call_of_an_unknown_function_or_text_without_a_call_is_an_observation()
    {
        var agent = Agent(CodeFormat.ToolCall,
        [
            ScriptedChatClient.CallTool("lookup_price", new Dictionary<string, object?> { ["sku"] = "A1" }, "call_x"),
            new ChatMessage(ChatRole.Assistant, "The answer is probably 385."),
            ScriptedChatClient.CallTool("execute_code", new Dictionary<string, object?> { ["script"] = "1 + 1", ["language"] = "js" }, "call_y"),
            new ChatMessage(ChatRole.Assistant, Js("final_answer(385);")),
        ]);

        var result = await agent.RunAsync("Sum the squares of 1 to 10.");

        result.FinalAnswerText.Should().Be("385");
        result.Steps[0].Observation.Should().Contain("You called 'lookup_price', which does not exist").And.Contain("execute_code(code)");
        result.Steps[1].Observation.Should().Contain("called no function");
        result.Steps[2].Observation.Should().Contain("no \"code\" argument (it had 'script', 'language')");
        var third = Client.ReceivedMessages[1];
        third[^1].Role.Should().Be(ChatRole.Tool);
        third[^1].Contents.OfType<FunctionResultContent>().Single().CallId.Should().Be("call_x", "even a call of an unknown function gets its result");
        Client.ReceivedMessages[2][^1].Role.Should().Be(ChatRole.User, "text without a call is answered by a user message");
        IsValidToolTranscript(result.Messages).Should().BeTrue();
    }

    [Test]
    public async Task Arguments_that_cannot_be_parsed_are_an_observation_not_a_failed_run()
    {
        var broken = new FunctionCallContent("call_b", "execute_code") { Exception = new JsonException("'c' is an invalid start of a value.") };
        var agent = Agent(CodeFormat.ToolCall, [new ChatMessage(ChatRole.Assistant, [broken]), new ChatMessage(ChatRole.Assistant, Js("final_answer(1)"))]);

        var result = await agent.RunAsync("Answer 1.");

        result.FinalAnswerText.Should().Be("1");
        result.Steps[0].Observation.Should().Contain("could not be read ('c' is an invalid start of a value.)");
    }

    [TestCase(CodeFormat.Fenced)]
    [TestCase(CodeFormat.Json)]
    [TestCase(CodeFormat.ToolCall)]
    public async Task A_durable_run_resumes_with_the_same_turns_and_the_same_history(CodeFormat format)
    {
        var folder = Directory.CreateTempSubdirectory("codeact-formats-").FullName;
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            string[] turns = [Script[0], Js("var t = s * 2; console.log(t);", "Double it."), Js("final_answer(t);")];

            // The uninterrupted run, for the history its last model call saw.
            var whole = await Agent(format, turns).RunAsync("Double the sum of squares.");
            var expected = Serialize(Client.ReceivedMessages[2]);

            // The same run, crashed after two steps (the model has no third turn), then resumed.
            var crashed = () => Agent(format, turns.Take(2), store).RunAsync(AgentRunRequest.Durable($"formats-{format}", "Double the sum of squares."));
            await crashed.Should().ThrowAsync<InvalidOperationException>();
            var journal = await store.ReadAsync($"formats-{format}");
            journal.Entries.Where(e => e.Kind == JournalEntryKind.ModelTurn).Select(e => e.ModelTurnFormat)
                .Should().AllBe(format == CodeFormat.Fenced ? null : format.ToString());

            var resumed = await Agent(format, turns.Skip(2), store).RunAsync(AgentRunRequest.Resume($"formats-{format}"));

            resumed.FinalAnswerText.Should().Be(whole.FinalAnswerText).And.Be("770");
            resumed.Steps.Select(s => s.Replayed).Should().Equal(true, true, false);
            var (live, replayed) = (whole.Steps[1].Turn!, resumed.Steps[1].Turn!);
            (replayed.Text, replayed.JournalText, replayed.Format, replayed.FormatError).Should().Be((live.Text, live.JournalText, live.Format, live.FormatError), "a journaled turn is read again into the same turn");
            replayed.CodeBlocks.Should().Equal(live.CodeBlocks);
            replayed.CallIds.Should().Equal(live.CallIds);
            Serialize(Client.ReceivedMessages[0]).Should().Be(expected, "the history rebuilt from the journal is the one the uninterrupted run had");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Memory_policies_keep_the_tool_calling_transcript_valid()
    {
        string[] turns = [.. Enumerable.Range(1, 5).Select(i => Js($"var s{i} = 'x'.repeat(2500); console.log(s{i});")), Js("final_answer(s5.length);")];
        foreach (IChatReducer policy in new IChatReducer[] { new TokenBudgetMemoryPolicy(1200), new SlidingWindowMemoryPolicy(2) })
        {
            Client = new ScriptedChatClient(turns);
            var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(Client, CodeFormat.ToolCall), new CodeActOptions(), memoryPolicy: policy);

            var result = await agent.RunAsync("Print long strings.");

            result.FinalAnswerText.Should().Be("2500");
            foreach (var sent in Client.ReceivedMessages)
            {
                IsValidToolTranscript(sent).Should().BeTrue($"{policy.GetType().Name} sends a valid transcript");
                sent.Where(m => m.Role == ChatRole.Tool).All(m => m.Contents.OfType<FunctionResultContent>().Any()).Should().BeTrue("a tool message answers a call");
            }
        }
    }

    [Test]
    public async Task The_builder_chooses_the_format_with_one_call()
    {
        var services = new ServiceCollection();
        var client = new ScriptedChatClient([Js("final_answer(2)")]);
        services.AddCodeAct(b => b.UseJint().UseChatClient(client, CodeFormat.ToolCall));
        await using var provider = services.BuildServiceProvider();

        var agent = provider.GetRequiredService<CodeActAgent>();
        var result = await agent.RunAsync("Answer 2.");

        agent.CodeFormat.Should().Be(CodeFormat.ToolCall);
        result.FinalAnswerText.Should().Be("2");
        result.Steps[0].Turn!.CallIds.Should().Equal("call_1_1");
    }

    private static string Serialize(IReadOnlyList<ChatMessage> messages) => JsonSerializer.Serialize(messages, AIJsonUtilities.DefaultOptions);

    /// <summary>Every function call is answered by a result with its id, and no result answers a call that was not made.</summary>
    private static bool IsValidToolTranscript(IReadOnlyList<ChatMessage> messages)
    {
        var open = new HashSet<string>();
        foreach (var content in messages.SelectMany(m => m.Contents))
        {
            if (content is FunctionCallContent call && !open.Add(call.CallId))
            {
                return false;
            }

            if (content is FunctionResultContent result && !open.Remove(result.CallId))
            {
                return false;
            }
        }

        return open.Count == 0;
    }
}
