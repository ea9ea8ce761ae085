using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CodeActSdk.Isolation.Protocol;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation.Worker;

/// <summary>
/// The worker's side of the protocol: one session per worker process, created by the first <c>create</c>, ended by
/// <c>dispose</c> or by the host closing the pipe. Executions run off the reading loop so that tool results and
/// cancellations are read while code runs.
/// </summary>
public sealed class WorkerLoop
{
    private readonly Func<WorkerBackendReference, ICodeInterpreter> _interpreters;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _toolCalls = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _executions = new();
    private long _nextCallId;
    private ICodeInterpreter? _interpreter;
    private WorkerBackendReference? _backend;
    private IInterpreterSession? _session;
    private readonly MemoryReserve? _reserve;
    private long _memoryLimitBytes;

    /// <summary>Creates the loop.</summary>
    /// <param name="interpreters">Makes the in-process interpreter of the backend the host names (see <see cref="WorkerBackendReference"/>).</param>
    /// <param name="reserve">
    /// The worker process's memory reserve, taken again (or room made, see <see cref="MemoryReserve.Refill"/>) before
    /// each execution and after its reply; null where the loop does not own
    /// the process (the rehearsal).
    /// </param>
    public WorkerLoop(Func<WorkerBackendReference, ICodeInterpreter> interpreters, MemoryReserve? reserve = null)
    {
        ArgumentNullException.ThrowIfNull(interpreters);
        _interpreters = interpreters;
        _reserve = reserve;
    }

    /// <summary>Runs until the host says dispose or closes the pipe.</summary>
    /// <param name="input">The host's messages (the worker's stdin).</param>
    /// <param name="output">Where the worker's messages go (the worker's stdout, which nothing else may write to).</param>
    /// <param name="warmBackend">
    /// A backend to load and run once before saying ready, so that a pooled worker creates its session and runs the
    /// first code at once (the first C# compile loads and compiles Roslyn itself, which takes seconds).
    /// </param>
    public async Task RunAsync(Stream input, Stream output, WorkerBackendReference? warmBackend)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        using var channel = new MessageChannel(input, output);
        if (warmBackend is not null)
        {
            // The rehearsal shares this loop's interpreter, so the backend this worker will serve is the warm one.
            var interpreter = Interpreter(warmBackend);
            await WorkerRehearsal.RunAsync(_ => interpreter, warmBackend).ConfigureAwait(false);
        }

        await channel.WriteAsync(new JsonObject { ["type"] = MessageTypes.Ready, ["pid"] = Environment.ProcessId }).ConfigureAwait(false);
        while (await channel.ReadAsync().ConfigureAwait(false) is { } message)
        {
            var type = message["type"]?.GetValue<string>();
            var id = message["id"]?.GetValue<long>() ?? 0;
            switch (type)
            {
                case MessageTypes.Create:
                    await Reply(channel, id, () => CreateAsync(channel, message)).ConfigureAwait(false);
                    break;
                case MessageTypes.Execute:
                    // Registered here, not on the thread that runs it, so that a cancel read next finds it.
                    var cancellation = new CancellationTokenSource();
                    _executions[id] = cancellation;
                    _ = Task.Run(async () =>
                    {
                        await Reply(channel, id, () => ExecuteAsync(channel, id, message["code"]!.GetValue<string>(), cancellation)).ConfigureAwait(false);
                        _reserve?.Refill();
                    });
                    break;
                case MessageTypes.Cancel:
                    if (_executions.TryGetValue(id, out var execution))
                    {
                        CancelQuietly(execution);
                    }

                    break;
                case MessageTypes.Describe:
                    _ = Task.Run(() => Reply(channel, id, DescribeAsync));
                    break;
                case MessageTypes.Upload:
                    _ = Task.Run(() => Reply(channel, id, () => UploadAsync(message)));
                    break;
                case MessageTypes.ToolResult:
                    if (_toolCalls.TryRemove(message["callId"]!.GetValue<long>(), out var pending))
                    {
                        pending.TrySetResult(message);
                    }

                    break;
                case MessageTypes.Dispose:
                    await DisposeSessionAsync().ConfigureAwait(false);
                    return;
                default:
                    await Console.Error.WriteLineAsync($"CodeActSdk.Worker: ignored a message of unknown type '{type}'.").ConfigureAwait(false);
                    break;
            }
        }

        // The host closed the pipe without saying dispose: it is gone, so is the session.
        await DisposeSessionAsync().ConfigureAwait(false);
    }

    private ICodeInterpreter Interpreter(WorkerBackendReference backend)
    {
        if (_interpreter is null)
        {
            _interpreter = _interpreters(backend);
            _backend = backend;
        }
        else if (_backend != backend)
        {
            throw new InvalidOperationException($"This worker was warmed for the '{_backend!.Name}' backend ({_backend.TypeName}), not '{backend.Name}' ({backend.TypeName}).");
        }

        return _interpreter;
    }

    private async Task<JsonObject> CreateAsync(MessageChannel channel, JsonObject message)
    {
        if (_session is not null)
        {
            throw new InvalidOperationException("This worker already has a session; a worker serves one session.");
        }

        var backend = WorkerBackendReference.ReadFrom(message);
        ToolCallSender send = (name, arguments, token) => CallToolAsync(channel, name, arguments, token);
        var tools = (message["tools"] as JsonArray ?? []).Select(node =>
        {
            var tool = (JsonObject)node!;
            return (AIFunction)new ProxyTool(
                tool["name"]!.GetValue<string>(),
                tool["description"]?.GetValue<string>() ?? "",
                SandboxOptionsWire.ParseSchema(tool["jsonSchema"]!.GetValue<string>()),
                tool["returnJsonSchema"]?.GetValue<string>() is { } returns ? SandboxOptionsWire.ParseSchema(returns) : null,
                send);
        }).ToList();
        var options = SandboxOptionsWire.FromJson((JsonObject)message["limits"]!, (JsonObject)message["files"]!, tools);
        _session = await Interpreter(backend).CreateSessionAsync(options).ConfigureAwait(false);
        _memoryLimitBytes = options.MemoryLimitBytes;
        return new JsonObject { ["type"] = MessageTypes.Created };
    }

    private async Task<JsonObject> CallToolAsync(MessageChannel channel, string name, string argumentsJson, CancellationToken cancellationToken)
    {
        var callId = Interlocked.Increment(ref _nextCallId);
        var pending = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _toolCalls[callId] = pending;
        try
        {
            await channel.WriteAsync(new JsonObject
            {
                ["type"] = MessageTypes.ToolCall,
                ["callId"] = callId,
                ["name"] = name,
                ["argumentsJson"] = argumentsJson,
            }, cancellationToken).ConfigureAwait(false);
            return await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _toolCalls.TryRemove(callId, out _);
        }
    }

    private async Task<JsonObject> ExecuteAsync(MessageChannel channel, long id, string code, CancellationTokenSource cancellation)
    {
        try
        {
            var session = Session();
            // Room before the code compiles, not after it fails: after a step that filled the heap, the reply's refill
            // may not have run yet (the host sends the next step as soon as it reads the result).
            _reserve?.Refill();
            await channel.WriteAsync(new JsonObject
            {
                ["type"] = MessageTypes.Started,
                ["id"] = id,
            }).ConfigureAwait(false);
            ExecutionResult result;
            try
            {
                result = await session.ExecuteAsync(code, cancellation.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OutOfMemoryException or InsufficientMemoryException)
            {
                // The heap ran out where the backend could not say so itself (in its own error handling, say): the
                // worker's heap is the only memory here, so it is the limit that was reached.
                result = new ExecutionResult { Status = ExecutionStatus.MemoryLimit, Error = new ExecutionError(ErrorKind.MemoryLimit, "The code filled the worker process's memory. Work on smaller pieces of data.") };
            }

            result = NameTheHeapLimit(result);
            return new JsonObject
            {
                ["type"] = MessageTypes.Result,
                ["result"] = ExecutionResultWire.ToJson(result),
                // The host mirrors the artifacts; the full list of paths tells it which ones the code deleted.
                ["artifactPaths"] = new JsonArray(session.Files.Artifacts.Select(a => (JsonNode)a.Path).ToArray()),
            };
        }
        finally
        {
            _executions.TryRemove(id, out _);
            cancellation.Dispose();
        }
    }

    private async Task<JsonObject> DescribeAsync()
    {
        var variables = await Session().DescribeVariablesAsync().ConfigureAwait(false);
        return new JsonObject
        {
            ["type"] = MessageTypes.Variables,
            ["variables"] = new JsonArray(variables.Select(v => (JsonNode)new JsonObject
            {
                ["name"] = v.Name,
                ["type"] = v.Type,
                ["preview"] = v.Preview,
            }).ToArray()),
        };
    }

    private async Task<JsonObject> UploadAsync(JsonObject message)
    {
        var content = Convert.FromBase64String(message["base64"]!.GetValue<string>());
        using var stream = new MemoryStream(content, writable: false);
        var file = await Session().Files.AddAsync(message["path"]!.GetValue<string>(), stream).ConfigureAwait(false);
        return new JsonObject { ["type"] = MessageTypes.Uploaded, ["file"] = ExecutionResultWire.FileInfoToJson(file) };
    }

    /// <summary>
    /// A memory limit reached while the worker's heap (WorkerLimits.MemoryBytes) is smaller than the sandbox's own limit
    /// was the worker's: the backend's message would name the sandbox's larger figure, so it is said again with the
    /// figure that was reached.
    /// </summary>
    private ExecutionResult NameTheHeapLimit(ExecutionResult result)
    {
        var heap = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (result.Status != ExecutionStatus.MemoryLimit || heap <= 0 || heap >= _memoryLimitBytes)
        {
            return result;
        }

        return result with
        {
            Error = new ExecutionError(
                ErrorKind.MemoryLimit,
                $"The code filled the worker process's memory: its heap is limited to {heap / (1024.0 * 1024):0.#} MiB (WorkerLimits.MemoryBytes), " +
                $"less than the sandbox's own {_memoryLimitBytes / (1024.0 * 1024):0.#} MiB. Work on smaller pieces of data."),
        };
    }

    private IInterpreterSession Session() =>
        _session ?? throw new InvalidOperationException("The worker has no session yet: the host must send create first.");

    private static async Task Reply(MessageChannel channel, long id, Func<Task<JsonObject>> handle)
    {
        JsonObject reply;
        try
        {
            reply = await handle().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Host-side exceptions (bad options, bad paths) cross as their kind and message; the host throws them again.
            reply = new JsonObject
            {
                ["type"] = MessageTypes.Error,
                ["errorType"] = e switch
                {
                    SandboxFileException => "file",
                    ArgumentException => "argument",
                    _ => "other",
                },
                ["message"] = e.Message,
            };
        }

        reply["id"] = id;
        await channel.WriteAsync(reply).ConfigureAwait(false);
    }

    private static void CancelQuietly(CancellationTokenSource execution)
    {
        try
        {
            execution.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The execution ended between being looked up and being cancelled.
        }
    }

    private async Task DisposeSessionAsync()
    {
        foreach (var execution in _executions.Values)
        {
            CancelQuietly(execution);
        }

        if (_session is not null)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
            _session = null;
        }

        if (_interpreter is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }
}
