namespace CodeActSdk.Tools;

/// <summary>
/// A tool call failed in a way the sandboxed code should see and may handle: an unknown parameter, a wrong
/// argument type, or an exception thrown by the tool. Backends raise it in the sandbox as the language's error.
/// </summary>
public sealed class ToolCallException(string message) : Exception(message);
