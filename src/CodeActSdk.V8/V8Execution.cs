using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using CodeActSdk.V8.Interop;

namespace CodeActSdk.V8;

/// <summary>
/// The host side of one running execution: what the code prints, the tools it calls and the stop a tool call may
/// raise. The shim reaches it through <see cref="V8HostCallbacks"/>; used only by the thread running the code.
/// </summary>
internal sealed class V8Execution(SandboxOptions options, ToolBridge tools, ExecutionBudget budget)
{
    public OutputBuffer Output { get; } = new(options.MaxOutputChars);

    public List<ToolCallRecord> ToolCalls { get; } = [];

    public ExecutionBudget Budget => budget;

    /// <summary>A limit or cancellation hit during a tool call; the run was stopped because of it.</summary>
    public SandboxStopException? Stop { get; private set; }

    public int OnHostCall(int op, int index, ReadOnlySpan<byte> text, nint reply)
    {
        switch (op)
        {
            case NativeMethods.OpConsole:
                Output.AppendLine(Encoding.UTF8.GetString(text));
                return NativeMethods.ReplyValue;
            case NativeMethods.OpTool when index >= 0 && index < tools.Tools.Count:
                return CallTool(tools.Tools[index], text, reply);
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
}
