using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace CodeActSdk.Mcp.TestServer;

/// <summary>
/// Passes messages through, but lists <see cref="TestServerTools.TaskOnlyTool"/> with <c>"execution":{"taskSupport":"required"}</c>,
/// which the SDK's <see cref="Tool"/> has no property for, so it can only be put on the wire here.
/// </summary>
internal sealed class TaskSupportTransport(ITransport inner) : ITransport
{
    public string? SessionId => inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => inner.MessageReader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (message is JsonRpcResponse { Result: JsonObject result } && result["tools"] is JsonArray tools)
        {
            foreach (var tool in tools.OfType<JsonObject>())
            {
                if ((string?)tool["name"] == TestServerTools.TaskOnlyTool)
                {
                    tool["execution"] = new JsonObject { ["taskSupport"] = "required" };
                }
            }
        }

        return inner.SendMessageAsync(message, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
