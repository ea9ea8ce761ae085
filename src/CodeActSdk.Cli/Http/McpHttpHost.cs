using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using CodeActSdk.Mcp.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace CodeActSdk.Cli.Http;

/// <summary>
/// <c>codeact mcp --http</c>: the sandboxes served over MCP's Streamable HTTP transport (ModelContextProtocol.AspNetCore
/// on Kestrel) at <see cref="HttpAddress.EndpointPath"/>, with bearer-token authentication, a request size limit and
/// per-token ownership: every token (or, without tokens, the one local user) gets its own <see cref="SandboxMcpServer"/>,
/// so its sandbox sessions, limits and execution slots are its own, and an MCP session id works only with the token
/// that created it.
/// </summary>
internal sealed class McpHttpHost : IAsyncDisposable
{
    /// <summary>The owner of everything when the server runs without tokens (loopback only).</summary>
    private const string LocalOwner = "";

    private const string SessionHeader = "Mcp-Session-Id";

    private readonly HttpAddress _address;
    private readonly BearerTokens _tokens;
    private readonly long _maxRequestBytes;
    private readonly Func<SandboxMcpServer> _createServer;
    private readonly ConcurrentDictionary<string, Lazy<SandboxMcpServer>> _servers = new(StringComparer.Ordinal);

    /// <summary>Which owner each live MCP session belongs to.</summary>
    private readonly ConcurrentDictionary<string, string> _sessionOwners = new(StringComparer.Ordinal);

    /// <summary>Creates the host; nothing listens until <see cref="RunAsync"/>.</summary>
    /// <param name="address">Where to listen.</param>
    /// <param name="tokens">The accepted tokens; none only on a loopback address.</param>
    /// <param name="maxRequestBytes">The largest request body accepted.</param>
    /// <param name="createServer">Creates the sandbox server of one owner.</param>
    /// <exception cref="Commands.UsageException">The address is not loopback and there are no tokens.</exception>
    public McpHttpHost(HttpAddress address, BearerTokens tokens, long maxRequestBytes, Func<SandboxMcpServer> createServer)
    {
        if (!address.IsLoopback && tokens.Count == 0)
        {
            throw new Commands.UsageException(
                $"Refusing to serve on {address.Address}:{address.Port} without bearer tokens: anyone who can reach that address could run code. " +
                $"Set tokens in {BearerTokens.EnvironmentVariable} or --tokens-file, or listen on a loopback address such as 127.0.0.1.");
        }

        _address = address;
        _tokens = tokens;
        _maxRequestBytes = maxRequestBytes;
        _createServer = createServer;
    }

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled; writes the bound endpoint to <paramref name="announce"/> once listening.</summary>
    public async Task RunAsync(TextWriter announce, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "codeact", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = _maxRequestBytes;
            kestrel.Listen(_address.Address, _address.Port);
        });
        builder.Services.AddMcpServer().WithHttpTransport(http =>
        {
            // Clients of the initialize handshake get a session; those of the 2026-07-28 revision are served per request.
            http.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
            http.ConfigureSessionOptions = (context, options, _) =>
            {
                var served = ServerOf(Owner(context)).CreateServerOptions();
                options.ServerInfo = served.ServerInfo;
                options.ServerInstructions = served.ServerInstructions;
                options.ToolCollection = served.ToolCollection;
                options.ResourceCollection = served.ResourceCollection;
                options.Capabilities = served.Capabilities;
                return Task.CompletedTask;
            };
#pragma warning disable MCPEXP002 // RunSessionHandler is experimental; it is the one place that sees a session start and end.
            http.RunSessionHandler = RunSessionAsync;
#pragma warning restore MCPEXP002
        });

        await using var app = builder.Build();
        app.Use(GuardAsync);
        app.MapMcp(HttpAddress.EndpointPath);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? $"http://{_address.Address}:{_address.Port}";
        await announce.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"codeact mcp: serving MCP over Streamable HTTP at {bound}{HttpAddress.EndpointPath} ({(_tokens.Count == 0 ? "no tokens: loopback only" : $"{_tokens.Count} bearer token(s)")})")).ConfigureAwait(false);
        await announce.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: a normal way to stop a server.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Disposes every owner's sandbox server.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values.Where(s => s.IsValueCreated))
        {
            await server.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    private SandboxMcpServer ServerOf(string owner) =>
        _servers.GetOrAdd(owner, _ => new Lazy<SandboxMcpServer>(_createServer)).Value;

    private static string Owner(HttpContext context) =>
        context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? LocalOwner;

    private async Task RunSessionAsync(HttpContext context, McpServer session, CancellationToken cancellationToken)
    {
        var owner = Owner(context);
        var id = session.SessionId;
        if (id is not null)
        {
            _sessionOwners[id] = owner;
        }

        try
        {
            await ServerOf(owner).RunSessionAsync(session, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (id is not null)
            {
                _sessionOwners.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Authentication, the request size limit and session ownership, before the MCP endpoint sees a request.</summary>
    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        if (_tokens.Count == 0)
        {
            // Without tokens only this machine's programs may call; a web page's script may not (DNS rebinding).
            if (context.Request.Headers.Origin is { Count: > 0 } origin && !IsLoopbackOrigin(origin.ToString()))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, -32600,
                    $"Requests from the web origin '{origin}' are refused: this server runs without tokens and serves only programs on this machine.").ConfigureAwait(false);
                return;
            }
        }
        else
        {
            var header = context.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"codeact\"";
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, -32001,
                    "Unauthorized: this server requires a bearer token. Send the header 'Authorization: Bearer <token>' with a token the server was started with " +
                    $"({BearerTokens.EnvironmentVariable} or --tokens-file).").ConfigureAwait(false);
                return;
            }

            if (_tokens.Find(header["Bearer ".Length..].Trim()) is not { } name)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"codeact\", error=\"invalid_token\"";
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, -32001,
                    "Unauthorized: the bearer token is not one this server accepts. Check the token you were given; " +
                    $"the server reads its tokens from {BearerTokens.EnvironmentVariable} or --tokens-file when it starts.").ConfigureAwait(false);
                return;
            }

            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, name)], "Bearer"));
        }

        if (context.Request.ContentLength is { } length && length > _maxRequestBytes)
        {
            await RefuseTooLargeAsync(context, length).ConfigureAwait(false);
            return;
        }

        // A session id works only with the token that created it; for any other it is "not found", exactly as an id
        // that never existed, so that nobody learns which sessions exist.
        if (context.Request.Headers[SessionHeader] is { Count: > 0 } sessionId &&
            (!_sessionOwners.TryGetValue(sessionId.ToString(), out var owner) || owner != Owner(context)))
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, -32001,
                "Session not found: it was closed, has expired, or was never created with this token. Start a new session with initialize.").ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            // A body without a Content-Length that grew past the limit while it was read.
            await RefuseTooLargeAsync(context, length: null).ConfigureAwait(false);
        }
    }

    private Task RefuseTooLargeAsync(HttpContext context, long? length) =>
        RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, -32600, string.Create(CultureInfo.InvariantCulture,
            $"Request too large: {(length is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) + " bytes" : "the body")} is over this server's limit of {_maxRequestBytes:N0} bytes (codeact mcp --max-request-kb). Send less code per call, or upload large files in parts."));

    private static async Task RefuseAsync(HttpContext context, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        // Relaxed escaping keeps the message readable; the body is JSON, never HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            json.WriteNull("id");
            json.WriteStartObject("error");
            json.WriteNumber("code", code);
            json.WriteString("message", message);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        var body = buffer.WrittenMemory;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static bool IsLoopbackOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.IsLoopback || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase));
}
