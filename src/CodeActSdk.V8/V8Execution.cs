using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using CodeActSdk.V8.Interop;

namespace CodeActSdk.V8;

/// <summary>
/// The host side of one running execution: what the code prints, the tools and files it calls and the stop a call
/// may raise. The shim reaches it through <see cref="V8HostCallbacks"/>; used only by the thread running the code.
/// </summary>
/// <remarks>
/// The <c>files</c> object reaches the host as one more tool, defined after the session's own tools: its index is
/// the number of those tools (see <see cref="FilesToolIndex"/>).
/// </remarks>
internal sealed class V8Execution(SandboxOptions options, ToolBridge tools, SandboxFileSystem files, ExecutionBudget budget)
{
    public OutputBuffer Output { get; } = new(options.MaxOutputChars);

    public List<ToolCallRecord> ToolCalls { get; } = [];

    public ExecutionBudget Budget => budget;

    /// <summary>A limit or cancellation hit during a tool call; the run was stopped because of it.</summary>
    public SandboxStopException? Stop { get; private set; }

    /// <summary>The tool index of the first <c>files</c> host function (one per operation, in order), for a session with <paramref name="tools"/>.</summary>
    public static int FilesToolIndex(ToolBridge tools) => tools.Tools.Count;

    public int OnHostCall(int op, int index, ReadOnlySpan<byte> text, nint reply)
    {
        switch (op)
        {
            case NativeMethods.OpConsole:
                Output.AppendLine(Encoding.UTF8.GetString(text));
                return NativeMethods.ReplyValue;
            case NativeMethods.OpTool when index >= 0 && index < tools.Tools.Count:
                return CallTool(tools.Tools[index], text, reply);
            case NativeMethods.OpTool when index >= FilesToolIndex(tools) && index < FilesToolIndex(tools) + JavaScriptFiles.Operations.Count:
                return CallFiles(JavaScriptFiles.Operations[index - FilesToolIndex(tools)].Name, text, reply);
            default:
                V8HostCallbacks.Reply(reply, $"Unknown host operation {op}.");
                return NativeMethods.ReplyError;
        }
    }

    private int CallTool(ToolDescriptor tool, ReadOnlySpan<byte> argumentsJson, nint reply)
    {
        List<JsonNode?> arguments;
        try
        {
            arguments = JsonNode.Parse(argumentsJson) is JsonArray array ? [.. array] : [];
        }
        catch (JsonException e)
        {
            V8HostCallbacks.Reply(reply, $"Tool '{tool.Name}': the arguments could not be read ({e.Message}).");
            return NativeMethods.ReplyTypeError;
        }

        try
        {
            var result = tools.Invoke(tool, arguments, budget, ToolCalls);
            V8HostCallbacks.Reply(reply, result?.ToJsonString() ?? "null");
            return NativeMethods.ReplyValue;
        }
        catch (ToolCallException e)
        {
            V8HostCallbacks.Reply(reply, e.Message);
            return NativeMethods.ReplyError;
        }
        catch (SandboxStopException e)
        {
            Stop = e;
            return NativeMethods.ReplyStop;
        }
    }

    private int CallFiles(string operation, ReadOnlySpan<byte> argumentsJson, nint reply)
    {
        List<JsonNode?> call;
        try
        {
            call = JsonNode.Parse(argumentsJson) is JsonArray array ? [.. array] : [];
        }
        catch (JsonException e)
        {
            V8HostCallbacks.Reply(reply, $"{JavaScriptFiles.GlobalName}: the arguments could not be read ({e.Message}).");
            return NativeMethods.ReplyTypeError;
        }

        string result;
        try
        {
            result = JavaScriptFiles.Invoke(files, operation, call);
        }
        catch (SandboxFileException e)
        {
            V8HostCallbacks.Reply(reply, e.Message);
            return NativeMethods.ReplyError;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientMemoryException))
        {
            // Invoke is meant to throw only SandboxFileException; anything else is a host fault the code can still
            // handle. Its message is left out because it may name a host path.
            V8HostCallbacks.Reply(reply, $"The file operation failed in the host ({e.GetType().Name}).");
            return NativeMethods.ReplyError;
        }

        try
        {
            // Charged like a tool's result: the reply is copied into the isolate as a string, then parsed.
            budget.Charge(1, result.Length * 4L);
        }
        catch (SandboxStopException e)
        {
            Stop = e;
            return NativeMethods.ReplyStop;
        }

        V8HostCallbacks.Reply(reply, result);
        return NativeMethods.ReplyValue;
    }
}
