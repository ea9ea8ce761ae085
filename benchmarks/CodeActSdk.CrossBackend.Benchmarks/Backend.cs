using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;

namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>One of CodeActSdk's backends as the harness drives it: how to create its interpreter and its sources.</summary>
/// <param name="Name">The short name used in the tables (<c>jint</c>, <c>v8</c>, <c>csharp</c>).</param>
/// <param name="Create">Creates an interpreter; the argument says whether its warm pool is on (with its default size) or off.</param>
/// <param name="Source">The source of a workload in the backend's language.</param>
internal sealed record Backend(string Name, Func<bool, ICodeInterpreter> Create, Func<Workload, string> Source)
{
    /// <summary>Names of every backend, in table order, whether or not it runs here.</summary>
    public static readonly IReadOnlyList<string> AllNames = ["jint", "v8", "csharp"];

    /// <summary>The backends that run on this machine; for each one that does not, prints one line saying why.</summary>
    public static IReadOnlyList<Backend> Available()
    {
        var backends = new List<Backend>
        {
            new("jint", pool => new JintInterpreter(pool ? new JintInterpreterOptions() : new JintInterpreterOptions { WarmEngines = 0 }), Workloads.JavaScript),
        };

        if (V8Interpreter.IsAvailable(out var reason))
        {
            backends.Add(new("v8", pool => new V8Interpreter(pool ? new V8InterpreterOptions() : new V8InterpreterOptions { WarmIsolates = 0 }), Workloads.JavaScript));
        }
        else
        {
            Console.WriteLine($"v8: skipped, {reason}");
        }

        // The C# backend keeps no pool of its own: a session is created on demand in any case.
        backends.Add(new("csharp", _ => new RoslynInterpreter(), Workloads.CSharp));
        return backends;
    }

    /// <summary>Creates an interpreter that is disposed with the returned scope.</summary>
    public InterpreterScope Open(bool warmPool) => new(Create(warmPool));
}

/// <summary>An interpreter owned by the harness for one measurement; disposing the scope disposes the interpreter.</summary>
/// <param name="interpreter">The interpreter, which every backend makes disposable.</param>
internal sealed class InterpreterScope(ICodeInterpreter interpreter) : IDisposable
{
    /// <summary>The interpreter.</summary>
    public ICodeInterpreter Interpreter { get; } = interpreter;

    /// <inheritdoc />
    public void Dispose() => (Interpreter as IDisposable)?.Dispose();
}
