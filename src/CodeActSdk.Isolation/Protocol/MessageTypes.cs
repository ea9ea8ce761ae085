namespace CodeActSdk.Isolation.Protocol;

/// <summary>
/// The messages of the worker protocol: one JSON object per line on the worker's stdin (host to worker) and stdout
/// (worker to host), each with a <c>"type"</c>; the worker's stderr is diagnostics only. Requests carry an
/// <c>"id"</c> that their reply repeats; tool calls carry a <c>"callId"</c> that the host's tool result repeats.
/// </summary>
public static class MessageTypes
{
    /// <summary>Worker to host, once at start: the worker is loaded, its backend (if it was named) has held one rehearsed conversation, and it listens (<c>{pid}</c>).</summary>
    public const string Ready = "ready";

    /// <summary>Host to worker: create the session (<c>{id, backend, backendType, backendAssembly, limits, tools:[{name, description, jsonSchema, returnJsonSchema}], files}</c>).</summary>
    public const string Create = "create";

    /// <summary>Worker to host: the session exists (<c>{id}</c>).</summary>
    public const string Created = "created";

    /// <summary>Worker to host: a request failed in the host's sense (bad options, bad path): <c>{id, errorType, message}</c>.</summary>
    public const string Error = "error";

    /// <summary>Host to worker: run code (<c>{id, code}</c>).</summary>
    public const string Execute = "execute";

    /// <summary>
    /// Worker to host: the execution has begun in the backend (<c>{id}</c>), sent just before the backend takes the
    /// code. The host's hard deadline runs from here, so the worker's start and its queue are not counted against the
    /// code's time limit. How long the backend may take beyond <see cref="SandboxOptions.Timeout"/> the host knows
    /// itself: a worker that may run hostile code does not get to say how long it may run.
    /// </summary>
    public const string Started = "started";

    /// <summary>Worker to host: an execution's <see cref="ExecutionResult"/> (<c>{id, result, artifactPaths}</c>).</summary>
    public const string Result = "result";

    /// <summary>Host to worker: cancel the running execution (<c>{id}</c> of the execution).</summary>
    public const string Cancel = "cancel";

    /// <summary>Host to worker: the state digest (<c>{id}</c>).</summary>
    public const string Describe = "describe";

    /// <summary>Worker to host: the state digest (<c>{id, variables:[{name, type, preview}]}</c>).</summary>
    public const string Variables = "variables";

    /// <summary>Host to worker: add a file to the scratch area (<c>{id, path, base64}</c>).</summary>
    public const string Upload = "upload";

    /// <summary>Worker to host: the file was added (<c>{id, file:{path, size, isDirectory, readOnly, modified}}</c>).</summary>
    public const string Uploaded = "uploaded";

    /// <summary>Worker to host: the code called a tool (<c>{callId, name, argumentsJson}</c>).</summary>
    public const string ToolCall = "toolCall";

    /// <summary>Host to worker: a tool's outcome (<c>{callId, resultJson}</c> or <c>{callId, error, errorType}</c>; a tool that halted the execution adds <c>haltStatus</c> and <c>haltKind</c>).</summary>
    public const string ToolResult = "toolResult";

    /// <summary>Host to worker: end the session and exit.</summary>
    public const string Dispose = "dispose";
}
