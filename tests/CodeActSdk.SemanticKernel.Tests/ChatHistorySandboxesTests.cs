using System.Text.Json;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CodeActSdk.SemanticKernel.Tests;

public sealed class ChatHistorySandboxesTests
{
    private static readonly PromptExecutionSettings AutoInvoke = new() { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

    private JintInterpreter _interpreter = null!;

    [SetUp]
    public void SetUp() => _interpreter = new JintInterpreter();

    [TearDown]
    public void TearDown() => _interpreter.Dispose();

    [Test]
    public async Task State_persists_within_one_chat_history_and_is_separate_between_two()
    {
        await using var sandboxes = new ChatHistorySandboxes(_interpreter);
        var (kernel, chat) = KernelCalling(sandboxes,
            ExecuteCode("var x = 41; x"), Text("Defined x."),
            ExecuteCode("typeof x"), Text("Nothing here."),
            ExecuteCode("x + 1"), Text("It is 42."));
        var first = History("Define x.");
        var second = History("Is x defined?");

        await chat.GetChatMessageContentAsync(first, AutoInvoke, kernel);
        await chat.GetChatMessageContentAsync(second, AutoInvoke, kernel);
        first.AddUserMessage("Add one.");
        var reply = await chat.GetChatMessageContentAsync(first, AutoInvoke, kernel);

        reply.Content.Should().Be("It is 42.");
        Values(first).Should().Equal("41", "42");
        Values(second).Should().Equal("\"undefined\"");
    }

    [Test]
    public async Task Streaming_chats_keep_the_state_of_their_history_too()
    {
        await using var sandboxes = new ChatHistorySandboxes(_interpreter);
        var (kernel, chat) = KernelCalling(sandboxes,
            ExecuteCode("const greeting = 'hej'; greeting"), Text("Set."),
            ExecuteCode("greeting.toUpperCase()"), Text("Done."));
        var history = History("Greet.");

        await foreach (var _ in chat.GetStreamingChatMessageContentsAsync(history, AutoInvoke, kernel))
        {
        }

        history.AddUserMessage("Louder.");
        await foreach (var _ in chat.GetStreamingChatMessageContentsAsync(history, AutoInvoke, kernel))
        {
        }

        Values(history).Should().Equal("\"hej\"", "\"HEJ\"");
    }

    [Test]
    public async Task Code_in_the_sandbox_calls_the_kernels_plugins()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out var plugin);
        await using var sandboxes = new ChatHistorySandboxes(_interpreter, new SandboxOptions { Tools = kernel.AsSandboxTools() });
        kernel.Plugins.Add(sandboxes.AsKernelPlugin());
        var chat = sandboxes.Track(Model(ExecuteCode("Math.max(...Weather_temperatures('Oslo', 5))"), Text("12.5 °C")));
        var history = History("Warmest day in Oslo lately?");

        await chat.GetChatMessageContentAsync(history, AutoInvoke, kernel);

        Values(history).Should().Equal("12.5");
        plugin.Calls.Should().Equal("Oslo/5");
    }

    [Test]
    public async Task The_function_documents_its_code_parameter_the_language_and_the_tools()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out _);
        await using var sandboxes = new ChatHistorySandboxes(_interpreter, new SandboxOptions { Tools = kernel.AsSandboxTools() });

        var function = sandboxes.ExecuteCodeFunction;

        function.Name.Should().Be("execute_code");
        function.Description.Should().Contain("JavaScript").And.Contain("function Weather_temperatures(city, days)");
        function.Metadata.Parameters.Should().ContainSingle().Which.Should().Match<KernelParameterMetadata>(p => p.Name == "code" && p.IsRequired && p.Description == "The complete code to run.");
        function.Metadata.ReturnParameter.Schema!.RootElement.GetProperty("properties").TryGetProperty("stdout", out _).Should().BeTrue();
    }

    [Test]
    public async Task A_call_without_code_and_code_that_throws_are_results_the_model_reads()
    {
        await using var sandboxes = new ChatHistorySandboxes(_interpreter);
        var (kernel, chat) = KernelCalling(sandboxes,
            Call(new Dictionary<string, object?>()), Call(new Dictionary<string, object?> { ["code"] = "null.length" }), Text("I see."));
        var history = History("Run something.");

        await chat.GetChatMessageContentAsync(history, AutoInvoke, kernel);

        var results = KernelAgentTests.FunctionResults(history).Select(r => JsonDocument.Parse(r!).RootElement).ToList();
        results.Should().HaveCount(2);
        results[0].GetProperty("status").GetString().Should().Be("BadRequest");
        results[0].GetProperty("error").GetProperty("message").GetString().Should().Contain("\"code\"");
        results[1].GetProperty("status").GetString().Should().Be("RuntimeError");
        results[1].GetProperty("ok").GetBoolean().Should().BeFalse();
    }

    [Test]
    public async Task Invoked_outside_a_tracked_chat_call_the_function_says_how_to_track_it_also_after_one_has_returned()
    {
        await using var sandboxes = new ChatHistorySandboxes(_interpreter);
        var (kernel, chat) = KernelCalling(sandboxes, ExecuteCode("1"), Text("One."));
        await chat.GetChatMessageContentAsync(History("One?"), AutoInvoke, kernel);

        var act = () => sandboxes.ExecuteCodeFunction.InvokeAsync(new Kernel(), new KernelArguments { ["code"] = "1" });

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*Track(chatService)*");
    }

    [Test]
    public async Task The_host_reaches_a_historys_sandbox_and_releasing_it_starts_the_next_call_afresh()
    {
        await using var sandboxes = new ChatHistorySandboxes(_interpreter);
        var history = History("Hello.");

        (await sandboxes.GetTool(history).ExecuteAsync("var kept = 1")).Status.Should().Be(ExecutionStatus.Completed);
        (await sandboxes.GetTool(history).ExecuteAsync("kept")).Value!.Value.GetInt32().Should().Be(1);
        (await sandboxes.ReleaseAsync(history)).Should().BeTrue();
        (await sandboxes.ReleaseAsync(history)).Should().BeFalse();

        (await sandboxes.GetTool(history).ExecuteAsync("typeof kept")).Value!.Value.GetString().Should().Be("undefined");
    }

    [Test]
    public async Task After_disposal_the_sandboxes_refuse_new_work()
    {
        var sandboxes = new ChatHistorySandboxes(_interpreter);
        var history = History("Hello.");
        var tool = sandboxes.GetTool(history);
        await tool.ExecuteAsync("1");

        await sandboxes.DisposeAsync();

        sandboxes.Invoking(s => s.GetTool(history)).Should().Throw<ObjectDisposedException>();
        await tool.Awaiting(t => t.ExecuteAsync("1")).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task Bad_arguments_are_refused_with_the_parameter_named()
    {
        await using var sandboxes = new ChatHistorySandboxes(_interpreter);

        sandboxes.Invoking(s => s.AsKernelPlugin("my sandbox")).Should().Throw<ArgumentException>().WithParameterName("pluginName");
        sandboxes.Invoking(s => s.Track(null!)).Should().Throw<ArgumentNullException>().WithParameterName("chatService");
        sandboxes.Invoking(s => s.GetTool(null!)).Should().Throw<ArgumentNullException>().WithParameterName("history");
        FluentActions.Invoking(() => new ChatHistorySandboxes(null!)).Should().Throw<ArgumentNullException>().WithParameterName("interpreter");
    }

    private (Kernel Kernel, IChatCompletionService Chat) KernelCalling(ChatHistorySandboxes sandboxes, params ChatMessage[] turns)
    {
        var kernel = new Kernel();
        kernel.Plugins.Add(sandboxes.AsKernelPlugin());
        return (kernel, sandboxes.Track(Model(turns)));
    }

    // The scripted model behind a chat service that invokes functions automatically, as Semantic Kernel's own IChatClient services do.
    private static IChatCompletionService Model(params ChatMessage[] turns) =>
        new ScriptedChatClient(turns).AsBuilder().UseKernelFunctionInvocation().Build().AsChatCompletionService();

    private static ChatMessage ExecuteCode(string code) => Call(new Dictionary<string, object?> { ["code"] = code });

    private static ChatMessage Call(IDictionary<string, object?> arguments) => ScriptedChatClient.CallTool("sandbox_execute_code", arguments);

    private static ChatMessage Text(string text) => new(ChatRole.Assistant, text);

    private static ChatHistory History(string question)
    {
        var history = new ChatHistory();
        history.AddUserMessage(question);
        return history;
    }

    // The "value" of each execute_code result in the history, as JSON text.
    private static IEnumerable<string> Values(ChatHistory history) =>
        KernelAgentTests.FunctionResults(history).Select(r => JsonDocument.Parse(r!).RootElement.GetProperty("value").GetRawText());
}
