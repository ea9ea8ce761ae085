using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Isolation.Protocol;
using CodeActSdk.Isolation.Worker;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation;

/// <summary>
/// A session that lives in a worker process: the same contract as an in-process session, the same results. Tool
/// calls made by the code come back to the host and run here, so tools keep the host's access while the code has none.
/// </summary>
/// <remarks>
/// <para>
/// The host keeps a hard deadline on each execution of <see cref="SandboxOptions.Timeout"/>, plus the time the backend
/// may take outside that limit (C# compiling), plus <see cref="DeadlineGrace"/>, counted from the moment the worker
/// says it has begun the execution: a worker that has not answered by then is killed and the result is
/// <see cref="ExecutionStatus.Timeout"/>. Starting a worker and waiting on a busy machine are not the code's time; they
/// are bounded by <see cref="WorkerPoolOptions.StartTimeout"/>, past which the worker is killed and the result is
/// <see cref="ExecutionStatus.RuntimeError"/> (kind <c>WorkerUnresponsive</c>).
/// A worker that ends during an execution (stack overflow, native crash, out-of-memory kill) gives
/// <see cref="ExecutionStatus.RuntimeError"/> (kind <c>WorkerCrashed</c>), or <see cref="ExecutionStatus.MemoryLimit"/>
/// when something outside the host killed it with SIGKILL, which is most often the out-of-memory killer, or
/// <see cref="ExecutionStatus.Timeout"/> when it used up its CPU time (<see cref="WorkerLimits.CpuTime"/>). The message
/// names the exit code or signal and says that the session's state is lost.
/// </para>
/// <para>
/// The next execution then starts in a fresh worker. Its result's <see cref="ExecutionResult.Stdout"/> begins with a
/// line in square brackets that says so: the output is what the model reads, so it learns that its variables are gone.
/// The files the host added are copied into the fresh worker; the artifacts the code wrote are lost with the old one.
/// When a fresh worker cannot be started, the result is <see cref="ExecutionStatus.RuntimeError"/> (kind
/// <c>WorkerUnavailable</c>, the code did not run) and the next execution tries again: <see cref="ExecuteAsync"/>
/// answers with a result, as in process, for whatever happens around the code.
/// </para>
/// <para>
/// Thread safety: executions run one at a time (a second waits for the first); uploads and
/// <see cref="DescribeVariablesAsync"/> may be called at any time; <see cref="DisposeAsync"/> again does nothing.
/// </para>
/// </remarks>
public sealed class IsolatedSession : IInterpreterSession
{
    /// <summary>How long past its own time limit the host waits for an execution before it kills the worker.</summary>
    public static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(2);

    /// <summary>Tool calls a worker may have sent and not yet had answered; more gets it killed (see <see cref="RunToolAsync"/>).</summary>
    private const int MaxToolCallsWaiting = 8;

    private readonly WorkerPool _pool;
    private readonly WorkerBackend _backend;
    private readonly TimeSpan _allowance;
    private readonly SandboxOptions _options;
    private readonly IsolatedSessionFiles _files;
    private readonly SemaphoreSlim _executions = new(1, 1);
    private readonly SemaphoreSlim _workerLock = new(1, 1);
    private readonly SemaphoreSlim _toolCalls = new(1, 1);
    private int _toolCallsWaiting;
    private WorkerProcess? _worker;
    private string? _lostBecause;
    private CancellationToken _toolToken;
    private volatile bool _disposed;

    private IsolatedSession(WorkerPool pool, WorkerBackend backend, TimeSpan allowance, SandboxOptions options)
    {
        _pool = pool;
        _backend = backend;
        _allowance = allowance;
        _options = options;
        _files = new IsolatedSessionFiles(this, options.Files);
    }

    /// <inheritdoc />
    public string Id { get; } = "isolated-" + Guid.NewGuid().ToString("N")[..12];

    /// <inheritdoc />
    public ISessionFiles Files => _files;

    /// <summary>The process id of the current worker, or <see langword="null"/> when none runs (for diagnostics and tests).</summary>
    public int? WorkerProcessId => _worker?.Pid;

    /// <summary>Creates a session and its worker.</summary>
    /// <param name="pool">Where the worker comes from.</param>
    /// <param name="backend">The backend the worker loads.</param>
    /// <param name="allowance">How long the backend may take beyond <see cref="SandboxOptions.Timeout"/> before it answers by itself.</param>
    /// <param name="options">The session's options.</param>
    /// <param name="cancellationToken">Stops waiting for the worker.</param>
    internal static async Task<IsolatedSession> CreateAsync(WorkerPool pool, WorkerBackend backend, TimeSpan allowance, SandboxOptions options, CancellationToken cancellationToken)
    {
        var session = new IsolatedSession(pool, backend, allowance, options);
        try
        {
            await session.WorkerAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return session;
    }

    /// <inheritdoc />
    public async Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _executions.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var began = Stopwatch.GetTimestamp();
            WorkerProcess worker;
            string? note;
            try
            {
                (worker, note) = await WorkerAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Failed(ExecutionStatus.Cancelled, ErrorKind.Cancelled, "The execution was cancelled by the host before it started (while its worker process started).", began, null);
            }
            catch (WorkerStartException e)
            {
                // As in process, what goes wrong around the code is a result; the session stays usable.
                return Failed(ExecutionStatus.RuntimeError, ErrorKind.WorkerUnavailable, $"{e.Message} The code did not run; the next execution tries again.", began, null);
            }

            // Until the worker says it has begun, the wait is for the worker (a cold start, a queue on a busy
            // machine), not for the code, so it gets the pool's generous start timeout; the code's own time limit and
            // the hard deadline run from the worker's started message.
            var startTimeout = _pool.Options.StartTimeout;
            using var deadline = new CancellationTokenSource(startTimeout);
            var running = 0;
            using var tools = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            _toolToken = tools.Token;
            CancellationTokenRegistration cancelRegistration = default;
            try
            {
                var reply = await worker.RequestAsync(
                    new JsonObject { ["type"] = MessageTypes.Execute, ["code"] = code },
                    deadline.Token,
                    // Cancellation is the worker's to carry out, so that the result is the backend's own Cancelled.
                    id => cancelRegistration = cancellationToken.Register(() => _ = SendQuietlyAsync(worker, new JsonObject { ["type"] = MessageTypes.Cancel, ["id"] = id })),
                    () => StartDeadline(deadline, ref running)).ConfigureAwait(false);
                // An execution's outcome, whatever the code did, is a result; a worker that answers otherwise has failed.
                var (result, paths) = await ReadReplyAsync(worker, reply, r => (
                    ExecutionResultWire.FromJson((JsonObject)r["result"]!),
                    (r["artifactPaths"] as JsonArray ?? []).Select(p => p!.GetValue<string>()).ToHashSet(StringComparer.Ordinal))).ConfigureAwait(false);
                _files.Mirror(result.Artifacts, paths);
                return note is null ? result : result with { Stdout = note + result.Stdout };
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && Volatile.Read(ref running) == 0)
            {
                worker.Kill();
                await LoseWorkerAsync(worker, $"it did not begin an execution within {startTimeout.TotalSeconds:0.###} s and was killed").ConfigureAwait(false);
                return Failed(
                    ExecutionStatus.RuntimeError,
                    ErrorKind.WorkerUnresponsive,
                    $"The worker process did not begin the execution within {startTimeout.TotalSeconds:0.###} s (WorkerPoolOptions.StartTimeout), so it was killed and the code did not run. The machine may be overloaded or the worker hung. {StateLost}",
                    began,
                    note);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                worker.Kill();
                var lost = $"the execution did not stop at its time limit of {_options.Timeout.TotalSeconds:0.###} s and its worker process was killed";
                await LoseWorkerAsync(worker, lost).ConfigureAwait(false);
                return Failed(ExecutionStatus.Timeout, ErrorKind.Timeout, $"The execution did not stop at its time limit of {_options.Timeout.TotalSeconds:0.###} s, so its worker process was killed. {StateLost}", began, note);
            }
            catch (WorkerExitedException e)
            {
                await LoseWorkerAsync(worker, e.Exit.Description).ConfigureAwait(false);
                var (status, kind) = e.Exit switch
                {
                    // SIGKILL from outside the host is most often the out-of-memory killer.
                    { Signal: 9, KilledByHost: false } => (ExecutionStatus.MemoryLimit, ErrorKind.MemoryLimit),
                    // SIGXCPU: the worker used up WorkerLimits.CpuTime.
                    { Signal: 24 } => (ExecutionStatus.Timeout, ErrorKind.Timeout),
                    _ => (ExecutionStatus.RuntimeError, ErrorKind.WorkerCrashed),
                };
                return Failed(status, kind, $"{e.Exit.Description} {StateLost}", began, note);
            }
            finally
            {
                await cancelRegistration.DisposeAsync().ConfigureAwait(false);
                _toolToken = CancellationToken.None;
            }
        }
        finally
        {
            _executions.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_worker is not { HasExited: false } worker)
        {
            return [];
        }

        try
        {
            var reply = await worker.RequestAsync(new JsonObject { ["type"] = MessageTypes.Describe }, cancellationToken).ConfigureAwait(false);
            return await ReadReplyAsync(worker, reply, r => (r["variables"] as JsonArray ?? []).Select(node =>
            {
                var v = (JsonObject)node!;
                return new VariableSummary(v["name"]!.GetValue<string>(), v["type"]!.GetValue<string>(), v["preview"]!.GetValue<string>());
            }).ToList()).ConfigureAwait(false);
        }
        catch (WorkerExitedException)
        {
            // The next execution reports the loss; a digest of a dead worker is simply empty.
            return [];
        }
    }

    /// <summary>Kills the worker process and everything it started.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _workerLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_worker is { } worker)
            {
                _worker = null;
                await worker.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _workerLock.Release();
        }
    }

    internal async Task<SandboxFileInfo> UploadAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (worker, _) = await WorkerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = await worker.RequestAsync(
                new JsonObject { ["type"] = MessageTypes.Upload, ["path"] = path, ["base64"] = Convert.ToBase64String(content) },
                cancellationToken).ConfigureAwait(false);
            // A refused file (a bad path, a quota) is the caller's error, as in process.
            ThrowIfError(reply);
            return await ReadReplyAsync(worker, reply, r => ExecutionResultWire.FileInfoFromJson((JsonObject)r["file"]!)).ConfigureAwait(false);
        }
        catch (WorkerExitedException e)
        {
            throw new SandboxFileException($"The file was not added: the sandbox's worker process ended while it received it. {e.Exit.Description}", e);
        }
    }

    /// <summary>
    /// Reads a worker's reply with <paramref name="read"/>. A reply no well-behaved worker sends (an error where none
    /// can arise, a missing field, a field of the wrong type, an artifact outside <c>out/</c>) gets the worker killed
    /// as one that broke the protocol, and is reported as the worker's end.
    /// </summary>
    /// <exception cref="WorkerExitedException">The reply could not be read, so the worker was killed.</exception>
    private static async Task<T> ReadReplyAsync<T>(WorkerProcess worker, JsonObject reply, Func<JsonObject, T> read)
    {
        string violation;
        try
        {
            if (reply["type"]?.GetValue<string>() != MessageTypes.Error)
            {
                return read(reply);
            }

            violation = "it answered with an error: " + string.Concat((reply["message"]?.ToString() ?? "").Take(300));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            violation = "its reply could not be read: " + e.Message;
        }

        worker.KillForBreakingProtocol(violation);
        await worker.Exited.ConfigureAwait(false);
        throw new WorkerExitedException(worker.DescribeExit());
    }

    /// <summary>
    /// The longest message a well-behaved worker sends for this session: a result carries at most the scratch area in
    /// artifacts (in base64), the output and the value escaped as JSON (at worst 6 bytes a character), and the records
    /// of its tool calls, for which the default leaves room.
    /// </summary>
    private long MaxMessageBytes =>
        MessageChannel.DefaultMaxMessageBytes + 2 * _options.Files.ScratchQuotaBytes + 6L * (_options.MaxOutputChars + _options.MaxValueChars);

    private const string StateLost = "The session's state (its variables, functions and the files the code wrote) is lost; the next execution starts in a fresh worker process.";

    /// <summary>The live worker, starting a fresh one (and saying why, when an earlier one was lost) if there is none.</summary>
    private async Task<(WorkerProcess Worker, string? Note)> WorkerAsync(CancellationToken cancellationToken)
    {
        await _workerLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_worker is { HasExited: false } live)
            {
                return (live, null);
            }

            if (_worker is { } dead)
            {
                _lostBecause ??= dead.DescribeExit().Description;
                _ = dead.DisposeAsync().AsTask();
            }

            var worker = await _pool.RentAsync(_backend, cancellationToken).ConfigureAwait(false);
            // Creating the session is part of starting the worker (C# compiles the tools' declarations), so it has the
            // same bound: a worker that hangs here must not hang the caller.
            using var startLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            startLimit.CancelAfter(_pool.Options.StartTimeout);
            try
            {
                worker.ToolCallHandler = message => RunToolAsync(worker, message);
                worker.MaxMessageBytes = MaxMessageBytes;
                var create = new JsonObject
                {
                    ["type"] = MessageTypes.Create,
                    ["limits"] = SandboxOptionsWire.LimitsToJson(_options),
                    ["tools"] = SandboxOptionsWire.ToolsToJson(_options.Tools),
                    ["files"] = SandboxOptionsWire.FilesToJson(_options.Files),
                };
                WorkerBackendReference.Of(_backend).WriteTo(create);
                ThrowIfError(await worker.RequestAsync(create, startLimit.Token).ConfigureAwait(false));
                foreach (var (path, content) in _files.Replay())
                {
                    ThrowIfError(await worker.RequestAsync(
                        new JsonObject { ["type"] = MessageTypes.Upload, ["path"] = path, ["base64"] = Convert.ToBase64String(content) },
                        startLimit.Token).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
                throw new WorkerStartException(
                    $"The worker process for the '{_backend.Name}' backend did not create its session within {_pool.Options.StartTimeout.TotalSeconds:0.###} s and was stopped. " +
                    "The machine may be overloaded; raise WorkerPoolOptions.StartTimeout or start fewer sessions at once.", e);
            }
            catch (WorkerExitedException e)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
                throw new WorkerStartException($"The worker process for the '{_backend.Name}' backend ended while it created its session. {e.Exit.Description}", e);
            }
            catch
            {
                await worker.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            _worker = worker;
            string? note = null;
            if (_lostBecause is { } reason)
            {
                note = $"[The sandbox restarted in a fresh worker process because the previous one ended ({reason.TrimEnd('.')}). Variables and functions defined before are gone; define them again. Files the host added are still there.]\n";
                _lostBecause = null;
            }

            return (worker, note);
        }
        finally
        {
            _workerLock.Release();
        }
    }

    private async Task LoseWorkerAsync(WorkerProcess worker, string reason)
    {
        await _workerLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(_worker, worker))
            {
                _worker = null;
                _lostBecause = reason;
                _files.ForgetArtifacts();
            }
        }
        finally
        {
            _workerLock.Release();
        }

        // Reaping the old process must not hold up the result.
        _ = worker.DisposeAsync().AsTask();
    }

    /// <summary>
    /// Runs one tool call in the host, one at a time, as code in process calls them. Sandboxed code waits for each
    /// call's result, so a worker never has more than one outstanding (and, after a cancelled execution, perhaps one
    /// more still finishing); a worker that sends more than <see cref="MaxToolCallsWaiting"/> is flooding the host.
    /// </summary>
    private async Task RunToolAsync(WorkerProcess worker, ToolCallRequest call)
    {
        if (Interlocked.Increment(ref _toolCallsWaiting) > MaxToolCallsWaiting)
        {
            Interlocked.Decrement(ref _toolCallsWaiting);
            worker.KillForBreakingProtocol($"it sent more than {MaxToolCallsWaiting} tool calls without waiting for their results");
            return;
        }

        await _toolCalls.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await SendQuietlyAsync(worker, await InvokeToolAsync(call).ConfigureAwait(false)).ConfigureAwait(false);
        }
        finally
        {
            _toolCalls.Release();
            Interlocked.Decrement(ref _toolCallsWaiting);
        }
    }

    /// <summary>The tool's outcome as a <c>toolResult</c> message: its result, or the error the code will see.</summary>
    private async Task<JsonObject> InvokeToolAsync(ToolCallRequest call)
    {
        var reply = new JsonObject { ["type"] = MessageTypes.ToolResult, ["callId"] = call.CallId };
        try
        {
            var tool = _options.Tools.FirstOrDefault(t => t.Name == call.Name)
                ?? throw new InvalidOperationException($"The host has no tool named '{call.Name}'.");
            var arguments = new AIFunctionArguments();
            using (var document = JsonDocument.Parse(call.ArgumentsJson))
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    arguments[property.Name] = property.Value.Clone();
                }
            }

            var result = await tool.InvokeAsync(arguments, _toolToken).ConfigureAwait(false);
            reply["resultJson"] = result switch
            {
                null => "null",
                JsonElement element => element.GetRawText(),
                JsonNode node => node.ToJsonString(),
                _ => JsonSerializer.Serialize(result, result.GetType(), AIJsonUtilities.DefaultOptions),
            };
        }
        catch (Exception e)
        {
            var inner = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
            reply["error"] = inner.Message;
            reply["errorType"] = inner switch
            {
                ExecutionHaltException => "halt",
                ArgumentException or JsonException => "argument",
                _ => "other",
            };
            if (inner is ExecutionHaltException halt)
            {
                reply["haltStatus"] = halt.Status.ToString();
                reply["haltKind"] = halt.Error.Kind.Value;
            }
        }

        return reply;
    }

    private static async Task SendQuietlyAsync(WorkerProcess worker, JsonObject message)
    {
        try
        {
            await worker.SendAsync(message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WorkerExitedException or IOException or ObjectDisposedException)
        {
            // The worker is gone; the execution that waits on it reports that.
        }
    }

    /// <summary>Moves the deadline from the start timeout to the code's own limit, the backend's allowance and the grace.</summary>
    private void StartDeadline(CancellationTokenSource deadline, ref int running)
    {
        Volatile.Write(ref running, 1);
        try
        {
            deadline.CancelAfter(_options.Timeout + _allowance + DeadlineGrace);
        }
        catch (ObjectDisposedException)
        {
            // The execution was already given up (its start timeout passed as the message arrived).
        }
    }

    private static void ThrowIfError(JsonObject reply)
    {
        if (reply["type"]?.GetValue<string>() != MessageTypes.Error)
        {
            return;
        }

        var message = reply["message"]?.GetValue<string>() ?? "The worker refused the request.";
        throw reply["errorType"]?.GetValue<string>() switch
        {
            "file" => new SandboxFileException(message),
            "argument" => new ArgumentException(message),
            _ => new InvalidOperationException("The worker failed: " + message),
        };
    }

    private static ExecutionResult Failed(ExecutionStatus status, ErrorKind kind, string message, long started, string? note) => new()
    {
        Status = status,
        Stdout = note ?? "",
        Error = new ExecutionError(kind, message),
        Duration = Stopwatch.GetElapsedTime(started),
    };
}
