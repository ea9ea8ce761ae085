using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using Microsoft.ClearScript;

namespace CodeActSdk.V8;

/// <summary>
/// One V8 runtime (isolate) serving one REPL-like session. Each execution is compiled as a classic script in the session's
/// context, so top-level <c>var</c>, function, <c>let</c>, <c>const</c> and class declarations all stay defined for
/// the next executions. Executions run one at a time on a sandbox thread; a watchdog terminates one that passes
/// its deadline or is cancelled.
/// </summary>
internal sealed partial class V8Session : IInterpreterSession
{
    /// <summary>
    /// How long past the deadline (or a cancellation) the caller waits for V8 to act on the termination. V8 acts at
    /// the next interrupt check, within microseconds, except inside a few built-ins that never check; past this
    /// the call returns anyway and the session stays busy until the built-in returns.
    /// </summary>
    internal static readonly TimeSpan DefaultHardStopGrace = TimeSpan.FromSeconds(2);

    private readonly V8Sandbox _sandbox;
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
    private bool _outOfMemory;
    private bool _overBudget;

    /// <summary>While what a session keeps is over its budget (after a memory stop), how much more each run may use.</summary>
    private const long OverBudgetGrowthBytes = 16L * 1024 * 1024;

    private static readonly DocumentInfo CodeDocument = new("code.js") { Flags = DocumentFlags.IsTransient };
    private volatile bool _disposed;

    public V8Session(V8Sandbox sandbox, SandboxOptions options, ToolBridge tools, SandboxFileSystem files, SandboxThreadPool threads, TimeSpan hardStopGrace)
    {
        _hardStopGrace = hardStopGrace;
        _sandbox = sandbox;
        _options = options;
        _tools = tools;
        _files = files;
        _threads = threads;
    }

    public string Id { get; } = "v8-" + Guid.NewGuid().ToString("N")[..12];

    /// <inheritdoc />
    public ISessionFiles Files => _files;

    /// <summary>
    /// Prepares the sandbox for this session: its limits and the tools. The global <c>files</c> is there already
    /// (see <see cref="V8Sandbox"/>), so a tool named <c>files</c> is refused like any tool hiding a global.
    /// </summary>
    /// <exception cref="ArgumentException">A tool's name would hide a JavaScript global.</exception>
    public void Install()
    {
        var engine = _sandbox.Engine;
        engine.MaxRuntimeStackUsage = (UIntPtr)(ulong)StackLimitBytes(_options);
        _sandbox.SetHeapLimit(V8Sandbox.SoftHeapLimit(_options.MemoryLimitBytes));
        _sandbox.Configure(_options);
        for (var i = 0; i < _tools.Tools.Count; i++)
        {
            var tool = _tools.Tools[i];
            if (_sandbox.DefineTool(tool.Name, i, tool.Parameters.Count, files: false) is { } refusal)
            {
                throw new ArgumentException(refusal, "options");
            }
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
                Error = new ExecutionError(ErrorKind.Timeout,
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
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout < DigestTime ? _options.Timeout : DigestTime);
        var execution = new V8Execution(_options, _tools, _files, null, _sandbox.Engine);
        var entries = new List<(VariableSummary, bool)>();
        string? stopped = null;
        var watchdog = new Watchdog(execution);
        _sandbox.Bridge.Execution = execution;
        try
        {
            int count;
            using (deadline.Token.UnsafeRegister(static s => ((Watchdog)s!).Fire(), watchdog))
            {
                try
                {
                    count = _sandbox.Digest(candidates);
                }
                catch (Exception e_) when (e_ is IScriptEngineException e)
                {
                    return (entries, Interrupted(e, execution, watchdog) is not null);
                }
            }

            for (var i = 0; i < count; i++)
            {
                string text;
                if (stopped is not null)
                {
                    text = _sandbox.DigestEntry(i, VariableSummary.MaxPreviewChars, stopped);
                }
                else
                {
                    using var registration = deadline.Token.UnsafeRegister(static s => ((Watchdog)s!).Fire(), watchdog);
                    try
                    {
                        text = _sandbox.DigestEntry(i, VariableSummary.MaxPreviewChars, null);
                    }
                    catch (Exception e_) when (e_ is IScriptEngineException e)
                    {
                        // Out of time or memory: this entry and the objects of the rest cannot be shown.
                        var reason = Interrupted(e, execution, watchdog);
                        _outOfMemory |= e.IsFatal;
                        stopped = reason == V8StopReason.Memory
                            ? "(cannot be shown: it needs more memory than the sandbox allows)"
                            : "(cannot be shown: computing it took too long)";
                        registration.Dispose();
                        Recover(execution, watchdog);
                        text = _sandbox.DigestEntry(i, VariableSummary.MaxPreviewChars, stopped);
                    }
                }

                var fields = text.Split('\u0001');
                var name = fields[0];
                if (name == JavaScriptFiles.GlobalName)
                {
                    // Installed by a script after the context was made, so the prelude counts it among the code's
                    // globals; it is frozen and cannot be declared again, so it is never a variable of the code.
                    continue;
                }

                entries.Add((new VariableSummary(name, fields[1], Cut(fields[2])), fields[3] == "1"));
            }

            return (entries, stopped is not null);
        }
        finally
        {
            Recover(execution, watchdog);
            try
            {
                _sandbox.EndDigest();
            }
            catch (Exception e_) when (e_ is IScriptEngineException)
            {
            }

            _sandbox.Bridge.Execution = null;
        }
    }

    /// <summary>Why a call into the engine was interrupted, or null when it failed otherwise.</summary>
    private static V8StopReason? Interrupted(IScriptEngineException e, V8Execution execution, Watchdog watchdog) => e switch
    {
        { IsFatal: true } => V8StopReason.Memory,
        ScriptInterruptedException => execution.StopReason == V8StopReason.None ? V8StopReason.Host : execution.StopReason,
        _ when watchdog.Fired => V8StopReason.Host,
        _ => null,
    };

    /// <summary>After a run that was interrupted or ran out of memory: the engine is made ready for the next call.</summary>
    private void Recover(V8Execution execution, Watchdog watchdog)
    {
        if (execution.StopReason != V8StopReason.None || watchdog.Fired || _outOfMemory)
        {
            _sandbox.DropPendingJobs();
            watchdog.Reset();
            execution.ClearStop();
        }

        if (_outOfMemory)
        {
            _outOfMemory = false;
            RestoreHeapLimit();
        }
    }

    /// <summary>
    /// After the heap monitor stopped a run: ClearScript refuses every later run until the limit is set again, and a
    /// session whose data still fills the budget could not even run the code that lets it go. So the garbage is
    /// collected, and while what the session keeps is still over the budget, each run may grow it by a little only.
    /// </summary>
    private void RestoreHeapLimit()
    {
        var budget = V8Sandbox.SoftHeapLimit(_options.MemoryLimitBytes);
        _sandbox.Engine.CollectGarbage(true);
        var used = (long)_sandbox.Engine.GetRuntimeHeapInfo().TotalHeapSize;
        _overBudget = used > budget;
        _sandbox.SetHeapLimit(_overBudget ? used + OverBudgetGrowthBytes : budget);
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

    private ExecutionResult Execute(string code, CancellationToken cancellationToken)
    {
        using var budget = new ExecutionBudget(_options, cancellationToken);
        var execution = new V8Execution(_options, _tools, _files, budget, _sandbox.Engine);
        var watchdog = new Watchdog(execution);
        _sandbox.Bridge.Execution = execution;
        try
        {
            // The watchdog: ClearScript's Interrupt is safe from any thread, and a stop requested before the run
            // starts is applied as soon as it does.
            using (budget.Token.UnsafeRegister(static s => ((Watchdog)s!).Fire(), watchdog))
            {
                try
                {
                    return Run(code, execution);
                }
                catch (Exception e_) when (e_ is IScriptEngineException e)
                {
                    execution.Failed = true;
                    return Failed(e, execution, watchdog);
                }
            }
        }
        finally
        {
            try
            {
                Recover(execution, watchdog);
                if (_overBudget && !_outOfMemory)
                {
                    RestoreHeapLimit();
                }

                if (_sandbox.Rejections.Count > 0 || execution.Failed)
                {
                    // A run cut short may leave the prelude's record of the run (rejections, a watched promise).
                    _sandbox.Rejections.Clear();
                    _sandbox.EndRun();
                }
            }
            catch (Exception e_) when (e_ is IScriptEngineException)
            {
                // The engine could not be reset now; the next run starts with whatever is left.
            }

            _sandbox.Bridge.Execution = null;
        }
    }

    private ExecutionResult Run(string code, V8Execution execution)
    {
        var engine = _sandbox.Engine;
        var value = engine.Evaluate(CodeDocument, code);
        string outcome;
        if (_sandbox.Rejections.Count == 0 && Primitive(value, execution) is { } done)
        {
            return done;
        }

        _sandbox.FlushRejections();
        outcome = _sandbox.Finish(value);
        if (outcome == "R")
        {
            // Ends the call, so that V8 runs the promise jobs before the outcome is read.
            _sandbox.Watch(value);
            _sandbox.FlushRejections();
            outcome = _sandbox.Settle(value);
        }

        return Outcome(outcome, execution);
    }

    /// <summary>The result of a run whose value needs no JavaScript to become JSON, or null.</summary>
    private ExecutionResult? Primitive(object? value, V8Execution execution)
    {
        string? json = value switch
        {
            Undefined or VoidResult => null,
            null => "null",
            bool b => b ? "true" : "false",
            int i => i.ToString(CultureInfo.InvariantCulture),
            double d when d == Math.Floor(d) && Math.Abs(d) < 1e15 => d == 0 ? "0" : ((long)d).ToString(CultureInfo.InvariantCulture),
            string s when s.Length <= _options.MaxValueChars && !HasLoneSurrogate(s) => JsonString.Quote(s),
            _ => "",
        };
        if (json == "")
        {
            return null;
        }

        var result = Result(execution, ExecutionStatus.Completed, null, execution.Output.Drain());
        return json is null ? result : result with { Value = JsonSerializer.Deserialize<JsonElement>(json) };
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private ExecutionResult Outcome(string outcome, V8Execution execution)
    {
        switch (outcome[0])
        {
            case 'U':
                return Result(execution, ExecutionStatus.Completed, null, execution.Output.Drain());
            case 'V':
                {
                    var stdout = execution.Output.Drain();
                    var value = JsonSerializer.Deserialize<JsonElement>(outcome.AsSpan(2));
                    if (outcome[1] == '1')
                    {
                        stdout += $"\n[the value was truncated to about {_options.MaxValueChars:N0} characters of JSON]";
                    }

                    return Result(execution, ExecutionStatus.Completed, null, stdout) with { Value = value };
                }

            case 'J':
                {
                    var error = Described(outcome.AsSpan(1), null);
                    return RuntimeError(execution, error with
                    {
                        Message = "Unhandled promise rejection: " + error.Message +
                                  " (handle it with .catch(...) or try/await, or make the promise the code's last value)",
                    });
                }

            case 'T':
                return RuntimeError(execution, Described(outcome.AsSpan(1), null));
            default:
                return Failed(execution, ExecutionStatus.RuntimeError, Described(outcome.AsSpan(1), null));
        }
    }

    /// <summary>An error from "kind\u0001message[\u0001stack]" as the prelude describes it.</summary>
    private static ExecutionError Described(ReadOnlySpan<char> text, string? details)
    {
        var fields = text.ToString().Split('\u0001');
        // The thrown error's own stack first (an awaited promise's rejection has no other), else ClearScript's
        // text of the error (a syntax error's position is only there). Frames of the sandbox's own functions (a
        // tool's or a guard's error is made there) are skipped.
        var (line, column) = CodePosition(fields.Length > 2 ? fields[2] : null) ?? CodePosition(details) ?? (null, null);
        return new ExecutionError(new ErrorKind(fields[0]), fields.Length > 1 ? fields[1] : "", line, column);
    }

    private static (int? Line, int? Column)? CodePosition(string? stack)
    {
        if (stack is null)
        {
            return null;
        }

        foreach (Match frame in StackFrame().Matches(stack))
        {
            if (frame.Groups["document"].Value.StartsWith("code.js", StringComparison.Ordinal))
            {
                return (int.Parse(frame.Groups["line"].Value, CultureInfo.InvariantCulture), int.Parse(frame.Groups["column"].Value, CultureInfo.InvariantCulture));
            }
        }

        return null;
    }

    /// <summary>A stack frame of an error's text, with its document, line and column.</summary>
    [GeneratedRegex(@"^\s+at (?:.*? \()?(?<document>[^\n]*?):(?<line>\d+):(?<column>\d+)", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    private ExecutionResult Failed(IScriptEngineException e, V8Execution execution, Watchdog watchdog)
    {
        switch (Interrupted(e, execution, watchdog))
        {
            case V8StopReason.Memory:
                _outOfMemory = e.IsFatal;
                return Stopped(V8StopReason.Memory, execution);
            case { } reason:
                return Stopped(reason, execution);
        }

        // The code threw, or did not compile. The prelude reads the thrown value (its name and message, which may
        // be getters: under the run's limits); ClearScript's text of the error gives the position.
        string described;
        try
        {
            described = _sandbox.DescribeError(e.ScriptExceptionAsObject);
        }
        catch (Exception inner_) when (inner_ is IScriptEngineException inner)
        {
            return Interrupted(inner, execution, watchdog) is { } reason
                ? Stopped(reason == V8StopReason.Memory && inner.IsFatal ? Fatal() : reason, execution)
                : Failed(execution, ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.Error, "The error could not be described."));
        }

        var error = Described(described, e.ErrorDetails);
        if (!e.ExecutionStarted)
        {
            return Failed(execution, ExecutionStatus.SyntaxError, SyntaxError(error));
        }

        return RuntimeError(execution, error);
    }

    private V8StopReason Fatal()
    {
        _outOfMemory = true;
        return V8StopReason.Memory;
    }

    private ExecutionResult RuntimeError(V8Execution execution, ExecutionError error) => error switch
    {
        { Kind.Value: "RangeError", Message: "Maximum call stack size exceeded" } => Failed(execution, ExecutionStatus.RuntimeError,
            new ExecutionError(ErrorKind.RecursionLimit,
                $"Maximum call stack size exceeded: the code nested too deeply (recursion, or deeply nested data) for the sandbox's stack of {StackLimitBytes(_options) / 1024:N0} KiB (SandboxOptions.MaxRecursionDepth = {_options.MaxRecursionDepth:N0} levels of 8 KiB). Use a loop instead of deep recursion.",
                error.Line, error.Column)),
        // V8 checks a script's top-level declarations against the earlier steps' when it starts the script, before
        // any statement runs: a syntax error in effect.
        { Kind.Value: "SyntaxError" } when error.Message.EndsWith("has already been declared", StringComparison.Ordinal) =>
            Failed(execution, ExecutionStatus.SyntaxError, SyntaxError(error)),
        { Kind.Value: "RangeError", Message: "Invalid string length" } => Failed(execution, ExecutionStatus.MemoryLimit,
            new ExecutionError(ErrorKind.MemoryLimit,
                "The code built a string longer than V8 allows (about 512 million characters). Work on smaller pieces of data, or avoid building huge strings.",
                error.Line, error.Column)),
        // An array buffer past the budget, left unhandled.
        { Kind.Value: "RangeError" } when error.Message.StartsWith("Array buffer allocation failed", StringComparison.Ordinal) =>
            Stopped(V8StopReason.Memory, execution),
        _ => Failed(execution, ExecutionStatus.RuntimeError, error),
    };

    private ExecutionResult Stopped(V8StopReason reason, V8Execution execution)
    {
        if (reason == V8StopReason.FinalAnswer && execution.FinalAnswerJson is { } answer)
        {
            var stdout = execution.Output.Drain();
            if (execution.FinalAnswerTruncated)
            {
                stdout += $"\n[the final answer was truncated to about {_options.MaxValueChars:N0} characters of JSON]";
            }

            return Result(execution, ExecutionStatus.Completed, null, stdout) with { FinalAnswer = JsonSerializer.Deserialize<JsonElement>(answer) };
        }

        var stop = reason == V8StopReason.Memory
            ? Latched(execution.Budget!.ThrowMemoryLimit)
            : execution.Stop ?? Latched(execution.Budget!.ThrowCancelledOrTimedOut);
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

        return new SandboxStopException(ExecutionStatus.Timeout, new ExecutionError(ErrorKind.Timeout, "The execution was stopped."));
    }

    /// <summary>Adds what to do instead to V8's syntax errors where the sandbox is the reason.</summary>
    private static ExecutionError SyntaxError(ExecutionError error)
    {
        if (error is { Kind.Value: "RangeError", Message: "Maximum call stack size exceeded" })
        {
            return error with
            {
                Kind = ErrorKind.SyntaxError,
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
        Error = new ExecutionError(ErrorKind.Cancelled, "The execution was cancelled by the host before it started."),
        Duration = Stopwatch.GetElapsedTime(started),
    };

    private ExecutionResult Abandoned(long started, CancellationToken cancellationToken)
    {
        var cancelled = cancellationToken.IsCancellationRequested;
        var what = cancelled ? "was cancelled" : $"ran longer than its time limit of {_options.Timeout.TotalSeconds:0.###} s";
        return new ExecutionResult
        {
            Status = cancelled ? ExecutionStatus.Cancelled : ExecutionStatus.Timeout,
            Error = new ExecutionError(cancelled ? ErrorKind.Cancelled : ErrorKind.Timeout,
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
            // The runtime is freed now, or, if an execution is still being stopped, as soon as its call returns.
            _disposed = true;
            if (_turn.Wait(0))
            {
                _sandbox.Dispose();
                _turn.Release();
            }
            else
            {
                _ = Task.Run(async () =>
                {
                    await _turn.WaitAsync().ConfigureAwait(false);
                    _sandbox.Dispose();
                    _turn.Release();
                });
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Interrupts the run it belongs to when the deadline passes or the caller cancels.</summary>
    private sealed class Watchdog(V8Execution execution)
    {
        private int _fired;

        public bool Fired => Volatile.Read(ref _fired) == 1;

        public void Fire()
        {
            Volatile.Write(ref _fired, 1);
            execution.RequestStop(V8StopReason.Host);
        }

        public void Reset() => Volatile.Write(ref _fired, 0);
    }
}
