using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace CodeActSdk.OpenAI.Tests;

public sealed class OpenAIChatClientTests
{
    // Only a guard against a hung test: far above how long any call here takes.
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(15);

    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "You write JavaScript."),
        new(ChatRole.User, "Say hello."),
        new(ChatRole.Assistant, "print('hello')"),
        new(ChatRole.User, "Again."),
    ];

    [Test]
    public async Task GetResponseAsync_returns_text_usage_and_metadata_and_sends_model_and_messages()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = CreateClient(server);

        ChatResponse response = await client.GetResponseAsync(Conversation).WaitAsync(Safety);

        response.Text.Should().Be("Hello, world!");
        response.Messages.Should().ContainSingle().Which.Role.Should().Be(ChatRole.Assistant);
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
        response.ResponseId.Should().Be(FakeOpenAIServer.CompletionId);
        response.ModelId.Should().Be("test-model");
        response.CreatedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(FakeOpenAIServer.Created));
        response.Usage.Should().NotBeNull();
        response.Usage!.InputTokenCount.Should().Be(12);
        response.Usage.OutputTokenCount.Should().Be(5);
        response.Usage.TotalTokenCount.Should().Be(17);

        RecordedRequest request = server.SingleRequest;
        request.Path.Should().Be("/v1/chat/completions");
        request.Body["model"]!.GetValue<string>().Should().Be("test-model");
        request.Body["stream"]?.GetValue<bool>().Should().NotBe(true);
        Messages(request).Should().Equal(
            ("system", "You write JavaScript."),
            ("user", "Say hello."),
            ("assistant", "print('hello')"),
            ("user", "Again."));
    }

    [Test]
    public async Task GetResponseAsync_maps_chat_options_onto_the_request()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = CreateClient(server);

        var options = new ChatOptions
        {
            ModelId = "other-model",
            Instructions = "Be brief.",
            Temperature = 0.25f,
            MaxOutputTokens = 123,
            StopSequences = ["```\n", "Observation:"],
            TopP = 0.5f,
            FrequencyPenalty = 0.75f,
            PresencePenalty = 0.125f,
        };

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], options).WaitAsync(Safety);

        response.ModelId.Should().Be("other-model");
        JsonObject body = server.SingleRequest.Body;
        body["model"]!.GetValue<string>().Should().Be("other-model");
        body["temperature"]!.GetValue<double>().Should().BeApproximately(0.25, 1e-6);
        body["top_p"]!.GetValue<double>().Should().BeApproximately(0.5, 1e-6);
        body["frequency_penalty"]!.GetValue<double>().Should().BeApproximately(0.75, 1e-6);
        body["presence_penalty"]!.GetValue<double>().Should().BeApproximately(0.125, 1e-6);
        body["max_completion_tokens"]!.GetValue<int>().Should().Be(123);
        body["stop"]!.AsArray().Select(s => s!.GetValue<string>()).Should().Equal("```\n", "Observation:");
        Messages(server.SingleRequest).Should().Equal(("system", "Be brief."), ("user", "hi"));
    }

    [Test]
    public async Task Without_options_only_the_model_and_messages_are_sent()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = CreateClient(server);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]).WaitAsync(Safety);

        JsonObject body = server.SingleRequest.Body;
        body.Select(p => p.Key).Should().BeEquivalentTo("model", "messages");
    }

    [Test]
    public async Task GetStreamingResponseAsync_yields_text_in_order_then_finish_reason_and_usage()
    {
        await using var server = await FakeOpenAIServer.StartAsync(FakeOpenAIServer.Reply("const ", "x = ", "1;"));
        using var client = CreateClient(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Conversation).WithCancellation(CancellationToken.None))
        {
            updates.Add(update);
        }

        updates.Select(u => u.Text).Where(t => t.Length > 0).Should().Equal("const ", "x = ", "1;");
        updates.Should().OnlyContain(u => u.Role == ChatRole.Assistant && u.ResponseId == FakeOpenAIServer.CompletionId);
        // Microsoft.Extensions.AI.OpenAI repeats the finish reason on the usage update that follows it, so it is asserted
        // as "Stop, and only after the last text" rather than "on exactly one update".
        int firstFinish = updates.FindIndex(u => u.FinishReason != null);
        firstFinish.Should().BeGreaterThan(updates.FindLastIndex(u => u.Text.Length > 0));
        updates.Skip(firstFinish).Should().OnlyContain(u => u.FinishReason == ChatFinishReason.Stop && u.Text.Length == 0);

        UsageContent usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Should().ContainSingle().Subject;
        usage.Details.InputTokenCount.Should().Be(12);
        usage.Details.OutputTokenCount.Should().Be(3);
        usage.Details.TotalTokenCount.Should().Be(15);

        JsonObject body = server.SingleRequest.Body;
        body["stream"]!.GetValue<bool>().Should().BeTrue();
        body["stream_options"]!["include_usage"]!.GetValue<bool>().Should().BeTrue();
        body["model"]!.GetValue<string>().Should().Be("test-model");
        Messages(server.SingleRequest).Should().HaveCount(4);
    }

    [Test]
    public async Task Streamed_updates_combine_into_a_response_with_text_and_usage()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = CreateClient(server);

        ChatResponse response = await client
            .GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { Temperature = 0 })
            .ToChatResponseAsync()
            .WaitAsync(Safety);

        response.Text.Should().Be("Hello, world!");
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
        response.Usage!.InputTokenCount.Should().Be(12);
        response.Usage.OutputTokenCount.Should().Be(4);
        response.Usage.TotalTokenCount.Should().Be(16);
        server.SingleRequest.Body["temperature"]!.GetValue<double>().Should().Be(0);
    }

    [Test]
    public async Task Concurrent_calls_on_one_client_each_get_their_own_answer()
    {
        await using var server = await FakeOpenAIServer.StartAsync((context, body) =>
        {
            // Echo the last user message so every call can check it got its own reply.
            string prompt = body["messages"]!.AsArray().Last()!["content"]!.ToString();
            return body["stream"]?.GetValue<bool>() == true
                ? FakeOpenAIServer.WriteStreamAsync(context, body, ["echo: ", prompt])
                : FakeOpenAIServer.WriteCompletionAsync(context, body, "echo: " + prompt);
        });
        using var client = CreateClient(server);

        Task<ChatResponse>[] calls = Enumerable.Range(0, 8)
            .Select(i => i % 2 == 0
                ? client.GetResponseAsync([new ChatMessage(ChatRole.User, $"call {i}")])
                : client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, $"call {i}")]).ToChatResponseAsync())
            .ToArray();
        ChatResponse[] responses = await Task.WhenAll(calls).WaitAsync(Safety);

        responses.Select(r => r.Text).Should().Equal(Enumerable.Range(0, 8).Select(i => $"echo: call {i}"));
        server.Requests.Should().HaveCount(8);
    }

    [Test]
    public async Task A_missing_key_for_a_local_server_sends_a_placeholder_and_a_given_key_is_sent_as_bearer()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using (var keyless = CreateClient(server))
        {
            await keyless.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]).WaitAsync(Safety);
        }

        using (var keyed = new OpenAIChatClient(new OpenAIEndpointOptions { BaseUrl = server.BaseUrl, ApiKey = "sk-local", Model = "m" }))
        {
            await keyed.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]).WaitAsync(Safety);
        }

        server.Requests.Select(r => r.Authorization).Should().Equal("Bearer no-key", "Bearer sk-local");
    }

    [Test]
    public async Task A_base_url_with_a_trailing_slash_reaches_the_same_path()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = new OpenAIChatClient(new OpenAIEndpointOptions { BaseUrl = new Uri(server.Address, "/v1/"), Model = "m" });

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]).WaitAsync(Safety);

        server.SingleRequest.Path.Should().Be("/v1/chat/completions");
        client.BaseUrl.AbsoluteUri.Should().Be(server.BaseUrl.AbsoluteUri);
    }

    [Test]
    public async Task GetService_returns_metadata_and_the_client_itself()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = CreateClient(server);

        ChatClientMetadata metadata = client.GetService<ChatClientMetadata>()!;
        metadata.ProviderName.Should().Be("openai");
        metadata.ProviderUri.Should().Be(server.BaseUrl);
        metadata.DefaultModelId.Should().Be("test-model");

        client.GetService<IChatClient>().Should().BeSameAs(client);
        client.GetService<OpenAIChatClient>().Should().BeSameAs(client);
        client.GetService<global::OpenAI.Chat.ChatClient>().Should().NotBeNull();
        client.GetService(typeof(ChatClientMetadata), serviceKey: "keyed").Should().BeNull();
        client.GetService<string>().Should().BeNull();
    }

    [Test]
    public async Task Messages_the_client_would_leave_out_are_rejected_before_anything_is_sent()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = CreateClient(server);

        Func<Task> act = () => client.GetResponseAsync([new ChatMessage(ChatRole.Tool, "result")]).WaitAsync(Safety);
        Func<Task> streaming = () => client.GetStreamingResponseAsync([new ChatMessage(ChatRole.Tool, "result")]).ToChatResponseAsync().WaitAsync(Safety);
        Func<Task> unknownRole = () => client.GetResponseAsync([new ChatMessage(new ChatRole("critic"), "hmm")]).WaitAsync(Safety);

        await act.Should().ThrowAsync<NotSupportedException>().WithMessage("*role 'tool'*FunctionResultContent*");
        await streaming.Should().ThrowAsync<NotSupportedException>().WithMessage("*role 'tool'*");
        await unknownRole.Should().ThrowAsync<NotSupportedException>().WithMessage("*role 'critic'*");
        server.Requests.Should().BeEmpty();
    }

    [Test]
    public async Task A_function_result_is_sent_as_a_tool_message_after_the_assistant_call()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = CreateClient(server);

        ChatMessage[] conversation =
        [
            new(ChatRole.User, "What is 2 + 3?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call-1", "add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call-1", 5)]),
        ];

        ChatResponse response = await client.GetResponseAsync(conversation).WaitAsync(Safety);

        response.Text.Should().Be("Hello, world!");
        JsonArray sent = server.SingleRequest.Body["messages"]!.AsArray();
        sent.Select(m => m!["role"]!.GetValue<string>()).Should().Equal("user", "assistant", "tool");
        sent[1]!["tool_calls"]![0]!["id"]!.GetValue<string>().Should().Be("call-1");
        sent[2]!["tool_call_id"]!.GetValue<string>().Should().Be("call-1");
        ContentText(sent[2]!["content"]!).Should().Be("5");
    }

    [Test]
    public async Task A_disposed_client_throws_ObjectDisposedException()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        var client = CreateClient(server);
        client.Dispose();
        client.Dispose();

        Func<Task> act = () => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);

        await act.Should().ThrowAsync<ObjectDisposedException>();
        FluentActions.Invoking(() => client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
            .Should().Throw<ObjectDisposedException>();
    }

    [Test]
    public void The_constructor_rejects_incomplete_options_with_the_configuration_help()
    {
        FluentActions.Invoking(() => new OpenAIChatClient(new OpenAIEndpointOptions()))
            .Should().Throw<InvalidOperationException>()
            .WithMessage(OpenAIEndpointOptions.ConfigurationHelp);
    }

    internal static OpenAIChatClient CreateClient(FakeOpenAIServer server, Func<OpenAIEndpointOptions, OpenAIEndpointOptions>? configure = null)
    {
        var options = new OpenAIEndpointOptions { BaseUrl = server.BaseUrl, Model = "test-model" };
        return new OpenAIChatClient(configure is null ? options : configure(options));
    }

    private static IEnumerable<(string Role, string Content)> Messages(RecordedRequest request) =>
        request.Body["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), ContentText(m["content"]!)));

    // The SDK may send content as a plain string or as an array of text parts; both mean the same text.
    private static string ContentText(JsonNode content) => content is JsonArray parts
        ? string.Concat(parts.Select(p => p!["text"]!.GetValue<string>()))
        : content.GetValue<string>();
}
