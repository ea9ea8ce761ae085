using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace CodeActSdk.OpenAI.Tests;

public sealed class OpenAIChatClientFailureTests
{
    // Only a guard against a hung test: far above how long any call here takes.
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(15);

    private static readonly ChatMessage[] Hi = [new(ChatRole.User, "hi")];

    [Test]
    public async Task Http_401_becomes_ModelEndpointException_naming_url_status_server_message_and_the_key()
    {
        await using var server = await FakeOpenAIServer.StartAsync((context, _) => FakeOpenAIServer.WriteJsonAsync(
            context,
            401,
            new JsonObject { ["error"] = new JsonObject { ["message"] = "Incorrect API key provided.", ["type"] = "invalid_request_error" } }));
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetResponseAsync(Hi).WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        string url = new Uri(server.BaseUrl + "/chat/completions").AbsoluteUri;
        thrown.Which.Message.Should().Be(
            $"The model endpoint {url} answered HTTP 401 (Unauthorized): Incorrect API key provided; check OPENAI_API_KEY.");
        thrown.Which.StatusCode.Should().Be(401);
        thrown.Which.Endpoint!.AbsoluteUri.Should().Be(url);
        thrown.Which.InnerException.Should().NotBeNull();
    }

    [Test]
    public async Task Http_500_becomes_ModelEndpointException_naming_url_and_status()
    {
        await using var server = await FakeOpenAIServer.StartAsync(
            (context, _) => FakeOpenAIServer.WriteRawAsync(context, 500, "text/plain", "llama runner process has terminated\n"));
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetResponseAsync(Hi).WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        thrown.Which.Message.Should().Contain(server.BaseUrl + "/chat/completions")
            .And.Contain("HTTP 500 (Internal Server Error)")
            .And.Contain("llama runner process has terminated");
        thrown.Which.StatusCode.Should().Be(500);
    }

    [Test]
    public async Task Http_500_on_a_streaming_call_surfaces_when_enumerating()
    {
        await using var server = await FakeOpenAIServer.StartAsync((context, _) => FakeOpenAIServer.WriteJsonAsync(
            context, 500, new JsonObject { ["error"] = new JsonObject { ["message"] = "CUDA out of memory" } }));
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetStreamingResponseAsync(Hi).ToChatResponseAsync().WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        thrown.Which.Message.Should().Contain("HTTP 500").And.Contain("CUDA out of memory").And.Contain(server.BaseUrl.AbsoluteUri);
        thrown.Which.StatusCode.Should().Be(500);
    }

    [Test]
    public async Task Http_404_mentions_the_base_url_and_model()
    {
        await using var server = await FakeOpenAIServer.StartAsync((context, _) => FakeOpenAIServer.WriteJsonAsync(
            context, 404, new JsonObject { ["error"] = new JsonObject { ["message"] = "model \"nope\" not found, try pulling it first" } }));
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetResponseAsync(Hi).WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        thrown.Which.Message.Should().Contain("HTTP 404")
            .And.Contain("model \"nope\" not found")
            .And.Contain("OPENAI_BASE_URL");
    }

    [Test]
    public async Task A_dead_port_fails_at_once_with_ModelEndpointException_naming_the_url()
    {
        int port;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }

        using var client = new OpenAIChatClient(new OpenAIEndpointOptions { BaseUrl = new Uri($"http://127.0.0.1:{port}/v1"), Model = "m" });

        Func<Task> act = () => client.GetResponseAsync(Hi).WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        thrown.Which.Message.Should().StartWith($"The model endpoint http://127.0.0.1:{port}/v1/chat/completions could not be reached (");
        thrown.Which.StatusCode.Should().BeNull();

        Func<Task> streaming = () => client.GetStreamingResponseAsync(Hi).ToChatResponseAsync().WaitAsync(Safety);
        (await streaming.Should().ThrowAsync<ModelEndpointException>()).Which.Message.Should().Contain("could not be reached");
    }

    [Test]
    public async Task A_server_slower_than_the_network_timeout_gives_ModelEndpointException()
    {
        await using var server = await FakeOpenAIServer.StartAsync((context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var client = OpenAIChatClientTests.CreateClient(server, o => o with { NetworkTimeout = TimeSpan.FromMilliseconds(300) });

        Func<Task> act = () => client.GetResponseAsync(Hi).WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        thrown.Which.Message.Should().Contain("did not answer in time").And.Contain(server.BaseUrl.AbsoluteUri);
    }

    [Test]
    public async Task A_success_status_with_a_body_that_is_not_json_gives_ModelEndpointException()
    {
        await using var server = await FakeOpenAIServer.StartAsync(
            (context, _) => FakeOpenAIServer.WriteRawAsync(context, 200, "text/html", "<html>Open WebUI</html>"));
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetResponseAsync(Hi).WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        thrown.Which.Message.Should().Contain(server.BaseUrl.AbsoluteUri).And.Contain("not a valid OpenAI chat completion");
    }

    [Test]
    public async Task A_completion_without_choices_gives_ModelEndpointException()
    {
        await using var server = await FakeOpenAIServer.StartAsync(
            (context, _) => FakeOpenAIServer.WriteJsonAsync(context, 200, new JsonObject { ["id"] = "x", ["choices"] = new JsonArray() }));
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetResponseAsync(Hi).WaitAsync(Safety);

        (await act.Should().ThrowAsync<ModelEndpointException>()).Which.Message.Should().Be(
            $"The model endpoint {server.BaseUrl.AbsoluteUri}/chat/completions returned a chat completion without any choices.");
    }

    [Test]
    public async Task A_malformed_stream_chunk_gives_ModelEndpointException()
    {
        await using var server = await FakeOpenAIServer.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n");
            await context.Response.WriteAsync("data: {this is not json\n\n");
            await context.Response.WriteAsync("data: [DONE]\n\n");
        });
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetStreamingResponseAsync(Hi).ToChatResponseAsync().WaitAsync(Safety);

        (await act.Should().ThrowAsync<ModelEndpointException>()).Which.Message.Should().Contain("not a valid OpenAI chat completion");
    }

    [Test]
    public async Task A_server_that_ignores_stream_true_gives_ModelEndpointException_not_an_empty_answer()
    {
        await using var server = await FakeOpenAIServer.StartAsync(
            (context, body) => FakeOpenAIServer.WriteCompletionAsync(context, body, "full answer as plain JSON"));
        using var client = OpenAIChatClientTests.CreateClient(server);

        Func<Task> act = () => client.GetStreamingResponseAsync(Hi).ToChatResponseAsync().WaitAsync(Safety);

        var thrown = await act.Should().ThrowAsync<ModelEndpointException>();
        thrown.Which.Message.Should().Contain(server.BaseUrl.AbsoluteUri).And.Contain("without sending any server-sent event chunks");
        server.SingleRequest.Body["stream"]!.GetValue<bool>().Should().BeTrue();
    }

    [Test]
    public async Task Canceling_a_stream_mid_way_throws_OperationCanceledException()
    {
        await using var server = await FakeOpenAIServer.StartAsync(
            (context, body) => FakeOpenAIServer.WriteStreamAsync(context, body, ["first", "never sent"], stallAfter: 1));
        using var client = OpenAIChatClientTests.CreateClient(server);
        using var cts = new CancellationTokenSource();
        var received = new List<string>();

        Func<Task> act = async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hi, cancellationToken: cts.Token))
            {
                received.Add(update.Text);

                // Cancel while the next read is blocked on the stalled server, not before it starts.
                cts.CancelAfter(TimeSpan.FromMilliseconds(100));
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        received.Should().Equal("first");
    }

    [Test]
    public async Task Canceling_while_waiting_for_a_response_throws_OperationCanceledException()
    {
        await using var server = await FakeOpenAIServer.StartAsync((context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var client = OpenAIChatClientTests.CreateClient(server);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        Func<Task> act = () => client.GetResponseAsync(Hi, cancellationToken: cts.Token).WaitAsync(Safety);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Test]
    public async Task An_already_canceled_token_sends_nothing()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        using var client = OpenAIChatClientTests.CreateClient(server);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Func<Task> act = () => client.GetResponseAsync(Hi, cancellationToken: cts.Token);
        Func<Task> streaming = () => client.GetStreamingResponseAsync(Hi, cancellationToken: cts.Token).ToChatResponseAsync();

        await act.Should().ThrowAsync<OperationCanceledException>();
        await streaming.Should().ThrowAsync<OperationCanceledException>();
        server.Requests.Should().BeEmpty();
    }
}
