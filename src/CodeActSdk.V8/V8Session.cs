using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using CodeActSdk.V8.Interop;

namespace CodeActSdk.V8;

/// <summary>
/// One V8 isolate serving one REPL-like session. Each execution is compiled as a classic script in the session's
/// context, so top-level <c>var</c>, function, <c>let</c>, <c>const</c> and class declarations all stay defined for
/// the next executions. Executions run one at a time on a sandbox thread; a watchdog terminates one that passes
/// its deadline or is cancelled.
/// </summary>
internal sealed class V8Session : IInterpreterSession
{
    /// <summary>
    /// How long past the deadline (or a cancellation) the caller waits for V8 to act on the termination. V8 acts at
    /// the next interrupt check, within microseconds, except inside a few built-ins that never check; past this
    /// the call returns anyway and the session stays busy until the built-in returns.
    /// </summary>
    internal static readonly TimeSpan DefaultHardStopGrace = TimeSpan.FromSeconds(2);

    private readonly V8IsolateHandle _isolate;
    private readonly SandboxOptions _options;
    private readonly ToolBridge _tools;
    private readonly SandboxFileSystem _files;
    private readonly SandboxThreadPool _threads;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly TimeSpan _hardStopGrace;

    /// <summary>The longest the state digest may take, getters included.</summary>
    private static readonly TimeSpan DigestTime = TimeSpan.FromMilliseconds(250);

    /// <summary>The most distinct identifiers the session remembers for the digest (its order and its candidates).</summary>
    private const int MaxTrackedNames = 50_000;

    // The digest's view of the code run so far, used only under _turn: where each identifier first appeared (the
    // digest's order), the identifiers of the code run since the last complete digest (to probe as lexical
    // bindings), and the names found to be lexical bindings (which never go away: V8 cannot delete them).
    private readonly Dictionary<string, int> _firstSeen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unprobed = new(StringComparer.Ordinal);
    private readonly List<string> _lexical = [];
    private readonly HashSet<string> _lexicalNames = new(StringComparer.Ordinal);
    private long _runIds;
    private volatile bool _disposed;

    public V8Session(V8IsolateHandle isolate, SandboxOptions options, ToolBridge tools, SandboxFileSystem files, SandboxThreadPool threads, TimeSpan hardStopGrace)
    {
        _hardStopGrace = hardStopGrace;
        _isolate = isolate;
        _options = options;
        _tools = tools;
        _files = files;
        _threads = threads;
    }

    public string Id { get; } = "v8-" + Guid.NewGuid().ToString("N")[..12];

    /// <inheritdoc />
    public ISessionFiles Files => _files;

    /// <summary>
    /// Installs the global <c>files</c>: defines its host functions (as the tools after the session's own) and runs
    /// <see cref="JavaScriptFiles.InstallScript"/>, which gathers them and deletes their names. Called once, before
    /// the session's tools are defined, so that a tool named <c>files</c> is refused like any tool hiding a global.
    /// </summary>
    /// <exception cref="InvalidOperationException">The script did not complete; the session cannot offer <c>files</c>.</exception>
    public unsafe void InstallFiles()
    {
        for (var i = 0; i < JavaScriptFiles.Operations.Count; i++)
        {
            var (name, arity) = JavaScriptFiles.Operations[i];
            _isolate.DefineTool(JavaScriptFiles.HostFunctionName(name), V8Execution.FilesToolIndex(_tools) + i, arity);
        }

        var source = Encoding.UTF8.GetBytes(JavaScriptFiles.InstallScript);
        var options = new NativeMethods.RunOptions
        {
            RunId = Interlocked.Increment(ref _runIds),
            HostState = 0,
            MaxValueChars = 100,
            MaxDisplayChars = 100,
        };
        NativeMethods.Result native;
        int status;
        nint error;
        fixed (byte* text = source)
        {
            status = NativeMethods.IsolateRun(_isolate, text, source.Length, in options, out native, out error);
        }

        try
        {
            if (status != NativeMethods.Ok)
            {
                throw new InvalidOperationException("V8 could not install the files object: " + NativeMethods.TakeError(error, "the run failed."));
            }

            // The script's value says whether every host function's name was deleted: anything but a completed `true`
            // means the code would see a broken files object or a raw host function.
            var value = native.HasValue != 0 ? NativeMethods.Text(native.ValueJson, native.ValueLength) : null;
            if (native.Outcome != NativeMethods.OutcomeCompleted || value != "true")
            {
                var why = native.Outcome is NativeMethods.OutcomeSyntaxError or NativeMethods.OutcomeRuntimeError
                    ? $"{NativeMethods.Text(native.ErrorKind, native.ErrorKindLength)}: {NativeMethods.Text(native.ErrorMessage, native.ErrorMessageLength)}"
                    : $"outcome {native.Outcome}, value {value ?? "none"}";
                throw new InvalidOperationException($"V8 could not install the files object ({why}).");
            }
        }
        finally
        {
            NativeMethods.ResultFree(ref native);
        }
    }

    /// <summary>The most a session's JavaScript may use of a sandbox thread's stack; the rest is room for V8's and the host's own frames.</summary>
    private const long MaxJavaScriptStackBytes = SandboxThreadPool.StackBytes / 2;

    /// <summary>The stack JavaScript may use: <see cref="SandboxOptions.MaxRecursionDepth"/> levels of 8 KiB, at least 1 MiB.</summary>
    internal static long StackLimitBytes(SandboxOptions options) =>
        Math.Clamp(options.MaxRecursionDepth * ExecutionBudget.StackBytesPerLevel, 1024 * 1024, MaxJavaScriptStackBytes);

    public async Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        bool entered;
        try
        {
            // Free at once unless an earlier execution is still stuck in a built-in that cannot be interrupted.
            entered = await _turn.WaitAsync(_options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Cancelled(started);
        }

        if (!entered)
        {
            return new ExecutionResult
            {
                Status = ExecutionStatus.Timeout,
                Error = new ExecutionError("Timeout",
                    "The previous execution of this session is still being stopped (it is inside a built-in function that cannot be interrupted), so this code did not run. Try again later, or start a new session."),
                Duration = Stopwatch.GetElapsedTime(started),
            };
        }

        var releaseTurn = true;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (cancellationToken.IsCancellationRequested)
            {
                return Cancelled(started);
            }

            NoteIdentifiers(code);

            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = _threads.Run(() =>
            {
                running.TrySetResult();
                return Execute(code, cancellationToken);
            });

            // Waiting for a free sandbox thread does not count against the deadline; the run itself does.
            await Task.WhenAny(running.Task, run).ConfigureAwait(false);
            if (!await FinishesInTime(run, cancellationToken).ConfigureAwait(false))
            {
                releaseTurn = false;
                _ = run.ContinueWith(static (_, turn) => ((SemaphoreSlim)turn!).Release(), _turn, CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return Abandoned(started, cancellationToken);
            }

            var result = await run.ConfigureAwait(false);
            return result with { Duration = Stopwatch.GetElapsedTime(started) };
        }
        finally
        {
            if (releaseTurn)
            {
                _turn.Release();
            }
        }
    }

    private void NoteIdentifiers(string code)
    {
        foreach (var name in ScriptIdentifiers.In(code))
        {
            if (_firstSeen.Count < MaxTrackedNames)
            {
                _firstSeen.TryAdd(name, _firstSeen.Count);
            }

            if (!_lexicalNames.Contains(name) && _unprobed.Count < MaxTrackedNames)
            {
                _unprobed.Add(name);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// Lists, in the order the code first mentioned them, the global object's own properties that a fresh session
    /// does not have (top-level <c>var</c> and function declarations, assignments to undeclared names and to
    /// <c>globalThis</c>), and the top-level <c>let</c>, <c>const</c> and <c>class</c> bindings. Built-ins,
    /// <c>console</c>, <c>final_answer</c>, <c>files</c> and the tools are left out, even when the code assigned to them.
    /// </para>
    /// <para>
    /// V8 keeps top-level lexical bindings in the script scope, not on the global object, and its public API
    /// cannot list them. So every identifier of the code the session ran is a candidate, and the shim probes each
    /// one with a script of its own that reads the name: a name that resolves without being a property of the
    /// global object is such a binding. A binding whose step failed before initialising it is reported with the
    /// type <c>uninitialized</c> (it cannot be declared again). Limits of this approach: a name written with
    /// Unicode escapes (<c>a</c>) or with characters outside the Basic Multilingual Plane is not found; a
    /// lexical binding named like a property the global object has or inherits (<c>let toString</c>,
    /// <c>let Array</c>) is not reported; the session tracks at most 50,000 distinct identifiers.
    /// </para>
    /// <para>
    /// The digest runs in the session's isolate like an execution, under its memory and stack limits, and is
    /// stopped after 250 ms (or the session's timeout, if shorter); previews it had no time for say
    /// "(cannot be shown: ...)", as do those whose getters or <c>toJSON</c> throw. Nothing the code's getters do
    /// reaches the host: console output is dropped, tools and <c>final_answer</c> throw, and their queued
    /// promise jobs are dropped. While an earlier execution is still being stopped (inside a built-in that cannot
    /// be interrupted) past the session's timeout, the digest is empty.
    /// </para>
    /// </remarks>
    public async ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!await _turn.WaitAsync(_options.Timeout + _hardStopGrace, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        var releaseTurn = true;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            string[] candidates = [.. _lexical, .. _unprobed];
            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = _threads.Run(() =>
            {
                running.TrySetResult();
                return Describe(candidates, cancellationToken);
            });

            await Task.WhenAny(running.Task, run).ConfigureAwait(false);
            using (var hardStop = new CancellationTokenSource(DigestTime + _hardStopGrace))
            {
                try
                {
                    await run.WaitAsync(hardStop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!run.IsCompleted)
                {
                    // Stuck in a built-in that cannot be interrupted: the session is free again once it returns.
                    releaseTurn = false;
                    _ = run.ContinueWith(static (_, turn) => ((SemaphoreSlim)turn!).Release(), _turn, CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    return [];
                }
            }

            var (entries, stopped) = await run.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (!stopped)
            {
                _unprobed.Clear();
            }

            foreach (var (summary, lexical) in entries)
            {
                if (lexical && _lexicalNames.Add(summary.Name))
                {
                    _lexical.Add(summary.Name);
                    _unprobed.Remove(summary.Name);
                }
            }

            return [.. entries.Select(e => e.Summary).OrderBy(v => _firstSeen.TryGetValue(v.Name, out var order) ? order : int.MaxValue)];
        }
        finally
        {
            if (releaseTurn)
            {
                _turn.Release();
            }
        }
    }

    private (List<(VariableSummary Summary, bool Lexical)> Entries, bool Stopped) Describe(string[] candidates, CancellationToken cancellationToken)
    {
        var runId = Interlocked.Increment(ref _runIds);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout < DigestTime ? _options.Timeout : DigestTime);
        string json;
        using (deadline.Token.UnsafeRegister(static s => ((Watchdog)s!).Fire(), new Watchdog(_isolate, runId)))
        {
            json = _isolate.Describe(candidates, runId, VariableSummary.MaxPreviewChars);
        }

        using var digest = JsonDocument.Parse(json);
        var entries = new List<(VariableSummary, bool)>();
        foreach (var entry in digest.RootElement.GetProperty("entries").EnumerateArray())
        {
            var name = entry[0].GetString()!;
            if (name == JavaScriptFiles.GlobalName)
            {
                // Installed by a script after the context was made, so the shim counts it among the code's globals;
                // it is frozen and cannot be declared again, so it is never a variable of the code.
                continue;
            }

            entries.Add((new VariableSummary(name, entry[1].GetString()!, Cut(entry[2].GetString()!)), entry[3].GetInt32() == 1));
        }

        return (entries, digest.RootElement.GetProperty("stopped").GetInt32() == 1);
    }

    /// <summary>Cuts a preview to <see cref="VariableSummary.MaxPreviewChars"/> characters, ending with "…" when cut.</summary>
    private static string Cut(string text)
    {
        if (text.Length <= VariableSummary.MaxPreviewChars)
        {
            return text;
        }

        var keep = VariableSummary.MaxPreviewChars - 1;
        if (char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }

    private async Task<bool> FinishesInTime(Task run, CancellationToken cancellationToken)
    {
        using var hardStop = new CancellationTokenSource(_options.Timeout + _hardStopGrace);
        var grace = _hardStopGrace;
        using var onCancel = cancellationToken.Register(() => hardStop.CancelAfter(grace));
        try
        {
            await run.WaitAsync(hardStop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!run.IsCompleted)
        {
            return false;
        }
        catch (Exception)
        {
            // The run faulted: awaiting it again rethrows.
        }

        return true;
    }

    private unsafe ExecutionResult Execute(string code, CancellationToken cancellationToken)
    {
        using var budget = new ExecutionBudget(_options, cancellationToken);
        var execution = new V8Execution(_options, _tools, _files, budget);
        var runId = Interlocked.Increment(ref _runIds);
        var state = GCHandle.Alloc(execution);
        try
        {
            NativeMethods.Result native;
            int status;
            nint error;
            var source = Encoding.UTF8.GetBytes(code);
            // The watchdog: V8's TerminateExecution is safe from any thread, and a stop requested before the run
            // starts is applied as soon as it does.
            using (budget.Token.UnsafeRegister(static s => ((Watchdog)s!).Fire(), new Watchdog(_isolate, runId)))
            {
                var options = new NativeMethods.RunOptions
                {
                    RunId = runId,
                    HostState = GCHandle.ToIntPtr(state),
                    MaxValueChars = _options.MaxValueChars,
                    MaxDisplayChars = _options.MaxOutputChars + 1,
                };
                fixed (byte* text = source)
                {
                    status = NativeMethods.IsolateRun(_isolate, text, source.Length, in options, out native, out error);
                }
            }

            try
            {
                return status == NativeMethods.Ok
                    ? Map(in native, execution)
                    : Failed(execution, ExecutionStatus.RuntimeError, new ExecutionError("InternalError",
                        NativeMethods.TakeError(error, "V8 failed to run the code.") + " Rewrite the code more simply, or start a new session."));
            }
            finally
            {
                NativeMethods.ResultFree(ref native);
            }
        }
        finally
        {
            state.Free();
        }
    }

    private unsafe ExecutionResult Map(in NativeMethods.Result native, V8Execution execution)
    {
        switch (native.Outcome)
        {
            case NativeMethods.OutcomeCompleted:
                {
                    var stdout = execution.Output.Drain();
                    JsonElement? value = null;
                    if (native.HasValue != 0)
                    {
                        value = Parse(native.ValueJson, native.ValueLength);
                        if (native.ValueTruncated != 0)
                        {
                            stdout += $"\n[the value was truncated to about {_options.MaxValueChars:N0} characters of JSON]";
                        }
                    }

                    return Result(execution, ExecutionStatus.Completed, null, stdout) with { Value = value };
                }

            case NativeMethods.OutcomeSyntaxError:
                return Failed(execution, ExecutionStatus.SyntaxError, SyntaxError(Error(in native)));

            case NativeMethods.OutcomeRuntimeError:
                {
                    var error = Error(in native);
                    return error switch
                    {
                        { Kind: "RangeError", Message: "Maximum call stack size exceeded" } => Failed(execution, ExecutionStatus.RuntimeError,
                            new ExecutionError("RecursionLimit",
                                $"Maximum call stack size exceeded: the code nested too deeply (recursion, or deeply nested data) for the sandbox's stack of {StackLimitBytes(_options) / 1024:N0} KiB (SandboxOptions.MaxRecursionDepth = {_options.MaxRecursionDepth:N0} levels of 8 KiB). Use a loop instead of deep recursion.",
                                error.Line, error.Column)),
                        // V8 checks a script's top-level declarations against the earlier steps' when it starts
                        // the script, before any statement runs: a syntax error in effect.
                        { Kind: "SyntaxError" } when error.Message.EndsWith("has already been declared", StringComparison.Ordinal) =>
                            Failed(execution, ExecutionStatus.SyntaxError, SyntaxError(error)),
                        { Kind: "RangeError", Message: "Invalid string length" } => Failed(execution, ExecutionStatus.MemoryLimit,
                            new ExecutionError("MemoryLimit",
                                "The code built a string longer than V8 allows (about 512 million characters). Work on smaller pieces of data, or avoid building huge strings.",
                                error.Line, error.Column)),
                        _ => Failed(execution, ExecutionStatus.RuntimeError, error),
                    };
                }

            default:
                return Stopped(in native, execution);
        }
    }

    private unsafe ExecutionResult Stopped(in NativeMethods.Result native, V8Execution execution)
    {
        if (native.StopReason == NativeMethods.StopFinalAnswer && native.HasFinalAnswer != 0)
        {
            var stdout = execution.Output.Drain();
            if (native.FinalAnswerTruncated != 0)
            {
                stdout += $"\n[the final answer was truncated to about {_options.MaxValueChars:N0} characters of JSON]";
            }

            return Result(execution, ExecutionStatus.Completed, null, stdout) with { FinalAnswer = Parse(native.FinalAnswerJson, native.FinalAnswerLength) };
        }

        var stop = native.StopReason == NativeMethods.StopMemory
            ? Latched(execution.Budget.ThrowMemoryLimit)
            : execution.Stop ?? Latched(execution.Budget.ThrowCancelledOrTimedOut);
        return Failed(execution, stop.Status, stop.Error);
    }

    /// <summary>The stop the budget latches, with the same wording as every other backend.</summary>
    private static SandboxStopException Latched(Action raise)
    {
        try
        {
            raise();
        }
        catch (SandboxStopException stop)
        {
            return stop;
        }

        return new SandboxStopException(ExecutionStatus.Timeout, new ExecutionError("Timeout", "The execution was stopped."));
    }

    private static unsafe ExecutionError Error(in NativeMethods.Result native) => new(
        NativeMethods.Text(native.ErrorKind, native.ErrorKindLength) ?? "Error",
        NativeMethods.Text(native.ErrorMessage, native.ErrorMessageLength) ?? "",
        native.ErrorLine > 0 ? native.ErrorLine : null,
        native.ErrorColumn > 0 ? native.ErrorColumn : null);

    /// <summary>Adds what to do instead to V8's syntax errors where the sandbox is the reason.</summary>
    private static ExecutionError SyntaxError(ExecutionError error)
    {
        if (error is { Kind: "RangeError", Message: "Maximum call stack size exceeded" })
        {
            return error with
            {
                Kind = "SyntaxError",
                Message = "The code nests brackets or operators too deeply to be parsed. Flatten the code, or build nested data in a loop.",
            };
        }

        var hint = error.Message switch
        {
            var m when m.Contains("has already been declared", StringComparison.Ordinal) =>
                " in an earlier step, and top-level let, const and class declarations stay for the whole session, so nothing in this step ran. Assign to it without the keyword (name = ...), or declare the new value under another name (a const cannot be given a new value)",
            var m when m.StartsWith("await is only valid", StringComparison.Ordinal) =>
                ". There is no top-level await: end the code with (async () => { ... })(), whose result is awaited, or call the tools without await (they return their results directly)",
            var m when m.Contains("import statement outside a module", StringComparison.Ordinal) || m.Contains("Cannot use import", StringComparison.Ordinal) =>
                ". There are no modules in this sandbox: use the ECMAScript built-ins and the tools",
            _ => "",
        };
        return hint.Length == 0 ? error : error with { Message = error.Message + hint };
    }

    private static unsafe JsonElement Parse(byte* json, int length) =>
        JsonSerializer.Deserialize<JsonElement>(new ReadOnlySpan<byte>(json, length));

    private ExecutionResult Failed(V8Execution execution, ExecutionStatus status, ExecutionError? error) =>
        Result(execution, status, error, execution.Output.Drain());

    private ExecutionResult Result(V8Execution execution, ExecutionStatus status, ExecutionError? error, string stdout) => new()
    {
        Status = status,
        Error = error,
        Stdout = stdout,
        ToolCalls = [.. execution.ToolCalls],
        Artifacts = _files.TakeChangedArtifacts(),
    };

    private static ExecutionResult Cancelled(long started) => new()
    {
        Status = ExecutionStatus.Cancelled,
        Error = new ExecutionError("Cancelled", "The execution was cancelled by the host before it started."),
        Duration = Stopwatch.GetElapsedTime(started),
    };

    private ExecutionResult Abandoned(long started, CancellationToken cancellationToken)
    {
        var cancelled = cancellationToken.IsCancellationRequested;
        var what = cancelled ? "was cancelled" : $"ran longer than its time limit of {_options.Timeout.TotalSeconds:0.###} s";
        return new ExecutionResult
        {
            Status = cancelled ? ExecutionStatus.Cancelled : ExecutionStatus.Timeout,
            Error = new ExecutionError(cancelled ? "Cancelled" : "Timeout",
                $"The code {what} and is still inside a built-in function that cannot be interrupted (for example a method called on a huge array or string). It stops when that call returns; until then this session runs no code. Do less work per call."),
            Duration = Stopwatch.GetElapsedTime(started),
            // What the code wrote before it got stuck; the run's own result, made when it returns, is dropped.
            Artifacts = _files.TakeChangedArtifacts(),
        };
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            // The isolate is freed now, or, if an execution is still being stopped, as soon as its call returns.
            _disposed = true;
            _isolate.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Watchdog(V8IsolateHandle isolate, long runId)
    {
        public void Fire() => isolate.Terminate(runId);
    }
}
