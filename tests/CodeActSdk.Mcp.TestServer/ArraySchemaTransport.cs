using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace CodeActSdk.Mcp.TestServer;

/// <summary>
/// Passes messages through, but rewrites the <c>tools/list</c> result so that <c>bad_schema</c>'s input schema is
/// <c>{"type":"array"}</c>. The SDK's <see cref="Tool"/> refuses such a schema, so it can only be put on the wire here.
/// </summary>
internal sealed class ArraySchemaTransport(ITransport inner) : ITransport
{
    public string? SessionId => inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => inner.MessageReader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (message is JsonRpcResponse { Result: JsonObject result } && result["tools"] is JsonArray tools)
        {
            foreach (var tool in tools.OfType<JsonObject>())
            {
                if ((string?)tool["name"] == "bad_schema")
                {
                    tool["inputSchema"] = JsonNode.Parse(TestServerTools.ArrayInputSchema);
                }
            }
        }

        return inner.SendMessageAsync(message, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
