using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// How the typed tool methods generated for a session reach the host: they pass the tool's index and their
/// arguments, the gateway converts them to JSON, calls <see cref="ToolBridge.Invoke"/> within the execution's
/// budget, and converts the result to the method's return type. Infrastructure of compiled scripts, not for host code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ToolGateway
{
    /// <summary>Calls the session's tool number <paramref name="tool"/> and returns its result as <typeparamref name="T"/>.</summary>
    /// <exception cref="ToolCallException">The arguments do not fit, the tool failed, or its result does not convert; the code may catch it.</exception>
    public static T Call<T>(int tool, params object?[] arguments)
    {
        var execution = ScriptExecution.Current ?? throw new SandboxStopException(ExecutionStatus.RuntimeError,
            new ExecutionError(ErrorKind.SandboxError, "A tool was called outside an execution."));
        var descriptor = execution.Tools.Tools[tool];
        var json = new List<JsonNode?>(arguments.Length);
        foreach (var argument in arguments)
        {
            try
            {
                json.Add(ScriptExecution.ToNode(argument, execution.Json));
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
            {
                throw new ToolCallException($"Tool '{descriptor.Name}': an argument cannot become JSON ({e.Message}).");
            }
        }

        // Host tools run without the sandbox's synchronization context: an async tool resumes on the thread pool
        // while the sandbox thread waits for it (within the deadline), instead of waiting for itself.
        var sandboxContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        JsonNode? result;
        try
        {
            result = execution.Tools.Invoke(descriptor, json, execution.Budget, execution.ToolCalls);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(sandboxContext);
        }

        execution.Budget.Charge(1, (result?.ToJsonString().Length ?? 0) * 4L);
        return Convert<T>(descriptor, result);
    }

    private static T Convert<T>(ToolDescriptor tool, JsonNode? result)
    {
        if (typeof(T) == typeof(JsonNode))
        {
            return (T)(object)result!;
        }

        if (result is null)
        {
            return default(T) is null
                ? default!
                : throw new ToolCallException($"Tool '{tool.Name}' returned null where its schema promised {typeof(T).Name}.");
        }

        if (typeof(T) == typeof(string) && result.GetValueKind() != JsonValueKind.String)
        {
            return (T)(object)result.ToJsonString();
        }

        try
        {
            return result.Deserialize<T>()!;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new ToolCallException($"Tool '{tool.Name}' returned {result.ToJsonString()[..Math.Min(80, result.ToJsonString().Length)]}, which is not the {typeof(T).Name} its schema promised.");
        }
    }
}
