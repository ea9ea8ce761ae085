namespace CodeActSdk.Mcp;

/// <summary>
/// A call to an MCP tool failed: the tool reported an error, its server is gone, it took too long, or its result is
/// too large. Sandboxed code receives the message as a catchable error.
/// </summary>
public sealed class McpToolException(string message, Exception? inner = null) : Exception(message, inner);
