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
internal sealed class RoslynSession : IInterpreterSession
{
    /// <summary>How long past its limits an execution may stay inside a library call before the caller gets a result anyway.</summary>
    private static readonly TimeSpan StuckGrace = TimeSpan.FromSeconds(2);

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
    private SubmissionChain? _chain;
    private JsonSerializerOptions? _json = ValueConverter.CreateOptions();
    private JsonSerializerOptions? _codeJson = ValueConverter.CreateCodeDefaults();
    private JsonSerializerOptions? _fileJson = ValueConverter.CreateFileReadOptions();
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
        _chain = new SubmissionChain(Id);
    }

    public string Id { get; } = "cs-" + Guid.NewGuid().ToString("N")[..12];

    public ISessionFiles Files => _files;

    /// <summary>Compiles and runs the hidden first submission that declares the typed <c>tools</c> object.</summary>
    public Task InstallToolsAsync(string prelude) => _threads.Run(() =>
    {
        using var limit = new CancellationTokenSource(_settings.MaxCompileTime);
        Chain.Install(prelude, limit.Token);
        return true;
    });

    private SubmissionChain Chain => _chain ?? throw new ObjectDisposedException(nameof(RoslynSession));

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

        var release = true;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (cancellationToken.IsCancellationRequested)
            {
                return WithArtifacts(Cancelled(started));
            }

            var run = _threads.Run(() => Execute(code, cancellationToken));
            using var watchdog = new CancellationTokenSource();
            var limit = _options.Timeout + _settings.MaxCompileTime + StuckGrace;
            if (await Task.WhenAny(run, Task.Delay(limit, watchdog.Token)).ConfigureAwait(false) != run)
            {
                // The code is inside one long library call, where no guard runs. Answer now; the session stays busy
                // until the call returns and the next guard stops the code.
                release = false;
                _ = run.ContinueWith(static (_, turn) => ((SemaphoreSlim)turn!).Release(), _turn, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return WithArtifacts(new ExecutionResult
                {
                    Status = ExecutionStatus.Timeout,
                    Error = new ExecutionError("Timeout", $"The code ran past its time limit of {_options.Timeout.TotalSeconds:0.###} s inside a single library call, where it cannot be interrupted; it will be stopped when the call returns. Avoid single calls over huge inputs."),
                    Duration = Stopwatch.GetElapsedTime(started),
                });
            }

            await watchdog.CancelAsync().ConfigureAwait(false);
            var result = await run.ConfigureAwait(false);
            return WithArtifacts(result) with { Duration = Stopwatch.GetElapsedTime(started) };
        }
        finally
        {
            if (release)
            {
                _turn.Release();
            }
        }
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
    private ExecutionResult Execute(string code, CancellationToken cancellationToken)
    {
        UseInvariantCulture();
        try
        {
            return CompileAndRun(code, cancellationToken);
        }
        catch (OutOfMemoryException)
        {
            // The heap was full where the code's own limits could not say so (in the handling of its result, say).
            return Failed(ExecutionStatus.MemoryLimit, new ExecutionError("MemoryLimit",
                "The process ran out of memory while the sandbox handled this code's result. Work on smaller pieces of data."));
        }
        catch (Exception e)
        {
            return Failed(ExecutionStatus.RuntimeError, new ExecutionError("InternalError",
                $"The sandbox failed while running this code ({e.GetType().Name}); the session goes on. This is a sandbox bug: please report it with the code."));
        }
    }

    private ExecutionResult CompileAndRun(string code, CancellationToken cancellationToken)
    {
        var chain = Chain;
        if (code.Length > _settings.MaxSourceChars)
        {
            return Failed(ExecutionStatus.SyntaxError, new ExecutionError("SyntaxError",
                $"The code is {code.Length:N0} characters long; the limit is {_settings.MaxSourceChars:N0}. Split the work across several steps."));
        }

        CompiledSubmission compiled;
        using (var compileLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            compileLimit.CancelAfter(_settings.MaxCompileTime);
            try
            {
                compiled = chain.Compile(code, _settings.Policy, compileLimit.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Failed(ExecutionStatus.Cancelled, new ExecutionError("Cancelled", "The execution was cancelled by the host while the code was being compiled."));
            }
            catch (OperationCanceledException)
            {
                return Failed(ExecutionStatus.Timeout, new ExecutionError("Timeout",
                    $"Compiling the code took longer than {_settings.MaxCompileTime.TotalSeconds:0.###} s. Write simpler code: fewer nested lambdas and overloads."));
            }
            catch (InsufficientExecutionStackException)
            {
                return Failed(ExecutionStatus.SyntaxError, new ExecutionError("SyntaxError", "The code is nested too deeply to compile. Flatten it."));
            }
        }

        if (compiled.Failure is { } failure)
        {
            return WithNotes(Failed(compiled.FailureStatus!.Value, failure), compiled.Notes);
        }

        return compiled.Factory is null ? WithNotes(new ExecutionResult { Status = ExecutionStatus.Completed }, compiled.Notes) : Run(compiled, chain, cancellationToken);
    }

    private ExecutionResult Run(CompiledSubmission compiled, SubmissionChain chain, CancellationToken cancellationToken)
    {
        var result = RunStep(compiled, chain, cancellationToken);
        return WithNotes(result, [.. compiled.Notes, .. chain.Complete(compiled)]);
    }

    /// <summary>Appends notes on the session's state (a variable that changed form, a method dropped) to the output.</summary>
    private static ExecutionResult WithNotes(ExecutionResult result, IReadOnlyList<string> notes) =>
        notes.Count == 0 ? result : result with { Stdout = result.Stdout + string.Concat(notes.Select(n => $"\n[note: {n}]")) };

    private ExecutionResult RunStep(CompiledSubmission compiled, SubmissionChain chain, CancellationToken cancellationToken)
    {
        using var budget = new ExecutionBudget(_options, cancellationToken);
        var json = _json ?? throw new ObjectDisposedException(nameof(RoslynSession));
        var execution = new ScriptExecution(budget, _options, _tools, json, _codeJson!, StackPosition()) { Files = _files, FileJson = _fileJson };
        var context = new SandboxSynchronizationContext();
        var outerContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        execution.Enter();
        try
        {
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
        Error = new ExecutionError("Cancelled", "The execution was cancelled by the host before it started."),
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
            return await _threads.Run(Describe).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    private IReadOnlyList<VariableSummary> Describe()
    {
        UseInvariantCulture();
        var options = _options with { Timeout = DigestTime, MaxOutputChars = 1 };
        using var budget = new ExecutionBudget(options, CancellationToken.None);
        // Without the files, as without the tools: previews must not read or write them.
        var execution = new ScriptExecution(budget, options, NoTools, _json!, _codeJson!, StackPosition());
        execution.Enter();
        try
        {
            return [.. Chain.Declarations().Select(d => new VariableSummary(d.Name, d.Type, d.IsMethod ? (string)d.Value! : ValuePreview.Of(d.Value, _json!)))];
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
            Interlocked.Exchange(ref _chain, null)?.Dispose();
            _json = null;
            _codeJson = null;
            _fileJson = null;
        }
        finally
        {
            _turn.Release();
        }
    }
}
