using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation;

/// <summary>
/// Gives any backend the <see cref="SandboxIsolation.Process"/> option: a session whose options ask for it lives in a
/// worker process of its own (see <see cref="IsolatedSession"/>); any other session is the wrapped interpreter's own.
/// The language and the tool documentation are the wrapped interpreter's, so the model sees no difference.
/// </summary>
/// <remarks>
/// A decorator rather than a check inside each backend: the backends stay free of processes and pipes, and the
/// worker runs the very same in-process backend. What the worker needs to know about the backend it asks the wrapped
/// interpreter through <see cref="ICodeInterpreter.GetService"/>: its <see cref="WorkerBackend"/> (name, interpreter
/// type, time allowance). The worker builds the backend with its default settings, so a wrapped interpreter whose
/// settings change what code may do (a C# API policy, V8's WebAssembly) says so there and is refused at construction
/// rather than silently changed. Thread-safe, as its pool is.
/// </remarks>
public sealed class IsolatedInterpreter : ICodeInterpreter, IAsyncDisposable, IDisposable
{
    private readonly ICodeInterpreter _inProcess;
    private readonly WorkerPool _pool;
    private readonly bool _ownsPool;

    /// <summary>Wraps <paramref name="inProcess"/>.</summary>
    /// <param name="inProcess">The backend, for example <c>JintInterpreter</c>, <c>V8Interpreter</c> or <c>RoslynInterpreter</c>, or a decorator over one.</param>
    /// <param name="pool">The workers to take from; by default the interpreter makes its own and disposes it with itself.</param>
    /// <param name="backend">How the worker runs the backend; by default what <paramref name="inProcess"/> returns from <c>GetService(typeof(WorkerBackend))</c>.</param>
    /// <exception cref="ArgumentException">
    /// The interpreter does not say how a worker runs it (it returns no <see cref="WorkerBackend"/>), or it has a
    /// setting the worker cannot honour (the message names it).
    /// </exception>
    public IsolatedInterpreter(ICodeInterpreter inProcess, WorkerPool? pool = null, WorkerBackend? backend = null)
        : this(inProcess, WorkerOf(inProcess, backend), pool, ownsPool: pool is null)
    {
    }

    /// <summary>Wraps <paramref name="inProcess"/>, disposing <paramref name="pool"/> with itself when <paramref name="ownsPool"/>.</summary>
    internal IsolatedInterpreter(ICodeInterpreter inProcess, WorkerPool pool, WorkerBackend? backend, bool ownsPool)
        : this(inProcess, WorkerOf(inProcess, backend), pool, ownsPool)
    {
    }

    // The backend is checked before the pool is made, so that a refused interpreter leaves no pool behind.
    private IsolatedInterpreter(ICodeInterpreter inProcess, WorkerBackend worker, WorkerPool? pool, bool ownsPool)
    {
        _inProcess = inProcess;
        Worker = worker;
        _ownsPool = ownsPool;
        _pool = pool ?? new WorkerPool();
    }

    /// <summary>The worker's name of the backend (<see cref="WorkerBackend.Name"/>).</summary>
    public string Backend => Worker.Name;

    /// <summary>How the worker runs the backend.</summary>
    public WorkerBackend Worker { get; }

    /// <inheritdoc />
    public CodeLanguage Language => _inProcess.Language;

    /// <inheritdoc />
    public string DescribeTools(IReadOnlyList<AIFunction> tools) => _inProcess.DescribeTools(tools);

    /// <summary>Returns this interpreter when it is of the asked type (and no key is given), else what the wrapped interpreter returns.</summary>
    /// <param name="serviceType">The type of object asked for.</param>
    /// <param name="serviceKey">An optional key that narrows the request.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _inProcess.GetService(serviceType, serviceKey);
    }

    /// <summary>Starts workers for this backend in the background, so that the first isolated sessions start at once.</summary>
    public void Warm() => _pool.Warm(Worker);

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
        return await IsolatedSession.CreateAsync(_pool, Worker, Worker.TimeAllowance, options, cancellationToken).ConfigureAwait(false);
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

    private static WorkerBackend WorkerOf(ICodeInterpreter inProcess, WorkerBackend? backend)
    {
        ArgumentNullException.ThrowIfNull(inProcess);
        var worker = backend ?? inProcess.GetService<WorkerBackend>() ?? throw new ArgumentException(
            $"The interpreter {inProcess.GetType().FullName} does not say how a worker process runs it: its GetService(typeof(WorkerBackend)) returns null. " +
            "Return a WorkerBackend from it, or pass one to IsolatedInterpreter.",
            nameof(inProcess));
        if (worker.NotIsolatableReason is { } reason)
        {
            throw new ArgumentException(
                $"Process isolation runs the backend with its default settings, which this interpreter does not have: {reason} " +
                "Use the default for that setting with process isolation, or keep this interpreter in process.",
                nameof(inProcess));
        }

        return worker;
    }
}

/// <summary>Wraps interpreters for process isolation.</summary>
public static class IsolationExtensions
{
    /// <summary>Gives <paramref name="interpreter"/> the <see cref="SandboxIsolation.Process"/> option (see <see cref="IsolatedInterpreter"/>).</summary>
    public static IsolatedInterpreter WithProcessIsolation(this ICodeInterpreter interpreter, WorkerPool? pool = null) => new(interpreter, pool);
}
