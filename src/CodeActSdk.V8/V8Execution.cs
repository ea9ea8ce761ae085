using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using Microsoft.ClearScript.V8;

namespace CodeActSdk.V8;

/// <summary>Why a run was ended from outside the code.</summary>
internal enum V8StopReason
{
    None,
    FinalAnswer,
    Memory,
    Host,
}

/// <summary>
/// The host side of one running execution: what the code prints, the tools and files it calls and the stop a call
/// may raise. <see cref="V8HostBridge"/> hands it the calls; used only by the thread running the code.
/// </summary>
/// <remarks>
/// The <c>files</c> object reaches the host as one more kind of tool: its operations are numbered in the order of
/// <see cref="JavaScriptFiles.Operations"/>.
/// </remarks>
internal sealed class V8Execution(SandboxOptions options, ToolBridge tools, SandboxFileSystem files, ExecutionBudget? budget, V8ScriptEngine engine)
{
    public OutputBuffer Output { get; } = new(options.MaxOutputChars, options.OutputListener);

    public List<ToolCallRecord> ToolCalls { get; } = [];

    /// <summary>The budget of the run; null while the state digest is computed, when nothing may reach the host.</summary>
    public ExecutionBudget? Budget => budget;

    /// <summary>A limit or cancellation hit during a tool call; the run was stopped because of it.</summary>
    public SandboxStopException? Stop { get; private set; }

    public V8StopReason StopReason { get; private set; }

    /// <summary>The JSON of final_answer's argument, once called.</summary>
    public string? FinalAnswerJson { get; private set; }

    public bool FinalAnswerTruncated { get; private set; }

    /// <summary>Whether a call into the engine threw (the code's error, or a stop) during the run.</summary>
    public bool Failed { get; set; }

    /// <summary>Ends the run as soon as V8 acts on it: a termination the code cannot catch.</summary>
    public void RequestStop(V8StopReason reason)
    {
        if (StopReason == V8StopReason.None)
        {
            StopReason = reason;
        }

        engine.Interrupt();
    }

    /// <summary>Forgets a stop once the engine has acted on it (the state digest goes on after one).</summary>
    public void ClearStop() => StopReason = V8StopReason.None;

    public string OnHostCall(int operation, int index, string text)
    {
        if (StopReason != V8StopReason.None)
        {
            return V8HostBridge.ReplyStop;
        }

        if (budget is null)
        {
            // The state digest: the code's getters may run, but nothing of them reaches the host.
            return operation switch
            {
                V8HostBridge.OpConsole => "",
                V8HostBridge.OpFinalAnswer => V8HostBridge.ReplyError + "final_answer cannot be called while the session's state digest is computed.",
                V8HostBridge.OpTool when index >= 0 && index < tools.Tools.Count =>
                    V8HostBridge.ReplyError + tools.Tools[index].Name + " cannot be called while the session's state digest is computed.",
                V8HostBridge.OpMemory => Stopped(V8StopReason.Memory),
                _ => V8HostBridge.ReplyError + "The host cannot be called while the session's state digest is computed.",
            };
        }

        switch (operation)
        {
            case V8HostBridge.OpConsole:
                Output.AppendLine(text);
                return "";
            case V8HostBridge.OpTool when index >= 0 && index < tools.Tools.Count:
                return CallTool(tools.Tools[index], text);
            case V8HostBridge.OpFiles when index >= 0 && index < JavaScriptFiles.Operations.Count:
                return CallFiles(JavaScriptFiles.Operations[index].Name, text);
            case V8HostBridge.OpFinalAnswer:
                FinalAnswerTruncated = text.Length > 0 && text[0] == '1';
                FinalAnswerJson = text.Length > 1 ? text[1..] : "null";
                return Stopped(V8StopReason.FinalAnswer);
            case V8HostBridge.OpMemory:
                return Stopped(V8StopReason.Memory);
            default:
                return V8HostBridge.ReplyError + $"Unknown host operation {operation}.";
        }
    }

    private string Stopped(V8StopReason reason)
    {
        RequestStop(reason);
        return V8HostBridge.ReplyStop;
    }

    private string CallTool(ToolDescriptor tool, string argumentsJson)
    {
        List<JsonNode?> arguments;
        try
        {
            arguments = JsonNode.Parse(argumentsJson) is JsonArray array ? [.. array] : [];
        }
        catch (JsonException e)
        {
            return V8HostBridge.ReplyTypeError + $"Tool '{tool.Name}': the arguments could not be read ({e.Message}).";
        }

        try
        {
            var result = tools.Invoke(tool, arguments, budget!, ToolCalls);
            return result is null ? V8HostBridge.ReplyNull : V8HostBridge.ReplyValue + result.ToJsonString();
        }
        catch (ToolCallException e)
        {
            return V8HostBridge.ReplyError + e.Message;
        }
        catch (SandboxStopException e)
        {
            Stop = e;
            return Stopped(V8StopReason.Host);
        }
    }

    private string CallFiles(string operation, string argumentsJson)
    {
        List<JsonNode?> call;
        try
        {
            call = JsonNode.Parse(argumentsJson) is JsonArray array ? [.. array] : [];
        }
        catch (JsonException e)
        {
            return V8HostBridge.ReplyTypeError + $"{JavaScriptFiles.GlobalName}: the arguments could not be read ({e.Message}).";
        }

        string result;
        try
        {
            result = JavaScriptFiles.Invoke(files, operation, call);
        }
        catch (SandboxFileException e)
        {
            return V8HostBridge.ReplyError + e.Message;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientMemoryException))
        {
            // Invoke is meant to throw only SandboxFileException; anything else is a host fault the code can still
            // handle. Its message is left out because it may name a host path.
            return V8HostBridge.ReplyError + $"The file operation failed in the host ({e.GetType().Name}).";
        }

        try
        {
            // Charged like a tool's result: the reply is copied into the engine as a string, then parsed.
            budget!.Charge(1, result.Length * 4L);
        }
        catch (SandboxStopException e)
        {
            Stop = e;
            return Stopped(V8StopReason.Host);
        }

        return V8HostBridge.ReplyValue + result;
    }
}
