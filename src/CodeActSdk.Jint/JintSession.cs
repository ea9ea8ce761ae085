using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Acornima;
using Acornima.Ast;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using Jint;
using Jint.Native;
using Jint.Native.Function;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace CodeActSdk.Jint;

/// <summary>One Jint engine serving one REPL-like session; executions run one at a time on a sandbox thread.</summary>
internal sealed class JintSession : IInterpreterSession
{
    /// <summary>The name the code's source goes by in Jint's error locations and stack traces.</summary>
    private const string StepSource = "step";

    /// <summary>The longest the state digest may take, getters included.</summary>
    private static readonly TimeSpan DigestTime = TimeSpan.FromMilliseconds(250);

    private JintSandbox? _sandbox;
    private readonly SandboxThreadPool _threads;
    private readonly SandboxFileSystem _files;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private volatile bool _disposed;

    public JintSession(JintSandbox sandbox, SandboxThreadPool threads, SandboxFileSystem files)
    {
        _sandbox = sandbox;
        _threads = threads;
        _files = files;
    }

    private JintSandbox Sandbox => _sandbox ?? throw new ObjectDisposedException(nameof(JintSession));

    public string Id { get; } = "jint-" + Guid.NewGuid().ToString("N")[..12];

    /// <inheritdoc />
    public ISessionFiles Files => _files;

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
                return Cancelled(started);
            }

            var result = await _threads.Run(() => Execute(code, cancellationToken)).ConfigureAwait(false);
            return result with { Duration = Stopwatch.GetElapsedTime(started) };
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Lists the top-level names the code declared (<c>var</c>, functions, <c>let</c>, <c>const</c>, <c>class</c>) in
    /// the order the steps declared them, then globals it created otherwise (an assignment to an undeclared name);
    /// built-ins, <c>console</c>, <c>final_answer</c>, <c>files</c> and the tools are left out, even when the code
    /// assigned to them. Previews run the code's getters on the sandbox thread, under the session's limits and a
    /// time budget of at most 250 ms for the whole digest; a value that cannot be shown in that budget, or whose getter
    /// throws, is described as "(cannot be shown: ...)". Nothing the getters do reaches the host: console output is
    /// dropped, and tools, <c>files</c> and <c>final_answer</c> throw.
    /// </remarks>
    public async ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var digest = await _threads.Run(() => Describe(cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return digest;
        }
        finally
        {
            _turn.Release();
        }
    }

    private IReadOnlyList<VariableSummary> Describe(CancellationToken cancellationToken)
    {
        var limits = Sandbox.Options;
        var time = limits.Timeout < DigestTime ? limits.Timeout : DigestTime;
        using var budget = new ExecutionBudget(limits with { Timeout = time }, cancellationToken);
        Sandbox.BeginDigest(budget, time, cancellationToken);
        try
        {
            return new JintStateDigest(Sandbox, budget).Describe();
        }
        finally
        {
            Sandbox.EndDigest();
        }
    }

    private ExecutionResult Execute(string code, CancellationToken cancellationToken)
    {
        var options = Sandbox.Options;
        using var budget = new ExecutionBudget(options, cancellationToken);
        Sandbox.Begin(budget, cancellationToken);
        try
        {
            if (SourceChecks.Refuse(code) is { } refusal)
            {
                return Failed(ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.SyntaxError, refusal));
            }

            Prepared<Script> script;
            try
            {
                script = Engine.PrepareScript(code, StepSource, options: PreparationOptions(options));
            }
            catch (ScriptPreparationException e)
            {
                return Failed(ExecutionStatus.SyntaxError, SyntaxError(code, e));
            }

            var declarations = ReplDeclarations.Of(script.Program!);
            if (Sandbox.Declarations.Conflict(declarations, Sandbox.IsCodeGlobal) is { } conflict)
            {
                return Failed(ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.SyntaxError, conflict));
            }

            JsValue value;
            try
            {
                value = Engine.Evaluate(script);
            }
            finally
            {
                // The step's bindings exist from the moment it started, even when it threw before initialising them.
                Sandbox.Declarations.Add(declarations);
            }

            if (value.IsPromise())
            {
                value = Settle(value);
            }

            // The last statement may have built its value after the last constraint check (a join, a repeat).
            budget.Charge(0);

            var converter = Sandbox.ValueConverter(options.MaxValueChars);
            var json = converter.ToJson(value, out var isUndefined);
            var stdout = Sandbox.Output.Drain();
            if (converter.Truncated)
            {
                stdout += $"\n[the value was truncated to about {options.MaxValueChars:N0} characters of JSON]";
            }

            return Result(ExecutionStatus.Completed, null, stdout, isUndefined ? null : Element(json));
        }
        catch (Exception e)
        {
            try
            {
                return Stopped(budget.Stop) ?? Failed(e, options, cancellationToken);
            }
            catch (Exception) when (budget.Stop is { } stop)
            {
                return Stopped(stop)!;
            }
            catch (Exception unreadable)
            {
                // Describing the failure ran the code's own proxy traps, and they failed in turn.
                return Failed(ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.Error,
                    $"The code threw a value that could not be read ({unreadable.GetType().Name}). Throw new Error(\"...\") to give a message."));
            }
        }
        finally
        {
            Sandbox.End();
        }
    }

    /// <summary>The failure of an execution that no limit stopped: the code's own error, or a fault in the engine.</summary>
    private ExecutionResult Failed(Exception exception, SandboxOptions options, CancellationToken cancellationToken) => exception switch
    {
        // What V8 reports too: a string past the engine's length limit is the code building too much, whatever the budget says.
        JavaScriptException { Error: JsError error } when PlainProperties.String(error, "name") == "RangeError" && PlainProperties.String(error, "message") == "Invalid string length" =>
            Failed(ExecutionStatus.MemoryLimit, new ExecutionError(ErrorKind.MemoryLimit,
                $"The code built a string longer than the interpreter allows, past its memory budget of {options.MemoryLimitBytes / (1024.0 * 1024):0.#} MiB. Work on smaller pieces of data, or avoid building huge strings.")),
        JavaScriptException e => Failed(ExecutionStatus.RuntimeError, RuntimeError(e.Error, e.Location)),
        PromiseRejectedException e => Failed(ExecutionStatus.RuntimeError, RuntimeError(e.RejectedValue, null)),
        JsonConversionException e => Failed(ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.ValueError, e.Message)),
        RegexMatchTimeoutException => Failed(ExecutionStatus.Timeout, new ExecutionError(ErrorKind.Timeout, ExecutionBudget.RegexTimeoutMessage(options.Timeout))),
        // Jint's deadline constraint: TimeoutException at the time limit, OperationCanceledException when the caller cancels.
        OperationCanceledException or ExecutionCanceledException when cancellationToken.IsCancellationRequested =>
            Failed(ExecutionStatus.Cancelled, new ExecutionError(ErrorKind.Cancelled, "The execution was cancelled by the host.")),
        TimeoutException or OperationCanceledException or ExecutionCanceledException => Failed(ExecutionStatus.Timeout, new ExecutionError(ErrorKind.Timeout,
            $"The code ran longer than its time limit of {options.Timeout.TotalSeconds:0.###} s. Look for an endless loop, or do less work per step.")),
        StatementsCountOverflowException => Failed(ExecutionStatus.Timeout, new ExecutionError(ErrorKind.OperationLimit,
            $"The code exceeded its budget of {options.MaxOperations:N0} operations (statements run, and elements visited by built-ins). Process less data per step or use a cheaper algorithm.")),
        RecursionDepthOverflowException => Failed(ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.RecursionLimit,
            $"Maximum call depth of {options.MaxRecursionDepth} exceeded. Use a loop instead of deep recursion.")),
        InsufficientExecutionStackException or StackOverflowException => Failed(ExecutionStatus.RuntimeError,
            new ExecutionError(ErrorKind.RecursionLimit, "The code nested too deeply (recursion or deeply nested data) and ran out of stack space. Use a loop or flatten the data.")),
        MemoryLimitExceededException or OutOfMemoryException or InsufficientMemoryException => Failed(ExecutionStatus.MemoryLimit, new ExecutionError(ErrorKind.MemoryLimit,
            $"The code tried to allocate more memory than the sandbox allows ({options.MemoryLimitBytes / (1024.0 * 1024):0.#} MiB). Work on smaller pieces of data, or avoid building huge strings and arrays.")),
        // A fault inside the engine (a Jint bug or an input it does not handle) is the code's failure, not the host's.
        _ => Failed(ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.InternalError,
            $"The interpreter failed on this code ({exception.GetType().Name}: {exception.Message}). Rewrite the code more simply.")),
    };

    /// <summary>
    /// Waits for the promise the step ended with (an async function's result, or a chain of then): its settled
    /// value is the step's value, its rejection the step's error. Nothing in the sandbox can settle a promise later
    /// (there are no timers or events), so one still pending once every queued job has run never will be.
    /// </summary>
    private JsValue Settle(JsValue promise)
    {
        JsValue? fulfilled = null, rejected = null;
        var onFulfilled = new ClrFunction(Engine, "", (_, arguments) => fulfilled = Argument(arguments));
        var onRejected = new ClrFunction(Engine, "", (_, arguments) => rejected = Argument(arguments));
        Engine.Call(promise.Get("then"), promise, [onFulfilled, onRejected]);
        Engine.Advanced.ProcessTasks();
        if (rejected is not null)
        {
            throw new PromiseRejectedException(rejected);
        }

        return fulfilled ?? throw Sandbox.Error("Error",
            "The step's last expression is a promise that never settles: nothing in this sandbox resolves it later (there are no timers, events or network). Await only tools, files and other promises that settle.");

        static JsValue Argument(JsValue[] arguments) => arguments.Length > 0 ? arguments[0] : JsValue.Undefined;
    }

    private static ScriptPreparationOptions PreparationOptions(SandboxOptions options) => new()
    {
        ParsingOptions = ScriptParsingOptions.Default with { RegexTimeout = options.Timeout },
    };

    private Engine Engine => Sandbox.Engine;

    /// <summary>The result of an execution a limit or <c>final_answer</c> stopped, or <see langword="null"/> when none did.</summary>
    private ExecutionResult? Stopped(SandboxStopException? stop)
    {
        if (stop is null)
        {
            return null;
        }

        if (stop.Status == ExecutionStatus.Completed && Sandbox.HasFinalAnswer)
        {
            var stdout = Sandbox.Output.Drain();
            if (Sandbox.FinalAnswerTruncated)
            {
                stdout += $"\n[the final answer was truncated to about {Sandbox.Options.MaxValueChars:N0} characters of JSON]";
            }

            return Result(ExecutionStatus.Completed, null, stdout, null) with { FinalAnswer = Element(Sandbox.FinalAnswer) };
        }

        return Failed(stop.Status, stop.Error);
    }

    private ExecutionResult Failed(ExecutionStatus status, ExecutionError? error) =>
        Result(status, error, Sandbox.Output.Drain(), null);

    private ExecutionResult Result(ExecutionStatus status, ExecutionError? error, string stdout, JsonElement? value) => new()
    {
        Status = status,
        Error = error,
        Stdout = stdout,
        Value = value,
        ToolCalls = [.. Sandbox.ToolCalls],
        Artifacts = _files.TakeChangedArtifacts(),
    };

    private static ExecutionResult Cancelled(long started) => new()
    {
        Status = ExecutionStatus.Cancelled,
        Error = new ExecutionError(ErrorKind.Cancelled, "The execution was cancelled by the host before it started."),
        Duration = Stopwatch.GetElapsedTime(started),
    };

    /// <summary>Values are written as JSON.stringify writes them: <c>+</c>, <c>&lt;</c> and quotes stay as they are, not \u escapes.</summary>
    private static readonly JsonSerializerOptions AsWritten = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonElement Element(JsonNode? node) => JsonSerializer.SerializeToElement(node, AsWritten);

    private static ExecutionError SyntaxError(string code, ScriptPreparationException e)
    {
        var parse = e.InnerException as ParseErrorException;
        var message = parse?.Error.Description ?? e.Message;
        var hints = SourceChecks.Hints(code, message).ToArray();
        if (hints.Length > 0)
        {
            message += ". " + string.Join("; ", hints) + ".";
        }

        return new ExecutionError(ErrorKind.SyntaxError, message,
            parse?.LineNumber > 0 ? parse.LineNumber : null, parse?.Column > 0 ? parse.Column : null);
    }

    private ExecutionError RuntimeError(JsValue thrown, in SourceLocation location)
    {
        string kind, message;
        if (thrown is JsError error)
        {
            // Read without running getters: the error may be the code's own hostile object, and no limit guards this.
            kind = PlainProperties.String(error, "name") ?? ErrorKind.Error.Value;
            message = PlainProperties.String(error, "message") ?? "";
        }
        else
        {
            kind = ErrorKind.Uncaught.Value;
            message = "The code threw a value that is not an Error: " + SafeDisplay(thrown) + ". Throw new Error(\"...\") to give a message.";
        }

        if (message.Length == 0)
        {
            message = $"{kind} (the error has no message).";
        }

        return location.Start.Line > 0
            ? new ExecutionError(new ErrorKind(kind), message, location.Start.Line, location.Start.Column + 1)
            : new ExecutionError(new ErrorKind(kind), message);
    }

    private ExecutionError RuntimeError(JsValue thrown, SourceLocation? location) => RuntimeError(thrown, location ?? default);

    private string SafeDisplay(JsValue value)
    {
        // Formatting may run the code's own toJSON or getters, which may throw or hit a limit in turn.
        try
        {
            var text = Sandbox.ValueConverter(200).Display(value);
            return text.Length > 200 ? text[..200] + "…" : text;
        }
        catch (Exception)
        {
            return "(a value that could not be displayed)";
        }
    }


    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        // Wait for a running execution to finish, then let go of the engine so that its memory is reclaimed even
        // if the caller keeps this object.
        _disposed = true;
        await _turn.WaitAsync().ConfigureAwait(false);
        _sandbox = null;
        _turn.Release();
    }
}
