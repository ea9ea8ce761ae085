using CodeActSdk.Preview;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using System.Collections.Concurrent;
using CodeActSdk.Tools;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Jint;

/// <summary>
/// Runs modern JavaScript (ECMAScript 2023 and later) in Jint 4, a pure-managed interpreter, inside the host process. Each session is
/// its own engine with its own global scope and built-ins; the code reaches only <c>console</c>,
/// <c>final_answer</c>, <c>files</c> (the session's virtual file system) and the tools bridged in, and is stopped
/// at the time, operation, recursion and memory limits.
/// </summary>
/// <remarks>
/// Thread-safe: create one interpreter and share it. It owns the threads that run sandboxed code and a small pool
/// of engines built ahead of time; dispose it to release them (sessions already created keep working until the
/// threads are gone).
/// </remarks>
public sealed class JintInterpreter : ICodeInterpreter, IAsyncDisposable, IDisposable
{
    private readonly JintInterpreterOptions _options;
    private readonly SandboxThreadPool _threads;
    private readonly ConcurrentQueue<JintSandbox> _warm = new();

    /// <summary>What warm engines are built with: the default limits. A session with another recursion depth or time limit gets an engine of its own.</summary>
    private static readonly EngineSettings WarmSettings = EngineSettings.For(new SandboxOptions());
    private int _refilling;
    private volatile bool _disposed;

    /// <summary>Creates an interpreter with default settings.</summary>
    public JintInterpreter()
        : this(new JintInterpreterOptions())
    {
    }

    /// <summary>Creates an interpreter with the given settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public JintInterpreter(JintInterpreterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _threads = new SandboxThreadPool("CodeActSdk.Jint sandbox", options.MaxConcurrentExecutions);
        Refill();
    }

    /// <inheritdoc />
    public CodeLanguage Language { get; } = new(
        "JavaScript",
        "modern JavaScript (ECMAScript 2023, the Jint interpreter): let/const, arrow functions, classes, template literals, destructuring, spread, Map/Set, BigInt, async/await",
        ["javascript", "js"],
        """
        - Print with console.log(...). The value of the last expression statement is shown too.
        - Top-level variables, functions and classes (var, let, const, class) stay defined in the next steps. Do not declare a name again in a later step: assign it (x = ...) or pick a new name.
        - Tools and files return their results directly: call them without await. If the step's last expression is a promise (an async function's result), it is awaited.
        - There is no require, import, fetch, process, timers or network: only the standard built-ins, the files object described below and the tools.
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

        return serviceType == typeof(WorkerBackend) ? Worker
            : serviceType == typeof(ICallPreviewer) ? JavaScriptCallPreviewer.Instance
            : serviceType.IsInstanceOfType(this) ? this : null;
    }

    // A worker creates the interpreter with its defaults; the options of Jint's own pool do not change what code may do.
    private static readonly WorkerBackend Worker = new("jint", typeof(JintInterpreter));

    /// <inheritdoc />
    public string DescribeTools(IReadOnlyList<AIFunction> tools) => JavaScriptToolDocumentation.Render(new ToolBridge(tools).Tools);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The options are invalid, a mount's host folder does not exist, or a tool's name would hide a JavaScript global.</exception>
    public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        IsolationGuard.ThrowIfProcessIsolation(options, nameof(JintInterpreter));
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        options.Validate();
        var tools = new ToolBridge(options.Tools);
        var files = new SandboxFileSystem(options.Files);
        var settings = EngineSettings.For(options);
        if (settings != WarmSettings || !_warm.TryDequeue(out var sandbox))
        {
            sandbox = new JintSandbox(settings);
        }

        Refill();
        sandbox.Bind(options, tools, files);
        return ValueTask.FromResult<IInterpreterSession>(new JintSession(sandbox, _threads, files));
    }

    private void Refill()
    {
        if (_options.WarmEngines == 0 || _disposed || _warm.Count >= _options.WarmEngines || Interlocked.Exchange(ref _refilling, 1) == 1)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                while (!_disposed && _warm.Count < _options.WarmEngines)
                {
                    _warm.Enqueue(new JintSandbox(WarmSettings));
                }
            }
            finally
            {
                Volatile.Write(ref _refilling, 0);
            }
        }, null);
    }

    /// <summary>Stops the sandbox threads and drops the engines built ahead of time.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _threads.Dispose();
        _warm.Clear();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
