using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation;

/// <summary>
/// Gives any backend the <see cref="SandboxIsolation.Process"/> option: a session whose options ask for it lives in a
/// worker process of its own (see <see cref="IsolatedSession"/>); any other session is the wrapped interpreter's own.
/// The language and the tool documentation are the wrapped interpreter's, so the model sees no difference.
/// </summary>
/// <remarks>
/// A decorator rather than a check inside each backend: the backends stay free of processes and pipes, and the
/// worker runs the very same in-process backend. The worker builds the backend with its default settings, so settings
/// of the wrapped interpreter that change what code may do (a C# API policy, V8's WebAssembly) are refused at
/// construction rather than silently dropped.
/// </remarks>
public sealed class IsolatedInterpreter : ICodeInterpreter, IAsyncDisposable, IDisposable
{
    private readonly ICodeInterpreter _inProcess;
    private readonly WorkerPool _pool;
    private readonly bool _ownsPool;

    /// <summary>Wraps <paramref name="inProcess"/>.</summary>
    /// <param name="inProcess">The backend: <c>JintInterpreter</c>, <c>V8Interpreter</c> or <c>RoslynInterpreter</c>.</param>
    /// <param name="pool">The workers to take from; by default the interpreter makes its own and disposes it with itself.</param>
    /// <param name="backend">The worker's name of the backend (<c>jint</c>, <c>v8</c>, <c>csharp</c>); by default inferred from the interpreter's type.</param>
    /// <exception cref="ArgumentException">
    /// The backend cannot be inferred (pass its name), or the interpreter has a setting the worker cannot honour (the
    /// message names it).
    /// </exception>
    public IsolatedInterpreter(ICodeInterpreter inProcess, WorkerPool? pool = null, string? backend = null)
    {
        ArgumentNullException.ThrowIfNull(inProcess);
        _inProcess = inProcess;
        Backend = backend ?? BackendOf(inProcess);
        RefuseSettingsTheWorkerCannotHonour(inProcess);
        CompileAllowance = Backend == "csharp" ? new RoslynInterpreterOptions().MaxCompileTime + TimeSpan.FromSeconds(2) : TimeSpan.Zero;
        _ownsPool = pool is null;
        _pool = pool ?? new WorkerPool();
    }

    /// <summary>The worker's name of the backend.</summary>
    public string Backend { get; }

    /// <inheritdoc />
    public CodeLanguage Language => _inProcess.Language;

    /// <inheritdoc />
    public string DescribeTools(IReadOnlyList<AIFunction> tools) => _inProcess.DescribeTools(tools);

    /// <summary>Starts workers for this backend in the background, so that the first isolated sessions start at once.</summary>
    public void Warm() => _pool.Warm(Backend);

    /// <inheritdoc />
    /// <exception cref="FileNotFoundException">Isolation was asked for and the worker is missing; the message says what to reference.</exception>
    /// <exception cref="WorkerStartException">The worker ended before it was ready or was not ready within <see cref="WorkerPoolOptions.StartTimeout"/>.</exception>
    public async ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Isolation != SandboxIsolation.Process)
        {
            return await _inProcess.CreateSessionAsync(options, cancellationToken).ConfigureAwait(false);
        }

        options.Validate();
        return await IsolatedSession.CreateAsync(_pool, Backend, CompileAllowance, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the pool if this interpreter made it (not the wrapped interpreter, which the caller owns).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsPool)
        {
            await _pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the pool if this interpreter made it, waiting for its workers to stop; prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        if (_ownsPool)
        {
            _pool.Dispose();
        }
    }

    /// <summary>
    /// How long the backend's sessions may take beyond <see cref="SandboxOptions.Timeout"/> before they answer by
    /// themselves: C# compiles outside its time limit, for up to <c>MaxCompileTime</c>, and then waits a further 2 s
    /// for code stuck in a library call before it answers Timeout itself. The host's hard deadline comes after that,
    /// so that a slow compile is the backend's own result rather than a killed worker.
    /// </summary>
    private TimeSpan CompileAllowance { get; }

    private static string BackendOf(ICodeInterpreter interpreter) => interpreter switch
    {
        JintInterpreter => "jint",
        V8Interpreter => "v8",
        RoslynInterpreter => "csharp",
        _ => throw new ArgumentException(
            $"The worker does not know the interpreter {interpreter.GetType().FullName}; pass the backend's name (jint, v8 or csharp).", nameof(interpreter)),
    };

    /// <summary>
    /// The worker builds its backend with the default settings, so a wrapped interpreter whose settings change what
    /// code may do would behave differently in a worker; a custom C# policy might even be stricter than the worker's.
    /// Such settings are refused rather than dropped. Settings of the interpreter's own pools (warm engines, concurrent
    /// executions) do not matter in a worker that serves one session, and are allowed.
    /// </summary>
    private static void RefuseSettingsTheWorkerCannotHonour(ICodeInterpreter interpreter)
    {
        var defaults = new RoslynInterpreterOptions();
        var setting = interpreter switch
        {
            V8Interpreter { Options.AllowWebAssembly: true } => "V8InterpreterOptions.AllowWebAssembly",
            RoslynInterpreter r when !ReferenceEquals(r.Options.Policy, defaults.Policy) => "RoslynInterpreterOptions.Policy (a policy other than CSharpApiPolicy.Default)",
            RoslynInterpreter r when r.Options.MaxCompileTime != defaults.MaxCompileTime => "RoslynInterpreterOptions.MaxCompileTime",
            RoslynInterpreter r when r.Options.MaxSourceChars != defaults.MaxSourceChars => "RoslynInterpreterOptions.MaxSourceChars",
            _ => null,
        };
        if (setting is not null)
        {
            throw new ArgumentException(
                $"Process isolation runs the backend with its default settings, and {setting} is not the default: the code would run under other rules in the worker than in the host. " +
                "Use the default for that setting with process isolation, or keep this interpreter in process.",
                nameof(interpreter));
        }
    }
}

/// <summary>Wraps interpreters for process isolation.</summary>
public static class IsolationExtensions
{
    /// <summary>Gives <paramref name="interpreter"/> the <see cref="SandboxIsolation.Process"/> option (see <see cref="IsolatedInterpreter"/>).</summary>
    public static IsolatedInterpreter WithProcessIsolation(this ICodeInterpreter interpreter, WorkerPool? pool = null) => new(interpreter, pool);
}
