using CodeActSdk.Preview;
using CodeActSdk.Files;
using CodeActSdk.V8.Interop;
using CodeActSdk.Sandboxing;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using CodeActSdk.Tools;
using Microsoft.Extensions.AI;

namespace CodeActSdk.V8;

/// <summary>
/// Runs JavaScript in V8 (14.7, through Microsoft.ClearScript.V8 7.5.1.1), inside the host process. Each session is
/// its own V8 runtime (isolate) with one bare ECMAScript global scope: the code reaches
/// only the standard built-ins, <c>console</c>, <c>final_answer</c>, <c>files</c> (the session's virtual file
/// system) and the tools bridged in (no <c>require</c>,
/// <c>process</c>, <c>Buffer</c>, <c>fetch</c>, timers, <c>SharedArrayBuffer</c>, <c>Atomics</c>, and no
/// <c>WebAssembly</c> unless <see cref="V8InterpreterOptions.AllowWebAssembly"/>). The code is stopped at the time
/// limit (ClearScript's interrupt), the memory limit (ClearScript's heap monitor and array-buffer limit, see
/// docs/security.md) and the stack limit (a RangeError reported as RecursionLimit).
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe: create one interpreter and share it. It owns the threads that run sandboxed code and a small pool
/// of runtimes created ahead of time; dispose it to release them. Sessions may be used from any thread, one call
/// at a time each; many sessions run in parallel.
/// </para>
/// <para>
/// REPL semantics: each execution is compiled as a classic script in the session's one context, so top-level
/// <c>var</c>, function, <c>let</c>, <c>const</c> and <c>class</c> declarations and globals all persist into the
/// next executions. As in a browser, a <c>let</c>/<c>const</c>/<c>class</c> name cannot be declared again by a later
/// execution (a <see cref="ExecutionStatus.SyntaxError"/> that says to assign instead). There is no top-level
/// <c>await</c>; an execution whose value is a promise (for example <c>(async () =&gt; { ... })()</c>) is awaited.
/// Promise jobs the code queues run before the execution returns; whatever is still queued when it ends (by
/// completing, a limit or <c>final_answer</c>) is dropped, so nothing of it runs after <see
/// cref="IInterpreterSession.ExecuteAsync"/> returns. A promise rejection left unhandled is the execution's error.
/// </para>
/// <para>
/// Differences from the Jint backend: modern syntax works; <c>eval</c> and <c>Function</c> work (they run inside
/// the same runtime, under the same limits); <see cref="SandboxOptions.MaxOperations"/> is not counted (the time
/// limit bounds compute); <see cref="SandboxOptions.MaxRecursionDepth"/> sets the stack size (8 KiB per level)
/// rather than a call count; <see cref="SandboxOptions.MemoryLimitBytes"/> bounds the runtime's heap (what the
/// session keeps, across executions) and, separately, the array buffers alive at once.
/// </para>
/// </remarks>
public sealed class V8Interpreter : ICodeInterpreter, IAsyncDisposable, IDisposable
{
    private static readonly long PooledHeapLimitBytes = new SandboxOptions().MemoryLimitBytes;
    private static readonly TimeSpan RefillDelay = TimeSpan.FromMilliseconds(5);

    private readonly V8InterpreterOptions _options;
    private readonly SandboxThreadPool _threads;
    private readonly ConcurrentQueue<V8Sandbox> _warm = new();
    private readonly AutoResetEvent _refillWanted = new(false);
    private int _refilling;
    private volatile bool _disposed;

    /// <summary>Creates an interpreter with default settings.</summary>
    /// <exception cref="V8UnavailableException">ClearScript's native V8 library for this platform is missing; the message names the package to add.</exception>
    public V8Interpreter()
        : this(new V8InterpreterOptions())
    {
    }

    /// <summary>Creates an interpreter with the given settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="V8UnavailableException">ClearScript's native V8 library for this platform is missing; the message names the package to add.</exception>
    public V8Interpreter(V8InterpreterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        V8Library.EnsureLoaded();
        _threads = new SandboxThreadPool("CodeActSdk.V8 sandbox", options.MaxConcurrentExecutions);
        Refill();
    }

    /// <summary>
    /// Whether V8 can run in this process, loading ClearScript's native V8 library if needed. Never throws: when it
    /// returns <see langword="false"/>, <paramref name="reason"/> names the NuGet package to add
    /// (<c>Microsoft.ClearScript.V8.Native.&lt;platform&gt;</c>).
    /// </summary>
    public static bool IsAvailable([NotNullWhen(false)] out string? reason) => V8Library.TryLoad(out reason);

    /// <summary>The version of V8 in use (<c>14.7.173.23</c>, the V8 of Microsoft.ClearScript.V8 7.5.1.1), or <see langword="null"/> when V8 is unavailable.</summary>
    public static string? V8Version => V8Library.TryLoad(out _) ? "14.7.173.23" : null;

    /// <summary>The settings this interpreter was created with.</summary>
    public V8InterpreterOptions Options => _options;

    /// <summary>How long past a deadline a caller waits for V8 to act on the termination (see <see cref="V8Session"/>).</summary>
    internal TimeSpan HardStopGrace { get; set; } = V8Session.DefaultHardStopGrace;

    /// <summary>Runtimes waiting in the pool.</summary>
    internal int WarmCount => _warm.Count;

    /// <inheritdoc />
    public CodeLanguage Language { get; } = new(
        "JavaScript",
        "ECMAScript 2025 (V8 14.7)",
        ["javascript", "js"],
        """
        - Print with console.log(...). The value of the last expression statement is shown too.
        - Variables, functions and classes you define stay defined in the next steps. A let, const or class name cannot be declared twice: in a later step, assign to it instead.
        - Modern JavaScript works: let/const, arrow functions, classes, template literals, destructuring, spread, async/await. Tools return their results directly: call them without await.
        - There is no top-level await; if you need await, end the code with (async () => { ... })() and its result is awaited.
        - There is no require, import, fetch, process, Buffer or timers (setTimeout): only the ECMAScript built-ins, the files object described below and the tools.
        - When you have the answer, call final_answer(value) in code; it ends the step.

        """ + JavaScriptFiles.Documentation)
    {
        TypeDescriber = JavaScriptTypeDocumentation.Render,
    };

    /// <summary>
    /// Returns this interpreter when it is of type <paramref name="serviceType"/>, and its <see cref="WorkerBackend"/>
    /// (how process isolation runs it in a worker) and its <see cref="ICallPreviewer"/> (the
    /// JavaScript call preview) when those are asked for; <see langword="null"/> otherwise or with a key.
    /// </summary>
    /// <param name="serviceType">The type of object asked for.</param>
    /// <param name="serviceKey">An optional key; this interpreter offers nothing under a key.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(WorkerBackend) ? Worker()
            : serviceType == typeof(ICallPreviewer) ? JavaScriptCallPreviewer.Instance
            : serviceType.IsInstanceOfType(this) ? this : null;
    }

    // A worker creates the interpreter with its defaults, so a setting that changes what code may do cannot go there;
    // the settings of the interpreter's own pools do not matter in a worker that serves one session.
    private WorkerBackend Worker() => new("v8", typeof(V8Interpreter))
    {
        ReservesAddressSpace = true,
        NotIsolatableReason = _options.AllowWebAssembly
            ? "V8InterpreterOptions.AllowWebAssembly is not the default, so the code would run under other rules in the worker than in the host."
            : null,
    };

    /// <inheritdoc />
    public string DescribeTools(IReadOnlyList<AIFunction> tools) => JavaScriptToolDocumentation.Render(new ToolBridge(tools).Tools);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The options are invalid, a mount's host folder does not exist, or a tool's name would hide a JavaScript global.</exception>
    /// <exception cref="InvalidOperationException">V8 could not set up the session (its limits, or the <c>files</c> object).</exception>
    public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        IsolationGuard.ThrowIfProcessIsolation(options, nameof(V8Interpreter));
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        options.Validate();
        var tools = new ToolBridge(options.Tools);
        var files = new SandboxFileSystem(options.Files);
        // A pooled runtime was made for the default budget: its array-buffer limit and V8's own heap limit are
        // fixed when a runtime is created, so a session with another budget gets a runtime of its own.
        V8Sandbox? sandbox = null;
        if (options.MemoryLimitBytes == PooledHeapLimitBytes)
        {
            _warm.TryDequeue(out sandbox);
        }

        sandbox ??= V8Sandbox.Create(options.MemoryLimitBytes, _options.AllowWebAssembly);
        Refill();
        var session = new V8Session(sandbox, options, tools, files, _threads, HardStopGrace);
        try
        {
            session.Install();
        }
        catch
        {
            sandbox.Dispose();
            throw;
        }

        return ValueTask.FromResult<IInterpreterSession>(session);
    }

    /// <summary>
    /// Wakes the pool's own thread to top the pool up. It is a thread of its own, not a thread-pool work item:
    /// creating a runtime takes milliseconds of CPU, and on a small machine a busy thread pool would delay the
    /// continuations of the executions running meanwhile (a new session's first result among them).
    /// </summary>
    private void Refill()
    {
        if (_options.WarmIsolates == 0 || _disposed || _warm.Count >= _options.WarmIsolates)
        {
            return;
        }

        if (Interlocked.Exchange(ref _refilling, 1) == 0)
        {
            new Thread(FillPool) { IsBackground = true, Name = "CodeActSdk.V8 warm pool" }.Start();
        }
        else
        {
            _refillWanted.Set();
        }
    }

    private void FillPool()
    {
        LowerThreadPriority.OfCurrentThread();
        try
        {
            while (!_disposed)
            {
                while (!_disposed && _warm.Count < _options.WarmIsolates)
                {
                    _warm.Enqueue(V8Sandbox.Create(PooledHeapLimitBytes, _options.AllowWebAssembly));
                }

                // Stay around while sessions are being created, end after a quiet spell. A session just taken is
                // usually run at once: let its first execution go first rather than compete for the CPU.
                if (!_refillWanted.WaitOne(TimeSpan.FromSeconds(10)))
                {
                    break;
                }

                Thread.Sleep(RefillDelay);
            }
        }
        catch (InvalidOperationException)
        {
            // V8 could not create a runtime now; sessions create their own until a refill succeeds.
        }
        finally
        {
            Volatile.Write(ref _refilling, 0);
            if (_disposed)
            {
                DrainWarm();
            }
        }
    }

    private void DrainWarm()
    {
        while (_warm.TryDequeue(out var sandbox))
        {
            sandbox.Dispose();
        }
    }

    /// <summary>Stops the sandbox threads and frees the runtimes created ahead of time.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _threads.Dispose();
        _refillWanted.Set();
        DrainWarm();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
