using System.Text.RegularExpressions;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using Jint;
using Jint.Native;
using Jint.Parser;
using Jint.Runtime;

namespace CodeActSdk.Jint;

/// <summary>One Jint engine serving one REPL-like session; executions run one at a time on a sandbox thread.</summary>
internal sealed class JintSession : IInterpreterSession
{
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
    /// Lists the global variables and functions the code created (ES5.1 has no <c>let</c>, <c>const</c> or
    /// <c>class</c>, so every top-level declaration is a property of the global object), in the order they were
    /// created; built-ins, <c>console</c>, <c>final_answer</c>, <c>files</c> and the tools are left out, even when the code
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
        var options = limits with { Timeout = limits.Timeout < DigestTime ? limits.Timeout : DigestTime };
        using var budget = new ExecutionBudget(options, cancellationToken);
        Sandbox.Engine.ResetCallStack();
        Sandbox.BeginDigest(budget);
        try
        {
            return new JintStateDigest(Sandbox, budget).Describe();
        }
        finally
        {
            Sandbox.EndDigest();
            RestoreGlobalScope();
        }
    }

    private ExecutionResult Execute(string code, CancellationToken cancellationToken)
    {
        var options = Sandbox.Options;
        using var budget = new ExecutionBudget(options, cancellationToken);
        Sandbox.Begin(budget);
        try
        {
            if (SourceChecks.Refuse(code) is { } refusal)
            {
                return Failed(ExecutionStatus.SyntaxError, new ExecutionError("SyntaxError", refusal));
            }

            global::Jint.Parser.Ast.Program program;
            try
            {
                program = new JavaScriptParser().Parse(code, new ParserOptions { Tolerant = false });
            }
            catch (ParserException e)
            {
                return Failed(ExecutionStatus.SyntaxError, SyntaxError(code, e));
            }

            new GuardInjector(Sandbox.Guard).Inject(program);
            var completion = Run(program);
            if (completion.Type == Completion.Throw)
            {
                return Failed(ExecutionStatus.RuntimeError, RuntimeError(completion.GetValueOrDefault(), completion.Location));
            }

            var converter = Sandbox.ValueConverter(options.MaxValueChars);
            var value = converter.ToJson(completion.GetValueOrDefault(), out var isUndefined);
            var stdout = Sandbox.Output.Drain();
            if (converter.Truncated)
            {
                stdout += $"\n[the value was truncated to about {options.MaxValueChars:N0} characters of JSON]";
            }

            return Result(ExecutionStatus.Completed, null, stdout, isUndefined ? null : Element(value));
        }
        catch (SandboxStopException stop)
        {
            return Stopped(stop.Status, stop.Error);
        }
        catch (JavaScriptException e)
        {
            return Failed(ExecutionStatus.RuntimeError, RuntimeError(e.Error, e.Location));
        }
        catch (RegexMatchTimeoutException)
        {
            return Stopped(ExecutionStatus.Timeout, new ExecutionError("Timeout",
                ExecutionBudget.RegexTimeoutMessage(options.Timeout)));
        }
        catch (RecursionDepthOverflowException e)
        {
            return Stopped(ExecutionStatus.RuntimeError, new ExecutionError("RecursionLimit",
                $"Maximum call depth of {options.MaxRecursionDepth} exceeded (in {e.CallExpressionReference}). Use a loop instead of deep recursion.", Line(), Column()));
        }
        catch (JsonConversionException e)
        {
            return Failed(ExecutionStatus.RuntimeError, new ExecutionError("ValueError", e.Message, Line(), Column()));
        }
        catch (Exception e) when (e is OutOfMemoryException or InsufficientMemoryException)
        {
            return Stopped(ExecutionStatus.MemoryLimit, new ExecutionError("MemoryLimit",
                $"The code tried to allocate more memory than the sandbox allows ({options.MemoryLimitBytes / (1024.0 * 1024):0.#} MiB)."));
        }
        catch (Exception e) when (e is InsufficientExecutionStackException)
        {
            return Stopped(ExecutionStatus.RuntimeError, new ExecutionError("RecursionLimit", "The code nested too deeply and ran out of stack space."));
        }
        catch (Exception e)
        {
            // A fault inside the engine (a Jint bug or an input it does not handle) is the code's failure, not the host's.
            return Failed(ExecutionStatus.RuntimeError, new ExecutionError("InternalError",
                $"The interpreter failed on this code ({e.GetType().Name}: {e.Message}). Rewrite the code more simply.", Line(), Column()));
        }
        finally
        {
            Sandbox.End();
            RestoreGlobalScope();
        }
    }

    private ExecutionResult Stopped(ExecutionStatus status, ExecutionError? error)
    {
        if (status == ExecutionStatus.Completed && Sandbox.HasFinalAnswer)
        {
            var stdout = Sandbox.Output.Drain();
            if (Sandbox.FinalAnswerTruncated)
            {
                stdout += $"\n[the final answer was truncated to about {Sandbox.Options.MaxValueChars:N0} characters of JSON]";
            }

            return Result(ExecutionStatus.Completed, null, stdout, null) with { FinalAnswer = Element(Sandbox.FinalAnswer) };
        }

        return Failed(status, error is null ? null : error with { Line = error.Line ?? Line(), Column = error.Column ?? Column() });
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
        Error = new ExecutionError("Cancelled", "The execution was cancelled by the host before it started."),
        Duration = Stopwatch.GetElapsedTime(started),
    };

    private static JsonElement Element(JsonNode? node) => JsonSerializer.SerializeToElement(node);

    private static ExecutionError SyntaxError(string code, ParserException e)
    {
        var message = e.Description ?? e.Message;
        var hints = SourceChecks.Es5Hints(code).ToArray();
        if (hints.Length > 0)
        {
            message += ". This sandbox runs ECMAScript 5.1: " + string.Join("; ", hints) + ".";
        }

        return new ExecutionError("SyntaxError", message, e.LineNumber > 0 ? e.LineNumber : null, e.Column > 0 ? e.Column : null);
    }

    /// <summary>
    /// Runs a parsed program the way Engine.Execute does, but returns the completion instead of converting a throw
    /// into an exception: Jint 2 loses the thrown value when it is an object without a string <c>message</c>. The
    /// statements run one by one so that declarations leave the program's value alone, as ECMAScript says (Jint 2 would
    /// let a trailing <c>var x = 1;</c> erase the value of the statement before it).
    /// </summary>
    private Completion Run(global::Jint.Parser.Ast.Program program)
    {
        var engine = Sandbox.Engine;
        engine.ResetCallStack();
        using (new StrictModeScope(program.Strict))
        {
            engine.DeclarationBindingInstantiation(DeclarationBindingType.GlobalCode, program.FunctionDeclarations, program.VariableDeclarations, null, null);
            var result = new Completion(Completion.Normal, null, null);
            foreach (var statement in program.Body)
            {
                Completion completion;
                try
                {
                    completion = engine.ExecuteStatement(statement);
                }
                catch (JavaScriptException e)
                {
                    // What Jint's own statement list does: a throw from inside a call becomes the program's completion.
                    completion = new Completion(Completion.Throw, e.Error, null) { Location = e.Location ?? statement.Location };
                }

                if (completion.Type != Completion.Normal)
                {
                    completion.Location ??= statement.Location;
                    return completion;
                }

                if (statement is not (global::Jint.Parser.Ast.VariableDeclaration or global::Jint.Parser.Ast.FunctionDeclaration or global::Jint.Parser.Ast.EmptyStatement))
                {
                    result = completion;
                }
            }

            return result;
        }
    }

    private ExecutionError RuntimeError(JsValue thrown, global::Jint.Parser.Location? location)
    {
        string kind, message;
        if (thrown.IsObject() && thrown.AsObject().Class == "Error")
        {
            var error = thrown.AsObject();
            kind = SafeString(error.Get("name"), "Error");
            message = SafeString(error.Get("message"), "");
        }
        else
        {
            kind = "Uncaught";
            message = "The code threw a value that is not an Error: " + SafeDisplay(thrown) + ". Throw new Error(\"...\") to give a message.";
        }

        if (message.Length == 0)
        {
            // Jint 2 raises some errors without a message; the commonest is using undefined or null as an object.
            message = kind == "TypeError"
                ? "A value is undefined or null, or not a function, where the code uses it as an object or calls it (for example reading undefined.x). Check the values used on this line."
                : $"{kind} (Jint gave no message).";
        }

        return location is { Start.Line: > 0 } at
            ? new ExecutionError(kind, message, at.Start.Line, at.Start.Column + 1)
            : new ExecutionError(kind, message, Line(), Column());
    }

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

    private static string SafeString(JsValue value, string fallback) =>
        value.IsString() ? value.AsString() : value.IsUndefined() ? fallback : TypeConverter.ToString(value.IsObject() ? JsValue.Undefined : value);

    private int? Line() => Sandbox.Engine.GetLastSyntaxNode()?.Location?.Start.Line;

    private int? Column() => Sandbox.Engine.GetLastSyntaxNode()?.Location?.Start.Column + 1;

    /// <summary>
    /// A stop raised inside a top-level catch block leaves Jint's global context pointing at the catch scope;
    /// put it back so that the next execution defines its variables globally.
    /// </summary>
    private void RestoreGlobalScope()
    {
        var engine = Sandbox.Engine;
        while (engine.ExecutionContext.VariableEnvironment != engine.GlobalEnvironment)
        {
            engine.LeaveExecutionContext();
        }

        engine.ExecutionContext.LexicalEnvironment = engine.GlobalEnvironment;
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
