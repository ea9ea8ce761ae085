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
    /// Creates the interpreter called <paramref name="name"/>. <paramref name="oneShot"/> skips the warm pool, which
    /// only pays off when sessions are created again and again. Dispose the result (every backend is disposable).
    /// </summary>
    /// <exception cref="UsageException">The backend cannot run on this machine; the message says how to fix it.</exception>
    public static ICodeInterpreter Create(string name, bool oneShot) => name switch
    {
        Jint => new JintInterpreter(new JintInterpreterOptions { WarmEngines = oneShot ? 0 : 1, MaxConcurrentExecutions = oneShot ? 1 : 4 }),
        V8 when !V8Interpreter.IsAvailable(out var reason) => throw new UsageException(reason ?? "The v8 backend is not available on this machine."),
        V8 => new V8Interpreter(new V8InterpreterOptions { WarmIsolates = oneShot ? 0 : 1, MaxConcurrentExecutions = oneShot ? 1 : 4 }),
        CSharp => new RoslynInterpreter(new RoslynInterpreterOptions { MaxConcurrentExecutions = oneShot ? 1 : 4 }),
        _ => throw new UsageException($"Unknown backend '{name}'; use one of {string.Join(", ", Available)}."),
    };
}
