using CodeActSdk.Isolation.Worker;

// The protocol owns stdout: anything else that writes to Console.Out would corrupt it, so that goes to stderr,
// which the host keeps as diagnostics (its last lines explain a crash).
var protocolOut = Console.OpenStandardOutput();
Console.SetOut(Console.Error);

// The host names its backend by type and by the assembly it loaded it from; the worker references no backend.
var warmBackend = WorkerBackendReference.FromArguments(args);

// Taken before anything else, so that code that fills the heap leaves the worker room to say so.
using var reserve = new MemoryReserve();
var loop = new WorkerLoop(BackendLoader.Create, reserve);
await loop.RunAsync(Console.OpenStandardInput(), protocolOut, warmBackend);
return 0;

/// <summary>The worker process's entry point (top-level statements).</summary>
public partial class Program;
