using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CodeActSdk.Mcp.TestServer;

/// <summary>
/// A tool with a hand-written protocol description (name, input schema, output schema) and a handler that reads the
/// raw arguments, so the test server can serve names and schemas that the SDK's method-based tools would refuse.
/// </summary>
internal sealed class TestTool(Tool protocolTool, Func<IReadOnlyDictionary<string, JsonElement>, CancellationToken, ValueTask<CallToolResult>> handler) : McpServerTool
{
    public override Tool ProtocolTool => protocolTool;

    public override IReadOnlyList<object> Metadata => [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = new Dictionary<string, JsonElement>(request.Params?.Arguments ?? new Dictionary<string, JsonElement>(), StringComparer.Ordinal);
        try
        {
            return await handler(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            return Results.Error(e.Message);
        }
    }
}
