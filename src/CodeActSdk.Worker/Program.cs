using CodeActSdk;
using CodeActSdk.Isolation.Worker;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;

// The protocol owns stdout: anything else that writes to Console.Out would corrupt it, so that goes to stderr,
// which the host keeps as diagnostics (its last lines explain a crash).
var protocolOut = Console.OpenStandardOutput();
Console.SetOut(Console.Error);

string? warmBackend = null;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--backend")
    {
        warmBackend = args[i + 1];
    }
}

// Taken before anything else, so that code that fills the heap leaves the worker room to say so.
using var reserve = new MemoryReserve();
var loop = new WorkerLoop(backend => backend switch
{
    "jint" => new JintInterpreter(),
    "v8" => new V8Interpreter(),
    "csharp" => new RoslynInterpreter(),
    _ => throw new ArgumentException($"Unknown backend '{backend}': use jint, v8 or csharp.", nameof(backend)),
}, reserve);
await loop.RunAsync(Console.OpenStandardInput(), protocolOut, warmBackend);
return 0;

/// <summary>The worker process's entry point (top-level statements).</summary>
public partial class Program;
