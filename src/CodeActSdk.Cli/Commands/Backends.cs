using CodeActSdk.Isolation;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;

namespace CodeActSdk.Cli.Commands;

/// <summary>The sandboxes <c>--backend</c> can name, and how the CLI creates each.</summary>
internal static class Backends
{
    public const string Jint = "jint";
    public const string V8 = "v8";
    public const string CSharp = "csharp";

    public static readonly string[] Available = [Jint, V8, CSharp];

    /// <summary>
    /// Creates the interpreter called <paramref name="name"/> for sessions with <paramref name="isolation"/>: the
    /// backend itself, or for <see cref="SandboxIsolation.Process"/> the backend wrapped so that each session runs in a
    /// worker process. Dispose the result.
    /// </summary>
    /// <exception cref="UsageException">The backend cannot run on this machine, or the worker is missing; the message says how to fix it.</exception>
    public static OpenBackend Open(string name, bool oneShot, SandboxIsolation isolation)
    {
        if (isolation != SandboxIsolation.Process)
        {
            return new OpenBackend(Create(name, oneShot), null, null);
        }

        // In a worker the backend object here only names the language and documents the tools, so it needs no warm
        // engines of its own.
        var backend = Create(name, oneShot: true);
        var launcher = new WorkerLauncher();
        if (!File.Exists(launcher.WorkerPath))
        {
            (backend as IDisposable)?.Dispose();
            throw new UsageException($"--isolation process needs the worker, which is not at '{launcher.WorkerPath}'; reinstall codeact or build the CodeActSdk.Worker project next to it.");
        }

        // A one-shot command starts exactly one worker; a spare started in the background would be killed unused.
        var pool = new WorkerPool(new WorkerPoolOptions { Size = oneShot ? 0 : 1, Launcher = launcher });
        return new OpenBackend(new IsolatedInterpreter(backend, pool), backend, pool);
    }

    /// <summary>
    /// Creates the interpreter called <paramref name="name"/>. <paramref name="oneShot"/> skips the warm pool, which
    /// only pays off when sessions are created again and again. Dispose the result (every backend is disposable).
    /// </summary>
    /// <exception cref="UsageException">The backend cannot run on this machine; the message says how to fix it.</exception>
    public static ICodeInterpreter Create(string name, bool oneShot) => Create(name, oneShot, oneShot ? 1 : 4, csharpMaxSourceChars: null);

    /// <summary>
    /// Creates the interpreter called <paramref name="name"/> for a server that runs up to
    /// <paramref name="maxConcurrentExecutions"/> executions at once (the server limits them; the backend then never
    /// makes one wait). C# accepts code of up to 200,000 UTF-16 code units, as Jint does, so that a server-wide limit
    /// in characters holds for every backend.
    /// </summary>
    /// <exception cref="UsageException">The backend cannot run on this machine; the message says how to fix it.</exception>
    public static ICodeInterpreter Create(string name, bool oneShot, int maxConcurrentExecutions) => Create(name, oneShot, maxConcurrentExecutions, csharpMaxSourceChars: 200_000);

    private static ICodeInterpreter Create(string name, bool oneShot, int maxConcurrentExecutions, int? csharpMaxSourceChars) => name switch
    {
        Jint => new JintInterpreter(new JintInterpreterOptions { WarmEngines = oneShot ? 0 : 1, MaxConcurrentExecutions = maxConcurrentExecutions }),
        V8 when !V8Interpreter.IsAvailable(out var reason) => throw new UsageException(reason ?? "The v8 backend is not available on this machine."),
        V8 => new V8Interpreter(new V8InterpreterOptions { WarmIsolates = oneShot ? 0 : 1, MaxConcurrentExecutions = maxConcurrentExecutions }),
        CSharp => new RoslynInterpreter(csharpMaxSourceChars is { } chars
            ? new RoslynInterpreterOptions { MaxConcurrentExecutions = maxConcurrentExecutions, MaxSourceChars = chars }
            : new RoslynInterpreterOptions { MaxConcurrentExecutions = maxConcurrentExecutions }),
        _ => throw new UsageException($"Unknown backend '{name}'; use one of {string.Join(", ", Available)}."),
    };
}

/// <summary>An interpreter made by <see cref="Backends.Open"/>, with the backend and worker pool it owns.</summary>
internal sealed class OpenBackend(ICodeInterpreter interpreter, ICodeInterpreter? wrapped, WorkerPool? pool) : IAsyncDisposable
{
    /// <summary>The interpreter to create sessions with.</summary>
    public ICodeInterpreter Interpreter { get; } = interpreter;

    /// <summary>Whether each session runs in a worker process.</summary>
    public bool IsIsolated => pool is not null;

    /// <summary>
    /// The worker protections this machine cannot apply, one sentence each, ending with those that remain; empty in
    /// process or when every protection is applied.
    /// </summary>
    public IReadOnlyList<string> UnavailableProtections => pool?.Options.Launcher.Unavailable ?? [];

    /// <summary>The protections each worker gets, in words; empty in process.</summary>
    public IReadOnlyList<string> AppliedProtections => pool?.Options.Launcher.Applied ?? [];

    /// <summary>Stops the workers, then disposes the backend.</summary>
    public async ValueTask DisposeAsync()
    {
        if (pool is not null)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }

        if ((wrapped ?? Interpreter) is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }
}
