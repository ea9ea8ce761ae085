using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using CodeActSdk.Isolation.Protocol;

namespace CodeActSdk.Isolation;

/// <summary>The host's handle on one worker process: its pipe, its pending requests and how it ended.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const int StderrLinesKept = 20;
    private const int StderrLineChars = 1000;
    private readonly Process _process;
    private readonly MessageChannel _channel;
    private readonly string _workingDirectory;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ConcurrentDictionary<long, Action> _startedHandlers = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private volatile bool _killedByHost;
    private volatile string? _brokeProtocol;

    private WorkerProcess(Process process, string workingDirectory)
    {
        _process = process;
        _workingDirectory = workingDirectory;
        Pid = process.Id;
        _channel = new MessageChannel(process.StandardOutput.BaseStream, process.StandardInput.BaseStream);
        Started = DateTimeOffset.UtcNow;
    }

    /// <summary>Receives the worker's tool calls; set by the session that owns the worker.</summary>
    public Func<ToolCallRequest, Task>? ToolCallHandler { get; set; }

    public int Pid { get; }

    /// <summary>The longest message the host accepts from this worker; a longer one gets the worker killed.</summary>
    public long MaxMessageBytes
    {
        get => _channel.MaxMessageBytes;
        set => _channel.MaxMessageBytes = value;
    }

    public DateTimeOffset Started { get; }

    /// <summary>Completes when the worker's output has ended and the process has exited.</summary>
    public Task Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Starts a worker and waits until it says it is ready.</summary>
    /// <exception cref="WorkerStartException">The worker exited before it was ready, or was not ready in time.</exception>
    public static async Task<WorkerProcess> StartAsync(WorkerLauncher launcher, WorkerBackend? backend, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        var directory = WorkerLauncher.CreatePrivateDirectory();
        var start = launcher.CreateStartInfo(backend, directory);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"The worker process could not be started ({start.FileName}).");
        var worker = new WorkerProcess(process, directory);
        worker.Pump();
        try
        {
            await worker._ready.Task.WaitAsync(startTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (WorkerExitedException e)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw new WorkerStartException(
                $"The worker process for the '{backend?.Name}' backend ended before it was ready. {e.Exit.Description} " +
                $"Check that {launcher.WorkerPath} is the CodeActSdk.Worker built with this version of CodeActSdk and that 'dotnet' can run it.", e);
        }
        catch (TimeoutException e)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw new WorkerStartException(
                $"The worker process for the '{backend?.Name}' backend was not ready within {startTimeout.TotalSeconds:0.###} s and was stopped. " +
                "The machine may be overloaded; raise WorkerPoolOptions.StartTimeout or start fewer sessions at once.", e);
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return worker;
    }

    /// <summary>Sends a request and waits for the reply with the same id (the worker's answer or its error).</summary>
    /// <param name="request">The message; its id is set here.</param>
    /// <param name="cancellationToken">Stops waiting (the worker is not told).</param>
    /// <param name="sent">Called with the id once the request is on its way.</param>
    /// <param name="started">Called when the worker sends its <c>started</c> message for this request, if it sends one.</param>
    /// <exception cref="WorkerExitedException">The worker ended before it replied.</exception>
    public async Task<JsonObject> RequestAsync(JsonObject request, CancellationToken cancellationToken = default, Action<long>? sent = null, Action? started = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        request["id"] = id;
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        if (started is not null)
        {
            _startedHandlers[id] = started;
        }

        try
        {
            if (HasExited)
            {
                throw new WorkerExitedException(DescribeExit());
            }

            await SendAsync(request, cancellationToken).ConfigureAwait(false);
            sent?.Invoke(id);
            return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
            _startedHandlers.TryRemove(id, out _);
        }
    }

    public async Task SendAsync(JsonObject message, CancellationToken cancellationToken = default)
    {
        try
        {
            await _channel.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // A broken pipe means the worker is gone; the reader reports how it ended.
            await Exited.ConfigureAwait(false);
            throw new WorkerExitedException(DescribeExit());
        }
    }

    /// <summary>
    /// Kills the worker and everything it started: first its whole process group (which also reaches processes whose
    /// parent has exited, as a daemonising script's do), then its process tree (where it has no group of its own).
    /// </summary>
    public void Kill()
    {
        _killedByHost = true;
        WorkerLauncher.KillProcessGroup(Pid);
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Kills a worker that does what no well-behaved worker does; <paramref name="violation"/> goes into how it ended.</summary>
    public void KillForBreakingProtocol(string violation)
    {
        _brokeProtocol ??= violation;
        Kill();
    }

    /// <summary>How the worker ended, in words for a result: exit code or signal and the last lines of its stderr.</summary>
    public WorkerExit DescribeExit()
    {
        int? code = _process.HasExited ? _process.ExitCode : null;
        // On Unix a process ended by a signal reports 128 + the signal's number, which a real exit code can equal (the
        // dotnet host exits with 131 when it cannot run the worker), so only the signals that end a worker count.
        int? signal = code is { } c128 && !OperatingSystem.IsWindows() && ((int[])[1, 2, 4, 6, 7, 8, 9, 11, 15, 24, 25]).Contains(c128 - 128) ? c128 - 128 : null;
        var how = signal switch
        {
            _ when _brokeProtocol is { } violation => $"was killed by the host because it broke the protocol ({violation.TrimEnd('.')})",
            9 => "was killed (SIGKILL), most likely by the operating system's out-of-memory killer",
            6 => "aborted (SIGABRT), as the .NET runtime does on a stack overflow or a fatal error",
            11 => "crashed (SIGSEGV, a native fault)",
            15 => "was terminated (SIGTERM)",
            24 => "used up its CPU time (SIGXCPU at WorkerLimits.CpuTime, the limit over the worker's whole life)",
            { } s => $"was ended by signal {s}",
            null when code is { } c => $"exited with code {c}",
            _ => "ended",
        };
        var stderr = string.Join(" | ", _stderr.Where(l => l.Trim().Length > 0).TakeLast(3)).TrimEnd('.');
        return new WorkerExit(code, signal, _killedByHost, $"The worker process (pid {Pid}) {how}{(stderr.Length > 0 ? $"; it said: {stderr}" : "")}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            try
            {
                await SendAsync(new JsonObject { ["type"] = MessageTypes.Dispose }).WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                await Exited.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or WorkerExitedException or IOException or ObjectDisposedException)
            {
                // It did not leave on its own; it is killed below.
            }
        }

        Kill();
        await Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _process.Dispose();
        _channel.Dispose();
        // What cannot be deleted is left to the temporary folder's cleaning; nothing in it is the host's.
        WorkerLauncher.DeletePrivateDirectory(_workingDirectory);
    }

    private void Pump()
    {
        _ = Task.Run(PumpStderrAsync);
        _ = Task.Run(async () =>
        {
            try
            {
                while (await _channel.ReadAsync().ConfigureAwait(false) is { } message)
                {
                    Dispatch(message);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The pipe broke or was closed by dispose; how the worker ended is told below.
                Kill();
            }
            catch (Exception e)
            {
                // Too long a line, something that is not JSON, a field of the wrong type: a worker that breaks the
                // protocol is not trusted to go on, since it may be running code that escaped the interpreter.
                KillForBreakingProtocol(e.Message);
            }

            await _process.WaitForExitAsync().ConfigureAwait(false);
            var exit = DescribeExit();
            _ready.TrySetException(new WorkerExitedException(exit));
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new WorkerExitedException(exit));
            }

            _exited.TrySetResult();
        });
    }

    /// <summary>
    /// Keeps the last lines of the worker's stderr, each cut at <see cref="StderrLineChars"/>: a worker that runs
    /// hostile code may write a line that never ends, which must not fill the host's memory.
    /// </summary>
    private async Task PumpStderrAsync()
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        int read;
        while ((read = await _process.StandardError.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == '\n')
                {
                    Keep(line);
                }
                else if (line.Length < StderrLineChars)
                {
                    line.Append(buffer[i]);
                }
            }
        }

        Keep(line);

        void Keep(StringBuilder text)
        {
            if (text.Length > 0)
            {
                _stderr.Enqueue(text.ToString());
                text.Clear();
                while (_stderr.Count > StderrLinesKept)
                {
                    _stderr.TryDequeue(out _);
                }
            }
        }
    }

    private void Dispatch(JsonObject message)
    {
        switch (message["type"]?.GetValue<string>())
        {
            case MessageTypes.Ready:
                _ready.TrySetResult();
                break;
            case MessageTypes.Started:
                if (message["id"]?.GetValue<long>() is { } startedId && _startedHandlers.TryGetValue(startedId, out var onStarted))
                {
                    onStarted();
                }

                break;
            case MessageTypes.ToolCall:
                // Read here, on the reader, so that a malformed call is a broken protocol rather than a lost task.
                var call = new ToolCallRequest(
                    message["callId"]!.GetValue<long>(),
                    message["name"]!.GetValue<string>(),
                    message["argumentsJson"]!.GetValue<string>());
                if (ToolCallHandler is { } handler)
                {
                    _ = Task.Run(() => handler(call));
                }

                break;
            default:
                if (message["id"]?.GetValue<long>() is { } id && _pending.TryGetValue(id, out var pending))
                {
                    pending.TrySetResult(message);
                }

                break;
        }
    }
}

/// <summary>A tool call the worker sent: the code called the host's tool <paramref name="Name"/>.</summary>
/// <param name="CallId">The worker's id of the call, repeated in the result.</param>
/// <param name="Name">The tool's name.</param>
/// <param name="ArgumentsJson">The arguments, a JSON object.</param>
internal sealed record ToolCallRequest(long CallId, string Name, string ArgumentsJson);

/// <summary>How a worker ended.</summary>
/// <param name="ExitCode">Its exit code, when known.</param>
/// <param name="Signal">The signal that ended it (Unix), when one did.</param>
/// <param name="KilledByHost">Whether the host killed it (deadline, dispose).</param>
/// <param name="Description">A sentence for a result.</param>
internal sealed record WorkerExit(int? ExitCode, int? Signal, bool KilledByHost, string Description);

/// <summary>
/// A worker process could not be started: it ended before it said it was ready (a wrong or corrupt worker file, a
/// runtime that cannot run it) or it was not ready within <see cref="WorkerPoolOptions.StartTimeout"/>. The message
/// says which, with the worker's exit and its last words.
/// </summary>
public sealed class WorkerStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkerStartException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    public WorkerStartException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public WorkerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The worker ended while the host waited for it.</summary>
internal sealed class WorkerExitedException(WorkerExit exit) : Exception(exit.Description)
{
    public WorkerExit Exit { get; } = exit;
}
