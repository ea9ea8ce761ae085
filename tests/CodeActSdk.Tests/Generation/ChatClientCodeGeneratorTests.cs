using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Generation;

public class ChatClientCodeGeneratorTests
{
    private static readonly CodeLanguage Js = new("JavaScript", "ES2023", ["js"], "");

    [Test]
    public async Task Returns_the_text_its_code_blocks_and_the_usage()
    {
        var client = new ScriptedChatClient(["Plan.\n```js\nvar a = 1;\n```\n```js\nfinal_answer(a);\n```"]);
        var generator = new ChatClientCodeGenerator(client);

        var turn = await generator.GenerateAsync([new ChatMessage(ChatRole.User, "task")], Js);

        turn.Text.Should().StartWith("Plan.");
        turn.CodeBlocks.Should().Equal(new CodeBlock("js", "var a = 1;"), new CodeBlock("js", "final_answer(a);"));
        turn.Usage.Should().NotBeNull();
        turn.Usage!.OutputTokenCount.Should().BePositive();
    }

    [Test]
    public async Task Sends_a_copy_of_the_chat_options_on_every_call()
    {
        var client = new OptionsRecordingChatClient();
        var options = new ChatOptions { ModelId = "model-x", StopSequences = ["Observation:"] };
        var generator = new ChatClientCodeGenerator(client, options);

        await generator.GenerateAsync([new ChatMessage(ChatRole.User, "task")], Js);

        client.Received.Should().NotBeNull().And.NotBeSameAs(options);
        client.Received!.ModelId.Should().Be("model-x");
        client.Received.StopSequences.Should().Equal("Observation:");
    }

    [Test]
    public void The_model_id_comes_from_the_options_or_else_the_client_metadata()
    {
        new ChatClientCodeGenerator(new ScriptedChatClient(["x"])).ModelId.Should().Be(ScriptedChatClient.ModelId);
        new ChatClientCodeGenerator(new ScriptedChatClient(["x"]), new ChatOptions { ModelId = "m" }).ModelId.Should().Be("m");
    }

    /// <summary>A model that answers "ok" and keeps the options it was sent.</summary>
    private sealed class OptionsRecordingChatClient : IChatClient
    {
        public ChatOptions? Received { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Received = options;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
