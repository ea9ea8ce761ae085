using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CodeActSdk.Files;
using CodeActSdk.Roslyn.Compilation;
using CodeActSdk.Roslyn.Runtime;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;

namespace CodeActSdk.Roslyn;

/// <summary>
/// One C# REPL: a chain of script submissions in a collectible load context of its own, and a virtual file system.
/// Executions run one at a time on a sandbox thread.
/// </summary>
/// <remarks>
/// An execution stuck in a single library call (where no guard runs) past its time limit, or past the host's
/// cancellation, is abandoned after <see cref="RoslynInterpreterOptions.AbandonGrace"/>: the caller gets
/// <see cref="ExecutionStatus.Timeout"/> or <see cref="ExecutionStatus.Cancelled"/> at once, and the session goes on with
/// a fresh REPL (its variables are gone, its files stay), because the abandoned code still holds the old one. The
/// abandoned thread runs until the call returns, is stopped by its next guard, and then its REPL is unloaded.
/// </remarks>
internal sealed class RoslynSession : IInterpreterSession
{
    /// <summary>The digest's previews run the code's getters, which must not reach the host's tools.</summary>
    private static readonly ToolBridge NoTools = new([]);

    /// <summary>How long computing the previews of the state digest may take, all variables together.</summary>
    private static readonly TimeSpan DigestTime = TimeSpan.FromMilliseconds(250);

    private readonly RoslynInterpreterOptions _settings;
    private readonly SandboxThreadPool _threads;
    private readonly SandboxOptions _options;
    private readonly ToolBridge _tools;
    private readonly SandboxFileSystem _files;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private Repl? _repl;
    private string? _toolsPrelude;
    private volatile bool _disposed;

    /// <exception cref="ArgumentException">A mount's host folder does not exist.</exception>
    public RoslynSession(RoslynInterpreterOptions settings, SandboxThreadPool threads, SandboxOptions options, ToolBridge tools)
    {
        // First, so that a bad mount fails before the session holds anything that needs disposing.
        _files = new SandboxFileSystem(options.Files);
        _settings = settings;
        _threads = threads;
        _options = options;
        _tools = tools;
        _repl = new Repl(Id);
    }

    public string Id { get; } = "cs-" + Guid.NewGuid().ToString("N")[..12];

    public ISessionFiles Files => _files;

    /// <summary>Compiles and runs the hidden first submission that declares the typed <c>tools</c> object (again in every fresh REPL).</summary>
    public Task InstallToolsAsync(string prelude)
    {
        _toolsPrelude = prelude;
        var repl = CurrentRepl;
        return _threads.Run(() =>
        {
            using var limit = new CancellationTokenSource(_settings.MaxCompileTime);
            InstallTools(repl, limit.Token);
            return true;
        });
    }

    private Repl CurrentRepl => _repl ?? throw new ObjectDisposedException(nameof(RoslynSession));

    private void InstallTools(Repl repl, CancellationToken cancellationToken)
    {
        if (!repl.ToolsInstalled && _toolsPrelude is { } prelude)
        {
            repl.Chain.Install(prelude, cancellationToken);
            repl.ToolsInstalled = true;
        }
    }

    public async Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Cancelled(started);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (cancellationToken.IsCancellationRequested)
            {
                return WithArtifacts(Cancelled(started));
            }

            // The execution's own cancellation: the host's, or the session's when it gives up on the execution.
            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var repl = CurrentRepl;
            var phase = new ExecutionPhase(_settings.TimeProvider);
            var run = _threads.Run(() => Execute(code, repl, phase, stop.Token));
            if (await WaitOrGiveUpAsync(run, phase, cancellationToken).ConfigureAwait(false) is { } givenUp)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                Abandon(run, repl, stop);
                return WithArtifacts(givenUp with { Duration = Stopwatch.GetElapsedTime(started) });
            }

            stop.Dispose();
            var result = await run.ConfigureAwait(false);
            return WithArtifacts(result) with { Duration = Stopwatch.GetElapsedTime(started) };
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Waits for <paramref name="run"/> while it compiles (up to the compile allowance) and then while it runs (up to
    /// its time limit), plus the grace; once the host cancels, only the grace is left. Returns null when the run ended
    /// in time, else the result to answer with instead.
    /// </summary>
    private async Task<ExecutionResult?> WaitOrGiveUpAsync(Task run, ExecutionPhase phase, CancellationToken cancellationToken)
    {
        var clock = _settings.TimeProvider;
        var grace = _settings.AbandonGrace;
        using var done = new CancellationTokenSource();
        // Each allowance counts from the moment its phase began by the clock, however late this method wakes up to it.
        var cancelled = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.Register(() => cancelled.TrySetResult(clock.GetTimestamp()));
        var limit = Task.Delay(_settings.MaxCompileTime + grace, clock, done.Token);
        var compiling = true;
        var hostCancelled = false;
        try
        {
            while (true)
            {
                var next = await Task.WhenAny(run, compiling ? phase.Running : run, hostCancelled ? run : cancelled.Task, limit).ConfigureAwait(false);
                if (next == run)
                {
                    return null;
                }

                if (next == limit)
                {
                    return GivenUp(hostCancelled ? ExecutionStatus.Cancelled : ExecutionStatus.Timeout, compiling);
                }

                if (next == cancelled.Task)
                {
                    hostCancelled = true;
                    limit = Delay(grace, cancelled.Task.Result);
                }
                else
                {
                    compiling = false;
                    if (!hostCancelled)
                    {
                        limit = Delay(_options.Timeout + grace, phase.RunStarted);
                    }
                }
            }
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
        }

        Task Delay(TimeSpan allowance, long since)
        {
            var left = allowance - clock.GetElapsedTime(since);
            return Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, clock, done.Token);
        }
    }

    private ExecutionResult GivenUp(ExecutionStatus status, bool compiling)
    {
        const string reset = "The session's variables were reset because the code could not be stopped: declare again what later steps need (files are kept).";
        var what = compiling
            ? $"Compiling the code took longer than {_settings.MaxCompileTime.TotalSeconds:0.###} s and the compiler could not be stopped. Write simpler code: fewer nested lambdas and overloads."
            : status == ExecutionStatus.Cancelled
                ? "The execution was cancelled by the host while the code was inside a single library call, where it cannot be interrupted."
                : $"The code ran past its time limit of {_options.Timeout.TotalSeconds:0.###} s inside a single library call, where it cannot be interrupted. Avoid single calls over huge inputs (huge numbers, strings or patterns that backtrack).";
        return new ExecutionResult
        {
            Status = status,
            Error = new ExecutionError(status == ExecutionStatus.Cancelled ? ErrorKind.Cancelled : ErrorKind.Timeout, $"{what} {reset}"),
        };
    }

    /// <summary>
    /// Gives up on a stuck run: its thread stops counting in the pool, the session goes on with a fresh REPL, and the
    /// old one is unloaded once the run finally returns (its code is stopped by its next guard, since
    /// <paramref name="stop"/> is cancelled). Called while the session's turn is held.
    /// </summary>
    private void Abandon(Task run, Repl abandoned, CancellationTokenSource stop)
    {
        _threads.Abandon(run);
        if (Interlocked.CompareExchange(ref _repl, new Repl(Id), abandoned) != abandoned)
        {
            return;
        }

        _ = run.ContinueWith(
            static (_, state) =>
            {
                var (repl, source) = ((Repl, CancellationTokenSource))state!;
                repl.Dispose();
                source.Dispose();
            },
            (abandoned, stop),
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Adds the artifacts written since the last execution ended. Called while the session's turn is held, so that
    /// the next execution's files cannot be taken by this one (an execution still stuck in a library call when its
    /// result is returned hands what it writes later to the next one).
    /// </summary>
    private ExecutionResult WithArtifacts(ExecutionResult result) => result with { Artifacts = _files.TakeChangedArtifacts() };

    /// <summary>
    /// Compiles and runs one step on the sandbox thread. Never throws: the code's exceptions become results inside the
    /// execution (<see cref="RunStep"/>), and this last resort turns anything else into a result in the host's words,
    /// so that no exception object the code may have made reaches a caller that would read it outside the limits.
    /// </summary>
    private ExecutionResult Execute(string code, Repl repl, ExecutionPhase phase, CancellationToken cancellationToken)
    {
        UseInvariantCulture();
        try
        {
            return CompileAndRun(code, repl, phase, cancellationToken);
        }
        catch (OutOfMemoryException)
        {
            // The heap was full where the code's own limits could not say so (in the handling of its result, say).
            return Failed(ExecutionStatus.MemoryLimit, new ExecutionError(ErrorKind.MemoryLimit,
                "The process ran out of memory while the sandbox handled this code's result. Work on smaller pieces of data."));
        }
        catch (Exception e)
        {
            return Failed(ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.InternalError,
                $"The sandbox failed while running this code ({e.GetType().Name}); the session goes on. This is a sandbox bug: please report it with the code."));
        }
    }

    private ExecutionResult CompileAndRun(string code, Repl repl, ExecutionPhase phase, CancellationToken cancellationToken)
    {
        var chain = repl.Chain;
        if (code.Length > _settings.MaxSourceChars)
        {
            return Failed(ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.SyntaxError,
                $"The code is {code.Length:N0} characters long; the limit is {_settings.MaxSourceChars:N0}. Split the work across several steps."));
        }

        CompiledSubmission compiled;
        using (var compileLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            compileLimit.CancelAfter(_settings.MaxCompileTime);
            try
            {
                // A fresh REPL (after a stuck execution was abandoned) gets the tools first.
                InstallTools(repl, compileLimit.Token);
                compiled = chain.Compile(code, _settings.Policy, compileLimit.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Failed(ExecutionStatus.Cancelled, new ExecutionError(ErrorKind.Cancelled, "The execution was cancelled by the host while the code was being compiled."));
            }
            catch (OperationCanceledException)
            {
                return Failed(ExecutionStatus.Timeout, new ExecutionError(ErrorKind.Timeout,
                    $"Compiling the code took longer than {_settings.MaxCompileTime.TotalSeconds:0.###} s. Write simpler code: fewer nested lambdas and overloads."));
            }
            catch (InsufficientExecutionStackException)
            {
                return Failed(ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.SyntaxError, "The code is nested too deeply to compile. Flatten it."));
            }
            catch (OutOfMemoryException)
            {
                return Failed(ExecutionStatus.MemoryLimit, new ExecutionError(ErrorKind.MemoryLimit, SubmissionChain.CompilerOutOfMemory));
            }
        }

        if (compiled.Failure is { } failure)
        {
            return WithNotes(Failed(compiled.FailureStatus!.Value, failure), compiled.Notes);
        }

        if (compiled.Factory is null)
        {
            return WithNotes(new ExecutionResult { Status = ExecutionStatus.Completed }, compiled.Notes);
        }

        phase.StartRunning();
        return Run(compiled, repl, cancellationToken);
    }

    private ExecutionResult Run(CompiledSubmission compiled, Repl repl, CancellationToken cancellationToken)
    {
        var result = RunStep(compiled, repl, cancellationToken);
        return WithNotes(result, [.. compiled.Notes, .. repl.Chain.Complete(compiled)]);
    }

    /// <summary>Appends notes on the session's state (a variable that changed form, a method dropped) to the output.</summary>
    private static ExecutionResult WithNotes(ExecutionResult result, IReadOnlyList<string> notes) =>
        notes.Count == 0 ? result : result with { Stdout = result.Stdout + string.Concat(notes.Select(n => $"\n[note: {n}]")) };

    private ExecutionResult RunStep(CompiledSubmission compiled, Repl repl, CancellationToken cancellationToken)
    {
        using var budget = new ExecutionBudget(_options, cancellationToken);
        var json = repl.Json;
        var chain = repl.Chain;
        var execution = new ScriptExecution(budget, _options, _tools, json, repl.CodeJson, StackPosition()) { Files = _files, FileJson = repl.FileJson };
        var context = new SandboxSynchronizationContext();
        var outerContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        execution.Enter();
        try
        {
            // A run the session has given up on (or the host cancelled) while it compiled stops before its first statement.
            budget.Tick();
            var value = context.Pump(compiled.Factory!(chain.State), budget);
            if (value is null)
            {
                return Result(ExecutionStatus.Completed, null, execution);
            }

            var (element, truncated) = ValueConverter.ToJson(value, json, _options.MaxValueChars, "The value of the last expression");
            var result = Result(ExecutionStatus.Completed, null, execution) with { Value = element };
            return truncated ? result with { Stdout = result.Stdout + $"\n[the value was truncated to {_options.MaxValueChars:N0} characters of JSON]" } : result;
        }
        catch (Exception e)
        {
            return Failure(e, execution, compiled.Path);
        }
        finally
        {
            execution.Leave();
            context.Close();
            SynchronizationContext.SetSynchronizationContext(outerContext);
        }
    }

    /// <summary>The result of an execution that <paramref name="exception"/> ended; runs while the execution is still entered (see <see cref="ExecutionFailure"/>).</summary>
    private ExecutionResult Failure(Exception exception, ScriptExecution execution, string path)
    {
        var (status, error) = ExecutionFailure.Describe(exception, execution, path);
        if (!execution.HasFinalAnswer)
        {
            return Result(status, error, execution);
        }

        var result = Result(ExecutionStatus.Completed, null, execution) with { FinalAnswer = execution.FinalAnswer };
        return execution.FinalAnswerTruncated
            ? result with { Stdout = result.Stdout + $"\n[the final answer was truncated to {_options.MaxValueChars:N0} characters of JSON]" }
            : result;
    }

    /// <summary>
    /// Sandbox threads are shared by every session of the interpreter: whatever ran on this one before, the code and
    /// the host's messages start on the invariant culture (the policy does not let the code change it).
    /// </summary>
    private static void UseInvariantCulture()
    {
        var thread = Thread.CurrentThread;
        thread.CurrentCulture = CultureInfo.InvariantCulture;
        thread.CurrentUICulture = CultureInfo.InvariantCulture;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static unsafe nint StackPosition()
    {
        byte marker = 0;
        return (nint)(&marker);
    }

    private static ExecutionResult Result(ExecutionStatus status, ExecutionError? error, ScriptExecution execution) => new()
    {
        Status = status,
        Error = error,
        Stdout = execution.Output.Drain(),
        ToolCalls = [.. execution.ToolCalls],
    };

    private static ExecutionResult Failed(ExecutionStatus status, ExecutionError error) => new() { Status = status, Error = error };

    private static ExecutionResult Cancelled(long started) => new()
    {
        Status = ExecutionStatus.Cancelled,
        Error = new ExecutionError(ErrorKind.Cancelled, "The execution was cancelled by the host before it started."),
        Duration = Stopwatch.GetElapsedTime(started),
    };

    /// <inheritdoc />
    /// <remarks>
    /// Lists the variables and methods the session carries over (variables of anonymous types declared by a step that
    /// also declared types stay with that step and are not listed). Previews are computed on the sandbox thread under a
    /// short time budget, since a property getter or <c>ToString</c> of the code's own types is the code's own code.
    /// </remarks>
    public async ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var repl = CurrentRepl;
            return await _threads.Run(() => Describe(repl)).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    private IReadOnlyList<VariableSummary> Describe(Repl repl)
    {
        UseInvariantCulture();
        var options = _options with { Timeout = DigestTime, MaxOutputChars = 1 };
        using var budget = new ExecutionBudget(options, CancellationToken.None);
        // Without the files, as without the tools: previews must not read or write them.
        var execution = new ScriptExecution(budget, options, NoTools, repl.Json, repl.CodeJson, StackPosition());
        execution.Enter();
        try
        {
            return [.. repl.Chain.Declarations().Select(d => new VariableSummary(d.Name, d.Type, d.IsMethod ? (string)d.Value! : ValuePreview.Of(d.Value, repl.Json)))];
        }
        finally
        {
            execution.Leave();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        // Wait for a running execution, then drop the chain and unload the session's code.
        _disposed = true;
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _repl, null)?.Dispose();
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// One REPL of the session: its chain of submissions and the serializer options that cache its code's types. A
    /// stuck execution keeps the one it started with, and the session takes a fresh one.
    /// </summary>
    private sealed class Repl(string sessionId) : IDisposable
    {
        public SubmissionChain Chain { get; } = new(sessionId);

        public JsonSerializerOptions Json { get; } = ValueConverter.CreateOptions();

        public JsonSerializerOptions CodeJson { get; } = ValueConverter.CreateCodeDefaults();

        public JsonSerializerOptions FileJson { get; } = ValueConverter.CreateFileReadOptions();

        /// <summary>Whether the tools submission is in the chain; only the execution that holds this REPL touches it.</summary>
        public bool ToolsInstalled { get; set; }

        public void Dispose() => Chain.Dispose();
    }

    /// <summary>Tells the watchdog when an execution is done compiling and starts running its code, by the watchdog's clock.</summary>
    private sealed class ExecutionPhase(TimeProvider clock)
    {
        private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the code starts running.</summary>
        public Task Running => _running.Task;

        /// <summary>When the code started running (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long RunStarted { get; private set; }

        public void StartRunning()
        {
            RunStarted = clock.GetTimestamp();
            _running.TrySetResult();
        }
    }
}
