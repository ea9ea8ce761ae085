using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CodeActSdk.OpenAI.Tests;

/// <summary>A request the fake server received.</summary>
internal sealed record RecordedRequest(string Method, string Path, string? Authorization, JsonObject Body);

/// <summary>
/// A real Kestrel server on 127.0.0.1 with an ephemeral port that answers <c>POST /v1/chat/completions</c> the way an
/// OpenAI-compatible server does, and records every request. Each test decides the answer through <see cref="Handler"/>.
/// </summary>
internal sealed class FakeOpenAIServer : IAsyncDisposable
{
    public const string CompletionId = "chatcmpl-test-1";
    public const long Created = 1_700_000_000;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FakeOpenAIServer(WebApplication app, Func<HttpContext, JsonObject, Task> handler)
    {
        _app = app;
        Handler = handler;
    }

    /// <summary>Answers a recorded request; by default a non-streamed or streamed "Hello, world!" reply.</summary>
    public Func<HttpContext, JsonObject, Task> Handler { get; set; }

    /// <summary>The address the server listens on, for example <c>http://127.0.0.1:54321</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The OpenAI-style API root: <see cref="Address"/> + <c>/v1</c>.</summary>
    public Uri BaseUrl => new(Address, "/v1");

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public RecordedRequest SingleRequest => Requests.Should().ContainSingle().Subject;

    public static async Task<FakeOpenAIServer> StartAsync(Func<HttpContext, JsonObject, Task>? handler = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();

        var server = new FakeOpenAIServer(app, handler ?? DefaultHandler);
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            JsonObject body;
            using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
            {
                string text = await reader.ReadToEndAsync(context.RequestAborted);
                body = JsonNode.Parse(text)!.AsObject();
            }

            server._requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? string.Empty,
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
                body));

            await server.Handler(context, body);
        });

        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        server.Address = new Uri(address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    /// <summary>Replies like a server that produced <paramref name="chunks"/> (joined when not streaming).</summary>
    public static Func<HttpContext, JsonObject, Task> Reply(params string[] chunks) =>
        (context, body) => body["stream"]?.GetValue<bool>() == true
            ? WriteStreamAsync(context, body, chunks)
            : WriteCompletionAsync(context, body, string.Concat(chunks));

    public static Task DefaultHandler(HttpContext context, JsonObject body) => Reply("Hello", ", ", "world", "!")(context, body);

    public static Task WriteCompletionAsync(HttpContext context, JsonObject request, string text, string finishReason = "stop")
    {
        var response = new JsonObject
        {
            ["id"] = CompletionId,
            ["object"] = "chat.completion",
            ["created"] = Created,
            ["model"] = request["model"]?.GetValue<string>(),
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
                ["finish_reason"] = finishReason,
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 12, ["completion_tokens"] = 5, ["total_tokens"] = 17 },
        };
        return WriteJsonAsync(context, 200, response);
    }

    /// <summary>
    /// Streams one SSE chunk per text piece, then a finish-reason chunk, then a usage chunk with no choices, then
    /// <c>[DONE]</c>. When <paramref name="stallAfter"/> is set, stops after that many text chunks and waits until the
    /// client goes away.
    /// </summary>
    public static async Task WriteStreamAsync(HttpContext context, JsonObject request, IReadOnlyList<string> pieces, int? stallAfter = null)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        string? model = request["model"]?.GetValue<string>();

        for (int i = 0; i < pieces.Count; i++)
        {
            if (stallAfter == i)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            var delta = new JsonObject { ["content"] = pieces[i] };
            if (i == 0)
            {
                delta["role"] = "assistant";
            }

            await WriteEventAsync(context, Chunk(model, new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = null }));
        }

        await WriteEventAsync(context, Chunk(model, new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "stop" }));

        JsonObject usage = Chunk(model, null);
        usage["usage"] = new JsonObject { ["prompt_tokens"] = 12, ["completion_tokens"] = pieces.Count, ["total_tokens"] = 12 + pieces.Count };
        await WriteEventAsync(context, usage);

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public static Task WriteRawAsync(HttpContext context, int status, string contentType, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body, context.RequestAborted);
    }

    public static async Task WriteEventAsync(HttpContext context, JsonNode data)
    {
        await context.Response.WriteAsync("data: " + data.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static JsonObject Chunk(string? model, JsonObject? choice) => new()
    {
        ["id"] = CompletionId,
        ["object"] = "chat.completion.chunk",
        ["created"] = Created,
        ["model"] = model,
        ["choices"] = choice is null ? new JsonArray() : new JsonArray(choice),
    };
}
