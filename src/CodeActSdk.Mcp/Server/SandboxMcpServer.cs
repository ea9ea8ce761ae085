using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CodeActSdk.Mcp.Server;

/// <summary>
/// Serves sandboxed interpreters to MCP clients as four tools: <c>execute_code</c> (run code in a backend, in a
/// fresh session or in a named one whose state persists), <c>list_sessions</c>, <c>close_session</c> and
/// <c>upload_file</c>, and the files the code writes as resources. A call whose code fails (any status but
/// Completed) is a tool error (<c>isError</c>) that still carries the structured result. The same
/// operations are available to .NET callers as <see cref="ExecuteAsync(SandboxExecutionRequest, CancellationToken)"/>, <see cref="ListSessions"/> and
/// <see cref="CloseSessionAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe: calls may arrive concurrently. Executions in one session run one at a time (the interpreter session
/// serialises them); different sessions run in parallel, up to <see cref="SandboxMcpServerOptions.MaxConcurrentExecutions"/>
/// at once. Further executions wait in a queue of at most <see cref="SandboxMcpServerOptions.MaxQueuedExecutions"/>;
/// beyond it a call is refused at once with a <see cref="SandboxRequestException"/> that says the server is busy. A
/// call waiting for its own session's previous call holds its slot meanwhile.
/// </para>
/// <para>
/// Files the code writes under <c>out/</c> (artifacts) are kept, up to <see cref="SandboxMcpServerOptions.MaxStoredArtifactBytes"/>,
/// as MCP resources <c>codeact://artifacts/{n}/out/...</c> that <c>resources/read</c> serves; <c>execute_code</c> returns
/// small images and text inline and links to the rest. <c>upload_file</c> puts a client's file into a named session.
/// </para>
/// <para>
/// A named session is created by the first <c>execute_code</c> call that names it, keeps that call's backend and
/// limits, and lives until <c>close_session</c>, until it has been idle for
/// <see cref="SandboxMcpServerOptions.SessionIdleTimeout"/>, or until the server is disposed. Idle sessions are closed
/// by a sweep that runs on a timer every <see cref="IdleSweepInterval"/> and at the start of every call, so a session
/// closes between one idle timeout and one idle timeout plus one sweep interval after its last use. A session is never
/// closed for idleness while it runs code. Closing a session (explicitly or at disposal) cancels the code still
/// running in it. An id that was closed may be used again: it starts a fresh, empty session.
/// </para>
/// <para>
/// The server owns the sessions and the interpreters it creates: <see cref="DisposeAsync"/> cancels running
/// executions, waits for them to return, then disposes every session and interpreter.
/// </para>
/// </remarks>
public sealed partial class SandboxMcpServer : IAsyncDisposable
{
    /// <summary>The longest session id accepted.</summary>
    public const int MaxSessionIdLength = 128;

    private readonly SandboxMcpServerOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, BackendSlot> _backends = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, NamedSession> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _sweepTimer;
    private TaskCompletionSource? _disposal;
    private readonly ExecutionGate _slots;
    private readonly ArtifactStore _artifacts;
    private int _inFlight;
    private int _sweeping;

    /// <summary>Creates the server.</summary>
    /// <param name="backends">The backends clients may name. Include unavailable ones (<see cref="SandboxBackend.Unavailable"/>) so that clients learn why they are missing.</param>
    /// <param name="options">Limits and session policy; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Receives session life-cycle events and disposal failures; none by default.</param>
    /// <exception cref="ArgumentException">No backend is available, two share a name, or an option is invalid.</exception>
    public SandboxMcpServer(IEnumerable<SandboxBackend> backends, SandboxMcpServerOptions? options = null, ILogger<SandboxMcpServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        _options = (options ?? new SandboxMcpServerOptions()).Validate();
        _logger = new ClientLogs(logger ?? (ILogger)NullLogger.Instance);
        _slots = new ExecutionGate(_options.MaxConcurrentExecutions, _options.MaxQueuedExecutions);
        _artifacts = new ArtifactStore(_options.MaxStoredArtifactBytes);
        foreach (var backend in backends)
        {
            ArgumentNullException.ThrowIfNull(backend, nameof(backends));
            if (!_backends.TryAdd(backend.Name, new BackendSlot(backend)))
            {
                throw new ArgumentException($"Two backends are named '{backend.Name}'; backend names must be unique (case-insensitively).", nameof(backends));
            }
        }

        Backends = [.. _backends.Values.Select(slot => slot.Backend)];
        if (!Backends.Any(b => b.IsAvailable))
        {
            throw new ArgumentException("No backend is available; register at least one that can run here.", nameof(backends));
        }

        IdleSweepInterval = TimeSpan.FromTicks(Math.Clamp(
            _options.SessionIdleTimeout.Ticks / 4,
            TimeSpan.FromMilliseconds(10).Ticks,
            TimeSpan.FromMinutes(1).Ticks));
        Tools = SandboxTools.Create(this);
        Resources = [new ArtifactResource(_artifacts)];
        _sweepTimer = _options.TimeProvider.CreateTimer(_ => OnSweepTimer(), null, IdleSweepInterval, IdleSweepInterval);
    }

    /// <summary>Every registered backend, available or not, in registration order.</summary>
    public IReadOnlyList<SandboxBackend> Backends { get; }

    /// <summary>The options the server runs with (validated).</summary>
    public SandboxMcpServerOptions Options => _options;

    /// <summary>How often the timer looks for idle sessions: a quarter of the idle timeout, between 10 ms and 1 minute.</summary>
    public TimeSpan IdleSweepInterval { get; }

    /// <summary>
    /// The MCP tools <c>execute_code</c>, <c>list_sessions</c> and <c>close_session</c>, bound to this server. Add
    /// them to any <see cref="McpServerOptions.ToolCollection"/>, or use <see cref="CreateServerOptions"/>.
    /// </summary>
    public IReadOnlyList<McpServerTool> Tools { get; }

    /// <summary>
    /// The MCP resources of this server: the artifacts of recent executions, as the resource template
    /// <c>codeact://artifacts/{execution}/{path}</c>. Add them to any <see cref="McpServerOptions.ResourceCollection"/>,
    /// or use <see cref="CreateServerOptions"/>.
    /// </summary>
    public IReadOnlyList<McpServerResource> Resources { get; }

    /// <summary>Executions running now, across all sessions.</summary>
    public int RunningExecutions => _slots.Running;

    /// <summary>Executions waiting for a free slot now.</summary>
    public int QueuedExecutions => _slots.Queued;

    /// <summary>
    /// MCP server options that serve <see cref="Tools"/> and <see cref="Resources"/> under
    /// <see cref="SandboxMcpServerOptions.ServerName"/>, with the logging capability (see <see cref="RunAsync"/>).
    /// </summary>
    public McpServerOptions CreateServerOptions()
    {
        var tools = new McpServerPrimitiveCollection<McpServerTool>();
        foreach (var tool in Tools)
        {
            tools.Add(tool);
        }

        var resources = new McpServerResourceCollection();
        foreach (var resource in Resources)
        {
            resources.Add(resource);
        }

        return new McpServerOptions
        {
            ServerInfo = new Implementation
            {
                Name = _options.ServerName,
                Version = typeof(SandboxMcpServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            },
            ServerInstructions = SandboxTools.Instructions(this),
            ToolCollection = tools,
            ResourceCollection = resources,
#pragma warning disable MCP9005 // Deprecated in the 2026-07-28 specification; still what hosts use to show a server's log (see ClientLogs).
            Capabilities = new ServerCapabilities { Logging = new LoggingCapability() },
#pragma warning restore MCP9005
        };
    }

    /// <summary>Serves the tools over <paramref name="transport"/> until the client disconnects or <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="transport">An established transport, for example a <see cref="StdioServerTransport"/>.</param>
    /// <param name="loggerFactory">Logging of the MCP session; none by default. Over stdio, it must not write to stdout.</param>
    /// <param name="cancellationToken">Stops serving.</param>
    /// <remarks>
    /// This does not dispose the sessions: they outlive one connection until the server is disposed. While connected,
    /// the server's own log (sessions opened and closed, executions run, queued and refused) also goes to the client
    /// as MCP logging notifications, at or above the level the client chose with <c>logging/setLevel</c>; nothing is
    /// sent before the client chooses one.
    /// </remarks>
    public async Task RunAsync(ITransport transport, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var server = McpServer.Create(transport, CreateServerOptions(), loggerFactory);
        await using (server.ConfigureAwait(false))
        {
            await RunSessionAsync(server, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs an MCP session that a host created with <see cref="CreateServerOptions"/> (for example a session of the
    /// Streamable HTTP transport of ModelContextProtocol.AspNetCore), until it ends or <paramref name="cancellationToken"/>
    /// is cancelled, sending the server's own log to its client as <see cref="RunAsync"/> does.
    /// </summary>
    /// <param name="session">The session; the caller owns and disposes it.</param>
    /// <param name="cancellationToken">Stops serving.</param>
    public async Task RunSessionAsync(McpServer session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var client = new ClientLogger(session);
        ((ClientLogs)_logger).Add(client);
        try
        {
            await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ((ClientLogs)_logger).Remove(client);
        }
    }

    /// <summary>
    /// Serves the tools over this process's standard input and output until standard input closes or
    /// <paramref name="cancellationToken"/> is cancelled. Nothing else may write to standard output meanwhile.
    /// </summary>
    /// <remarks>
    /// When standard input ends (the client closed it, or went away), code still running is cancelled, every request
    /// read so far is answered (a cancelled execution with status <see cref="ExecutionStatus.Cancelled"/>), within
    /// <see cref="EndOfInputDrainLimit"/>, and then this returns. The server runs no more code after that: its
    /// later executions end as <see cref="ExecutionStatus.Cancelled"/>; dispose it.
    /// </remarks>
    /// <param name="loggerFactory">Logging of the MCP session; none by default. It must not write to stdout.</param>
    /// <param name="cancellationToken">Stops serving.</param>
    public async Task RunStdioAsync(ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var stdio = new DrainingStdio(Console.OpenStandardInput(), Console.OpenStandardOutput(), () => _stopping.CancelAsync(), EndOfInputDrainLimit);
        var transport = new StreamServerTransport(stdio.Input, stdio.Output, _options.ServerName, loggerFactory);
        await using (transport.ConfigureAwait(false))
        {
            await RunAsync(transport, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long <see cref="RunStdioAsync"/> waits, once standard input has ended, for the answers to the requests it read.</summary>
    public static TimeSpan EndOfInputDrainLimit { get; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs code as <c>execute_code</c> does: in a fresh session that is disposed afterwards, or in the named session
    /// (created on first use). Failures of the code are results, never exceptions.
    /// </summary>
    /// <param name="request">The backend, the code, and optionally the session and limits.</param>
    /// <param name="cancellationToken">Stops the execution; the result then has status <see cref="ExecutionStatus.Cancelled"/>.</param>
    /// <returns>What the execution did.</returns>
    /// <exception cref="SandboxRequestException">The request cannot be carried out (unknown backend, code longer than <see cref="SandboxMcpServerOptions.MaxCodeChars"/>, a bad session id, limits that differ from the session's, too many sessions, the server is busy); nothing ran.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public Task<ExecutionResult> ExecuteAsync(SandboxExecutionRequest request, CancellationToken cancellationToken = default) =>
        ExecuteAsync(request, progress: null, cancellationToken);

    /// <summary>
    /// Runs code as <see cref="ExecuteAsync(SandboxExecutionRequest, CancellationToken)"/> does, and reports its
    /// progress to <paramref name="progress"/>: once when it has to wait for a slot, once when it starts, then every
    /// <see cref="SandboxMcpServerOptions.ProgressInterval"/> with what the code printed meanwhile.
    /// </summary>
    /// <param name="request">The backend, the code, and optionally the session and limits.</param>
    /// <param name="progress">Receives the reports; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Stops the execution; the result then has status <see cref="ExecutionStatus.Cancelled"/>.</param>
    /// <returns>What the execution did.</returns>
    /// <exception cref="SandboxRequestException">The request cannot be carried out; nothing ran.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public async Task<ExecutionResult> ExecuteAsync(SandboxExecutionRequest request, IProgress<SandboxExecutionProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Code);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var slot = FindBackend(request.Backend);
        CheckCodeLength(request.Code);
        var timeout = ClampTimeout(request.Timeout);
        var memory = ClampMemory(request.MemoryLimitBytes);
        if (request.SessionId is not null)
        {
            CheckSessionId(request.SessionId);
        }

        await CloseIdleSessionsAsync().ConfigureAwait(false);
        var run = new RunContext(progress, new OutputTail(_options.MaxProgressOutputChars), timeout);
        IDisposable executionSlot;
        try
        {
            executionSlot = await _slots.EnterAsync(
                () =>
                {
                    LogQueued(slot.Backend.Name, _slots.Running, _slots.Queued);
                    progress?.Report(new SandboxExecutionProgress(SandboxExecutionStage.Queued, TimeSpan.Zero, timeout, ""));
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxRequestException)
        {
            LogBusy(slot.Backend.Name, _options.MaxConcurrentExecutions, _options.MaxQueuedExecutions);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CancelledBeforeStart();
        }

        using (executionSlot)
        {
            var result = request.SessionId is null
                ? await ExecuteOnceAsync(slot, request.Code, _options.Sandbox with { Timeout = timeout, MemoryLimitBytes = memory, OutputListener = _options.Sandbox.OutputListener + run.Output.Write }, run, cancellationToken).ConfigureAwait(false)
                : await ExecuteInSessionAsync(slot, request, timeout, memory, run, cancellationToken).ConfigureAwait(false);
            LogExecuted(slot.Backend.Name, request.SessionId ?? "(fresh)", result.Status, (long)result.Duration.TotalMilliseconds);
            return result;
        }
    }

    /// <summary>
    /// Copies a client's file into the scratch area of the named session (created on first use, with
    /// <paramref name="backend"/>), for the code to read at <paramref name="path"/>.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="backend">The backend to create the session with when it is not open; <see langword="null"/> to require an open session.</param>
    /// <param name="path">A relative path such as <c>sales.csv</c> or <c>in/sales.csv</c>; not under <c>out/</c>.</param>
    /// <param name="content">The file's bytes, at most <see cref="SandboxMcpServerOptions.MaxUploadBytes"/>.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    /// <returns>The file as the code sees it.</returns>
    /// <exception cref="SandboxRequestException">The session is not open and no backend was given, the file is too large, or the path is refused; nothing was added.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public async Task<SandboxFileInfo> UploadFileAsync(string sessionId, string? backend, string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(path);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CheckSessionId(sessionId);
        if (content.Length > _options.MaxUploadBytes)
        {
            throw new SandboxRequestException(string.Create(CultureInfo.InvariantCulture, $"The file is {content.Length:N0} bytes; upload_file accepts at most {_options.MaxUploadBytes:N0} (SandboxMcpServerOptions.MaxUploadBytes). Nothing was added."));
        }

        BackendSlot slot;
        lock (_gate)
        {
            if (_sessions.TryGetValue(sessionId, out var open))
            {
                slot = open.Backend;
            }
            else if (backend is null)
            {
                throw new SandboxRequestException($"No open session '{sessionId}'. Pass backend to create it with this upload, or run execute_code with this session_id first.");
            }
            else
            {
                slot = FindBackend(backend);
            }
        }

        if (backend is not null && !ReferenceEquals(FindBackend(backend), slot))
        {
            throw new SandboxRequestException($"Session '{sessionId}' runs the {slot.Backend.Name} backend, not {backend}; leave backend out or pass \"{slot.Backend.Name}\".");
        }

        await CloseIdleSessionsAsync().ConfigureAwait(false);
        var named = Acquire(slot, new SandboxExecutionRequest { Backend = slot.Backend.Name, Code = "", SessionId = sessionId }, _options.Sandbox.Timeout, _options.Sandbox.MemoryLimitBytes);
        try
        {
            IInterpreterSession session;
            try
            {
                session = await named.Session.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The session could not be created; forget it so that the next call with this id tries again.
                Forget(named);
                throw;
            }

            using var stream = new MemoryStream(content.ToArray(), writable: false);
            try
            {
                var added = await session.Files.AddAsync(path, stream, cancellationToken).ConfigureAwait(false);
                LogUploaded(sessionId, added.Path, added.Size);
                return added;
            }
            catch (SandboxFileException e)
            {
                throw new SandboxRequestException($"The file was not added to session '{sessionId}': {e.Message}", e);
            }
        }
        finally
        {
            await ReleaseAsync(named, executed: false).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the artifacts of a result for <c>resources/read</c> and returns the URI of each (<see langword="null"/> for one too large to keep).</summary>
    internal IReadOnlyList<string?> KeepArtifacts(ExecutionResult result) => _artifacts.Add(result.Artifacts);

    /// <summary>The open named sessions, oldest first.</summary>
    public IReadOnlyList<SandboxSessionInfo> ListSessions()
    {
        lock (_gate)
        {
            return [.. _sessions.Values.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).Select(s => s.ToInfo())];
        }
    }

    /// <summary>
    /// Closes the named session: cancels code still running in it and disposes it once that code has returned. The
    /// id may be used again afterwards and then starts a fresh session.
    /// </summary>
    /// <param name="sessionId">The session to close.</param>
    /// <returns>The session as it was when closed, or <see langword="null"/> when no session has this id.</returns>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public async Task<SandboxSessionInfo?> CloseSessionAsync(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        NamedSession? named;
        SandboxSessionInfo info;
        bool disposeNow;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (!_sessions.Remove(sessionId, out named))
            {
                return null;
            }

            named.Closed = true;
            disposeNow = named.ActiveCalls == 0;
            info = named.ToInfo();
        }

        // A running execution ends as Cancelled; its caller then disposes the session (see ReleaseAsync).
        await named.Closing.CancelAsync().ConfigureAwait(false);
        if (disposeNow)
        {
            await DisposeSessionAsync(named).ConfigureAwait(false);
        }

        LogSessionClosed(sessionId, named.Backend.Backend.Name);
        return info;
    }

    /// <summary>
    /// Closes every named session that has been idle for <see cref="SandboxMcpServerOptions.SessionIdleTimeout"/> or
    /// longer and is not running code. The server does this on its own (see the remarks of <see cref="SandboxMcpServer"/>);
    /// call it to sweep now.
    /// </summary>
    /// <returns>How many sessions were closed.</returns>
    public async Task<int> CloseIdleSessionsAsync()
    {
        List<NamedSession> idle = [];
        lock (_gate)
        {
            if (IsDisposed)
            {
                return 0;
            }

            var now = _options.TimeProvider.GetUtcNow();
            foreach (var named in _sessions.Values)
            {
                if (named.ActiveCalls == 0 && now - named.LastUsedAt >= _options.SessionIdleTimeout)
                {
                    idle.Add(named);
                }
            }

            foreach (var named in idle)
            {
                _sessions.Remove(named.Id);
                named.Closed = true;
            }
        }

        foreach (var named in idle)
        {
            LogSessionIdleClosed(named.Id, named.Backend.Backend.Name, _options.SessionIdleTimeout);
            await DisposeSessionAsync(named).ConfigureAwait(false);
        }

        return idle.Count;
    }

    /// <summary>Stops the idle sweep, cancels running executions, waits for them, then disposes every session and interpreter.</summary>
    public async ValueTask DisposeAsync()
    {
        TaskCompletionSource disposal;
        List<NamedSession> open = [];
        var first = false;
        var drained = true;
        lock (_gate)
        {
            if (_disposal is null)
            {
                first = true;
                _disposal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                open.AddRange(_sessions.Values);
                _sessions.Clear();
                foreach (var named in open)
                {
                    named.Closed = true;
                }

                drained = _inFlight == 0;
            }

            disposal = _disposal;
        }

        if (!first)
        {
            // Another caller is disposing: wait for it to finish.
            await disposal.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);

            // Running executions end as Cancelled and return; then nothing uses the sessions or interpreters.
            // (_stopping is not disposed: it owns no timer, and a late caller's linked token may still refer to it.)
            await _stopping.CancelAsync().ConfigureAwait(false);
            foreach (var named in open)
            {
                await named.Closing.CancelAsync().ConfigureAwait(false);
            }

            if (!drained)
            {
                await _drained.Task.ConfigureAwait(false);
            }

            foreach (var named in open)
            {
                await DisposeSessionAsync(named).ConfigureAwait(false);
            }

            foreach (var slot in _backends.Values)
            {
                await slot.DisposeAsync(_logger).ConfigureAwait(false);
            }
        }
        finally
        {
            disposal.TrySetResult();
        }
    }

    private bool IsDisposed => Volatile.Read(ref _disposal) is not null;

    private async Task<ExecutionResult> ExecuteOnceAsync(BackendSlot slot, string code, SandboxOptions sandbox, RunContext run, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            var interpreter = slot.GetInterpreter();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            IInterpreterSession session;
            try
            {
                session = await interpreter.CreateSessionAsync(sandbox, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                return CancelledBeforeStart();
            }

            await using (session.ConfigureAwait(false))
            {
                return await WithProgressAsync(session.ExecuteAsync(code, linked.Token), run).ConfigureAwait(false);
            }
        }
        finally
        {
            Exit();
        }
    }

    private async Task<ExecutionResult> ExecuteInSessionAsync(BackendSlot slot, SandboxExecutionRequest request, TimeSpan timeout, long memory, RunContext run, CancellationToken cancellationToken)
    {
        var named = Acquire(slot, request, timeout, memory);
        var executed = false;
        try
        {
            IInterpreterSession session;
            try
            {
                session = await named.Session.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || named.Closing.IsCancellationRequested || _stopping.IsCancellationRequested)
            {
                return CancelledBeforeStart();
            }
            catch (Exception)
            {
                // The session could not be created; forget it so that the next call with this id tries again.
                Forget(named);
                throw;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, named.Closing.Token, _stopping.Token);

            // The session runs one call at a time anyway; taking turns here as well sends each call's output to that call.
            try
            {
                await named.Turn.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                return CancelledBeforeStart();
            }

            named.Output.Current = run.Output;
            try
            {
                var result = await WithProgressAsync(session.ExecuteAsync(request.Code, linked.Token), run).ConfigureAwait(false);
                executed = true;
                return result;
            }
            finally
            {
                named.Output.Current = null;
                named.Turn.Release();
            }
        }
        finally
        {
            await ReleaseAsync(named, executed).ConfigureAwait(false);
        }
    }

    private NamedSession Acquire(BackendSlot slot, SandboxExecutionRequest request, TimeSpan timeout, long memory)
    {
        var id = request.SessionId!;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            var now = _options.TimeProvider.GetUtcNow();
            if (_sessions.TryGetValue(id, out var named))
            {
                if (!ReferenceEquals(named.Backend, slot))
                {
                    throw new SandboxRequestException(
                        $"Session '{id}' runs the {named.Backend.Backend.Name} backend, not {slot.Backend.Name}: a session keeps the backend it was created with. " +
                        $"Pass backend \"{named.Backend.Backend.Name}\", or use another session_id for {slot.Backend.Name}.");
                }

                if (request.Timeout is not null && timeout != named.Options.Timeout)
                {
                    throw new SandboxRequestException(
                        $"Session '{id}' was created with timeout_ms {Milliseconds(named.Options.Timeout)}, and a session's limits cannot change; " +
                        $"leave timeout_ms out (or pass {Milliseconds(named.Options.Timeout)}), or use another session_id.");
                }

                if (request.MemoryLimitBytes is not null && memory != named.Options.MemoryLimitBytes)
                {
                    throw new SandboxRequestException(
                        $"Session '{id}' was created with memory_mb {Mebibytes(named.Options.MemoryLimitBytes)}, and a session's limits cannot change; " +
                        $"leave memory_mb out (or pass {Mebibytes(named.Options.MemoryLimitBytes)}), or use another session_id.");
                }
            }
            else
            {
                if (_sessions.Count >= _options.MaxSessions)
                {
                    throw new SandboxRequestException(
                        $"Cannot open session '{id}': {_options.MaxSessions} sessions are open, the most this server allows. " +
                        "Close one with close_session (list_sessions shows them), or leave session_id out to run the code in a fresh session.");
                }

                var output = new OutputRouter();
                var sandbox = _options.Sandbox with { Timeout = timeout, MemoryLimitBytes = memory, OutputListener = _options.Sandbox.OutputListener + output.Write };
                named = new NamedSession(id, slot, sandbox, now, LazySession(slot, sandbox), output);
                _sessions.Add(id, named);
                LogSessionOpened(id, slot.Backend.Name);
            }

            named.ActiveCalls++;
            named.LastUsedAt = now;
            _inFlight++;
            return named;
        }
    }

    private Lazy<Task<IInterpreterSession>> LazySession(BackendSlot slot, SandboxOptions sandbox) =>
        new(async () =>
        {
            // Off the caller's lock and stack: creating an interpreter or a session can take a moment.
            await Task.Yield();
            return await slot.GetInterpreter().CreateSessionAsync(sandbox, _stopping.Token).ConfigureAwait(false);
        });

    private async Task ReleaseAsync(NamedSession named, bool executed)
    {
        bool disposeNow;
        lock (_gate)
        {
            named.ActiveCalls--;
            if (executed)
            {
                named.Executions++;
            }

            named.LastUsedAt = _options.TimeProvider.GetUtcNow();
            disposeNow = named.Closed && named.ActiveCalls == 0;
        }

        try
        {
            if (disposeNow)
            {
                await DisposeSessionAsync(named).ConfigureAwait(false);
            }
        }
        finally
        {
            Exit();
        }
    }

    private void Forget(NamedSession named)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(named.Id, out var current) && ReferenceEquals(current, named))
            {
                _sessions.Remove(named.Id);
            }

            named.Closed = true;
        }
    }

    private async Task DisposeSessionAsync(NamedSession named)
    {
        if (Interlocked.Exchange(ref named.Disposed, 1) == 1 || !named.Session.IsValueCreated)
        {
            return;
        }

        IInterpreterSession session;
        try
        {
            session = await named.Session.Value.ConfigureAwait(false);
        }
        catch
        {
            // It was never created, so there is nothing to dispose; the call that wanted it reported why.
            return;
        }

        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogSessionDisposeFailed(e, named.Id);
        }
    }

    private void Enter()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            _inFlight++;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            _inFlight--;
            if (_inFlight == 0 && _disposal is not null)
            {
                _drained.TrySetResult();
            }
        }
    }

    private void OnSweepTimer()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 0)
        {
            _ = SweepAsync();
        }
    }

    private async Task SweepAsync()
    {
        try
        {
            await CloseIdleSessionsAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogSweepFailed(e);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private BackendSlot FindBackend(string? name)
    {
        var offered = string.Join(", ", Backends.Where(b => b.IsAvailable).Select(b => b.Name));
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new SandboxRequestException($"No backend given; pass backend as one of {offered}.");
        }

        if (!_backends.TryGetValue(name.Trim(), out var slot))
        {
            throw new SandboxRequestException($"Unknown backend '{name}'; use one of {offered}.");
        }

        if (slot.Backend.UnavailableReason is { } reason)
        {
            throw new SandboxRequestException($"The {slot.Backend.Name} backend is not available on this server: {reason} Use one of {offered}.");
        }

        return slot;
    }

    private TimeSpan ClampTimeout(TimeSpan? requested)
    {
        if (requested is not { } timeout)
        {
            return _options.Sandbox.Timeout;
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new SandboxRequestException($"timeout_ms must be positive, but was {Milliseconds(timeout)}; leave it out for the default of {Milliseconds(_options.Sandbox.Timeout)}.");
        }

        return timeout > _options.MaxTimeout ? _options.MaxTimeout : timeout;
    }

    private long ClampMemory(long? requested)
    {
        if (requested is not { } bytes)
        {
            return _options.Sandbox.MemoryLimitBytes;
        }

        if (bytes < 1024 * 1024)
        {
            throw new SandboxRequestException($"memory_mb must be at least 1, but the limit was {bytes.ToString(CultureInfo.InvariantCulture)} bytes; leave it out for the default of {Mebibytes(_options.Sandbox.MemoryLimitBytes)} MiB.");
        }

        return Math.Min(bytes, _options.MaxMemoryLimitBytes);
    }

    /// <summary>The same rules as <c>session_id</c>'s schema (1 to <see cref="MaxSessionIdLength"/> code points, no control characters), for .NET callers.</summary>
    private static void CheckSessionId(string id)
    {
        var length = id.EnumerateRunes().Count();
        if (length == 0)
        {
            throw new SandboxRequestException("session_id is empty; pass a name such as \"analysis\", or leave session_id out to run the code in a fresh session.");
        }

        if (length > MaxSessionIdLength)
        {
            throw new SandboxRequestException($"session_id is {length} characters long; use at most {MaxSessionIdLength}.");
        }

        if (id.Any(char.IsControl))
        {
            throw new SandboxRequestException("session_id contains control characters; use letters, digits and punctuation.");
        }
    }

    /// <summary>The same rule as <c>code</c>'s schema (<c>maxLength</c>), for .NET callers.</summary>
    private void CheckCodeLength(string code)
    {
        // Counting code points is only needed when the UTF-16 length could be over the limit.
        var length = code.Length <= _options.MaxCodeChars ? code.Length : code.EnumerateRunes().Count();
        if (length > _options.MaxCodeChars)
        {
            throw new SandboxRequestException(
                string.Create(CultureInfo.InvariantCulture, $"'code' is {length:N0} characters long; this server accepts at most {_options.MaxCodeChars:N0} (SandboxMcpServerOptions.MaxCodeChars; codeact mcp --max-code-chars). Nothing ran: split the work over several calls in one session."));
        }
    }

    /// <summary>Waits for <paramref name="execution"/>, reporting progress to the caller meanwhile.</summary>
    private async Task<ExecutionResult> WithProgressAsync(Task<ExecutionResult> execution, RunContext run)
    {
        if (run.Progress is not { } progress)
        {
            return await execution.ConfigureAwait(false);
        }

        var started = _options.TimeProvider.GetTimestamp();
        progress.Report(new SandboxExecutionProgress(SandboxExecutionStage.Running, TimeSpan.Zero, run.Timeout, run.Output.Take()));
        using var done = new CancellationTokenSource();
        try
        {
            while (true)
            {
                var tick = Task.Delay(_options.ProgressInterval, _options.TimeProvider, done.Token);
                if (await Task.WhenAny(execution, tick).ConfigureAwait(false) == execution)
                {
                    return await execution.ConfigureAwait(false);
                }

                progress.Report(new SandboxExecutionProgress(SandboxExecutionStage.Running, _options.TimeProvider.GetElapsedTime(started), run.Timeout, run.Output.Take()));
            }
        }
        finally
        {
            // The last tick's timer is not left to run out.
            await done.CancelAsync().ConfigureAwait(false);
        }
    }

    private static ExecutionResult CancelledBeforeStart() => new()
    {
        Status = ExecutionStatus.Cancelled,
        Error = new ExecutionError(ErrorKind.Cancelled, "The execution was cancelled before the code started."),
    };

    internal static string Milliseconds(TimeSpan time) => ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    internal static string Mebibytes(long bytes) => (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Ran {Backend} code in session {SessionId}: {Status} after {DurationMs} ms.")]
    private partial void LogExecuted(string backend, string sessionId, ExecutionStatus status, long durationMs);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "A {Backend} execution waits for a free slot: {Running} running, {Queued} waiting.")]
    private partial void LogQueued(string backend, int running, int queued);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Refused a {Backend} execution: the server is busy ({MaxRunning} running and {MaxQueued} waiting).")]
    private partial void LogBusy(string backend, int maxRunning, int maxQueued);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Uploaded {Path} ({Size} bytes) into session {SessionId}.")]
    private partial void LogUploaded(string sessionId, string path, long size);

    /// <summary>What one execution reports its progress with.</summary>
    private sealed record RunContext(IProgress<SandboxExecutionProgress>? Progress, OutputTail Output, TimeSpan Timeout);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Opened session {SessionId} ({Backend}).")]
    private partial void LogSessionOpened(string sessionId, string backend);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Closed session {SessionId} ({Backend}) on request.")]
    private partial void LogSessionClosed(string sessionId, string backend);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Closed session {SessionId} ({Backend}): idle for {IdleTimeout} or longer.")]
    private partial void LogSessionIdleClosed(string sessionId, string backend, TimeSpan idleTimeout);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Disposing session {SessionId} failed.")]
    private partial void LogSessionDisposeFailed(Exception exception, string sessionId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The idle-session sweep failed.")]
    private partial void LogSweepFailed(Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Disposing the {Backend} interpreter failed.")]
    private static partial void LogInterpreterDisposeFailed(ILogger logger, Exception exception, string backend);

    /// <summary>A registered backend and, once needed, its interpreter (shared by all of the backend's sessions).</summary>
    private sealed class BackendSlot(SandboxBackend backend)
    {
        private readonly Lock _gate = new();
        private ICodeInterpreter? _interpreter;

        public SandboxBackend Backend => backend;

        public ICodeInterpreter GetInterpreter()
        {
            lock (_gate)
            {
                if (_interpreter is not null)
                {
                    return _interpreter;
                }

                try
                {
                    return _interpreter = backend.CreateInterpreter!();
                }
                catch (Exception e)
                {
                    // Not cached: the next call tries again (the machine may have been fixed meanwhile).
                    throw new SandboxRequestException($"The {backend.Name} backend could not start: {e.Message}", e);
                }
            }
        }

        public async ValueTask DisposeAsync(ILogger logger)
        {
            ICodeInterpreter? interpreter;
            lock (_gate)
            {
                interpreter = _interpreter;
                _interpreter = null;
            }

            try
            {
                switch (interpreter)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
            catch (Exception e)
            {
                LogInterpreterDisposeFailed(logger, e, backend.Name);
            }
        }
    }

    /// <summary>A named session. Every field but <see cref="Disposed"/> is guarded by the server's lock.</summary>
    private sealed class NamedSession(string id, BackendSlot backend, SandboxOptions options, DateTimeOffset createdAt, Lazy<Task<IInterpreterSession>> session, OutputRouter output)
    {
        public int Disposed;

        /// <summary>Passes what the code prints to the call running now.</summary>
        public OutputRouter Output => output;

        /// <summary>Taken by the call that runs code in the session now. Never disposed: it has no wait handle.</summary>
        public SemaphoreSlim Turn { get; } = new(1, 1);

        public string Id => id;

        public BackendSlot Backend => backend;

        public SandboxOptions Options => options;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public Lazy<Task<IInterpreterSession>> Session => session;

        /// <summary>Cancelled when the session is closed, to stop code still running in it. Never disposed: a late caller may still link to it.</summary>
        public CancellationTokenSource Closing { get; } = new();

        public DateTimeOffset LastUsedAt { get; set; } = createdAt;

        public int Executions { get; set; }

        public int ActiveCalls { get; set; }

        public bool Closed { get; set; }

        public SandboxSessionInfo ToInfo() => new(id, backend.Backend.Name, CreatedAt, LastUsedAt, Executions, options.Timeout, options.MemoryLimitBytes);
    }
}
