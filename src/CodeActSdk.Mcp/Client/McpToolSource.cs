using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CodeActSdk.Mcp;

/// <summary>
/// The tools of one or more MCP servers as <see cref="AIFunction"/>s that sandboxed code can call ("code mode"): give
/// <see cref="Tools"/> to <c>SandboxOptions.Tools</c> or <c>CodeActBuilder.AddTools</c>, and one code block can call
/// many tools and filter their results before anything reaches the model.
/// </summary>
/// <remarks>
/// <para>
/// Each tool is named <c>server_tool</c>, made a valid identifier (<c>weather_get_forecast</c>; <c>tools.WeatherGetForecast</c>
/// in C#), and documented from its input and output schemas, grouped per server. A result comes back as the code
/// would want it: the structured content when the tool gives one, otherwise its text (parsed when it is JSON).
/// </para>
/// <para>
/// Nothing here throws on a misbehaving server. A server that does not start, or whose tool list cannot be read, is
/// left out and described in <see cref="Problems"/>; a tool with a malformed input schema is offered without parameter
/// documentation; a tool error, a server that died, a call that took too long and an oversized result each reach the
/// code as a <see cref="McpToolException"/> it can catch.
/// </para>
/// <para>Thread-safe. Dispose it to stop the servers it started.</para>
/// </remarks>
public sealed class McpToolSource : IAsyncDisposable
{
    private readonly List<McpClient> _clients;

    private McpToolSource(List<McpClient> clients, IReadOnlyList<AIFunction> tools, IReadOnlyList<string> servers, IReadOnlyList<string> problems)
    {
        _clients = clients;
        Tools = tools;
        Servers = servers;
        Problems = problems;
    }

    /// <summary>The tools of every server that connected, server by server.</summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>The names of the servers that connected.</summary>
    public IReadOnlyList<string> Servers { get; }

    /// <summary>What went wrong while connecting (a server that did not start, a tool left undocumented), for the host to show.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Starts or reaches every server, reads its tools, and wraps them. Servers are contacted in parallel.</summary>
    /// <exception cref="ArgumentException">A configuration is incomplete, or two servers have the same name.</exception>
    public static async Task<McpToolSource> ConnectAsync(IEnumerable<McpServerConfig> servers, McpToolSourceOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(servers);
        options = (options ?? new McpToolSourceOptions()).Validate();
        var configs = servers.ToArray();
        foreach (var config in configs)
        {
            config.Validate();
        }

        if (configs.GroupBy(c => McpToolNames.Identifier(c.Name), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Two MCP servers would share the name '{twice.Key}'; give each a different name.", nameof(servers));
        }

        var connections = await Task.WhenAll(configs.Select(c => ConnectOneAsync(c, options, cancellationToken))).ConfigureAwait(false);
        var names = new McpToolNames();
        var tools = new List<AIFunction>();
        var problems = new List<string>();
        foreach (var connection in connections)
        {
            problems.AddRange(connection.Problems);
            foreach (var tool in connection.Tools)
            {
                var bridged = new McpBridgedTool(connection.Client!, connection.Config.Name, tool, names.Next(connection.Config.Name, tool.Name), connection.StandardError, options);
                if (bridged.Problem is { } problem)
                {
                    problems.Add(problem);
                }

                tools.Add(bridged);
            }
        }

        var clients = connections.Where(c => c.Client is not null).Select(c => c.Client!).ToList();
        return new McpToolSource(clients, tools, [.. connections.Where(c => c.Client is not null).Select(c => c.Config.Name)], problems);
    }

    private static async Task<Connection> ConnectOneAsync(McpServerConfig config, McpToolSourceOptions options, CancellationToken cancellationToken)
    {
        var standardError = new StandardErrorTail();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.ConnectTimeout);
        McpClient? client = null;
        try
        {
            client = await McpClient.CreateAsync(Transport(config, standardError), new McpClientOptions
            {
                ClientInfo = new Implementation { Name = "codeact", Version = typeof(McpToolSource).Assembly.GetName().Version?.ToString(3) ?? "0" },
            }, options.LoggerFactory, limit.Token).ConfigureAwait(false);
            var tools = await client.ListToolsAsync(cancellationToken: limit.Token).ConfigureAwait(false);
            var needTasks = await ToolsRequiringTasksAsync(client, limit.Token).ConfigureAwait(false);
            List<string> problems = [];
            if (needTasks.Count > 0)
            {
                problems.Add(
                    $"The MCP server {config} has tool{(needTasks.Count > 1 ? "s" : "")} {string.Join(", ", needTasks.Order(StringComparer.Ordinal).Select(n => $"'{n}'"))} " +
                    $"that can only be called as MCP tasks (execution.taskSupport \"required\"), which this client does not support; {(needTasks.Count > 1 ? "they are" : "it is")} left out.");
            }

            return new Connection(config, client, [.. tools.Where(t => !needTasks.Contains(t.Name))], standardError, problems);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
            var reason = e is OperationCanceledException ? $"it did not answer within {options.ConnectTimeout.TotalSeconds:0.#} s" : e.Message;
            var problem = $"The MCP server {config} could not be used, so its tools are not available: {reason}{standardError.Describe()}";
            return new Connection(config, null, [], standardError, [problem]);
        }
    }

    /// <summary>
    /// The names of the tools whose <c>execution.taskSupport</c> is <c>"required"</c>: a plain <c>tools/call</c> to them
    /// fails (-32601), so they are not offered. The SDK's tool type does not carry the field, so the list is read raw.
    /// </summary>
    private static async Task<HashSet<string>> ToolsRequiringTasksAsync(McpClient client, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var parameters = new System.Text.Json.Nodes.JsonObject();
            if (cursor is not null)
            {
                parameters["cursor"] = cursor;
            }

            var response = await client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ToolsList, Params = parameters }, cancellationToken).ConfigureAwait(false);
            if (response.Result is not System.Text.Json.Nodes.JsonObject result)
            {
                break;
            }

            foreach (var tool in (result["tools"] as System.Text.Json.Nodes.JsonArray ?? []).OfType<System.Text.Json.Nodes.JsonObject>())
            {
                if (tool["execution"] is System.Text.Json.Nodes.JsonObject execution
                    && execution["taskSupport"] is System.Text.Json.Nodes.JsonValue support
                    && support.TryGetValue<string>(out var value) && value == "required"
                    && tool["name"] is System.Text.Json.Nodes.JsonValue name && name.TryGetValue<string>(out var toolName))
                {
                    names.Add(toolName);
                }
            }

            cursor = result["nextCursor"] is System.Text.Json.Nodes.JsonValue next && next.TryGetValue<string>(out var c) ? c : null;
        }
        while (cursor is not null);
        return names;
    }

    private static IClientTransport Transport(McpServerConfig config, StandardErrorTail standardError) => config.Url is { } url
        ? new HttpClientTransport(new HttpClientTransportOptions { Endpoint = url, Name = config.Name })
        : new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = config.Name,
            Command = config.Command!,
            Arguments = [.. config.Arguments],
            WorkingDirectory = config.WorkingDirectory,
            EnvironmentVariables = config.Environment.ToDictionary(e => e.Key, e => (string?)e.Value),
            StandardErrorLines = standardError.Add,
        });

    private static async Task DisposeQuietlyAsync(McpClient? client)
    {
        if (client is null)
        {
            return;
        }

        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // The server is already gone; there is nothing left to close.
        }
    }

    /// <summary>Stops the servers this source started and closes its connections.</summary>
    public async ValueTask DisposeAsync()
    {
        McpClient[] clients;
        lock (_clients)
        {
            clients = [.. _clients];
            _clients.Clear();
        }

        foreach (var client in clients)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
        }
    }

    private sealed record Connection(McpServerConfig Config, McpClient? Client, IReadOnlyList<McpClientTool> Tools, StandardErrorTail StandardError, IReadOnlyList<string> Problems);
}

/// <summary>The last lines a stdio server wrote to its standard error, to explain why it failed.</summary>
internal sealed class StandardErrorTail
{
    private const int Keep = 5;
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string line)
    {
        _lines.Enqueue(line.Length > 300 ? line[..300] + "…" : line);
        while (_lines.Count > Keep && _lines.TryDequeue(out _))
        {
        }
    }

    /// <summary>" (its last output: ...)" or nothing.</summary>
    public string Describe() => _lines.IsEmpty ? "" : $" (the server's last error output: {string.Join(" | ", _lines)})";
}

/// <summary>Gives each tool a unique identifier: <c>server_tool</c> with anything else than letters, digits and underscores replaced.</summary>
internal sealed class McpToolNames
{
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    public string Next(string server, string tool)
    {
        var name = $"{Identifier(server)}_{Identifier(tool)}";
        var unique = name;
        for (var i = 2; !_used.Add(unique); i++)
        {
            unique = $"{name}_{i}";
        }

        return unique;
    }

    public static string Identifier(string text)
    {
        var chars = text.Trim().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        var identifier = string.Join("_", new string(chars).Split('_', StringSplitOptions.RemoveEmptyEntries));
        return identifier.Length == 0 ? "tool" : char.IsAsciiDigit(identifier[0]) ? "_" + identifier : identifier;
    }
}
