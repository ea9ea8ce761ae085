namespace CodeActSdk.Mcp;

/// <summary>
/// A call to an MCP tool failed: the tool reported an error, its server is gone, it took too long, or its result is
/// too large. Sandboxed code receives the message as a catchable error, once, after the bridge's
/// "Tool 'server_tool' failed: ", so the message is the reason only (it starts in lower case and names the MCP tool and server).
/// </summary>
public sealed class McpToolException(string message, Exception? inner = null) : Exception(message, inner);
