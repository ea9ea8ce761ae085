using CodeActSdk.Roslyn.Compilation;
using CodeActSdk.Roslyn.Preview;
using CodeActSdk.Roslyn.Runtime;
using CodeActSdk.Roslyn.Tools;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn;

/// <summary>
/// Runs C# scripts (Roslyn, C# 12 script syntax) inside the host process, restricted to the .NET API a
/// <see cref="CSharpApiPolicy"/> allows. Each session is a REPL: variables, methods and types declared by one
/// execution are visible to the next, and sessions never see each other's state.
/// </summary>
/// <remarks>
/// <para>
/// Every submission goes through four stages. It is parsed and compiled on top of what the session's earlier steps
/// declared (carried over by value, so that a session stays small however many steps it runs);
/// every symbol it touches is checked against the policy on the semantic model (a violation is reported with the
/// symbol, line and column, and nothing runs); guards are injected by rewriting the syntax tree (deadline,
/// cancellation, operations, memory, stack depth, uncatchable stops, regex timeouts); and the result is emitted to
/// memory and loaded into the session's collectible load context, so that disposing the session releases its code.
/// Code runs on dedicated large-stack threads whose synchronization context keeps <c>await</c> on that thread, under
/// the same deadline.
/// </para>
/// <para>
/// Thread-safe: create one interpreter and share it. It owns the sandbox threads; dispose it to stop them (sessions
/// created from it stop working).
/// </para>
/// </remarks>
public sealed class RoslynInterpreter : ICodeInterpreter, IAsyncDisposable, IDisposable
{
    private readonly RoslynInterpreterOptions _options;
    private readonly SandboxThreadPool _threads;
    private readonly CSharpCallPreviewer _previewer;
    private volatile bool _disposed;

    /// <summary>Creates an interpreter with default settings.</summary>
    public RoslynInterpreter()
        : this(new RoslynInterpreterOptions())
    {
    }

    /// <summary>Creates an interpreter with the given settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public RoslynInterpreter(RoslynInterpreterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _threads = new SandboxThreadPool("CodeActSdk.Roslyn sandbox", options.MaxConcurrentExecutions);
        _previewer = new CSharpCallPreviewer(_options.MaxSourceChars);
        Language = new CodeLanguage(
            "C#",
            "C# 12 scripting with an allow-listed API: top-level statements, methods, classes and records; files only through the sandbox's Files class; no network, reflection, threads or unsafe code",
            ["csharp", "cs", "c#"],
            $"""
            - Write a C# script: top-level statements, no Main method or namespace. System, System.Collections.Generic, System.Linq, System.Text, System.Text.RegularExpressions, System.Globalization, System.Numerics, System.Text.Json, System.Text.Json.Nodes and System.Threading.Tasks are already imported.
            - Print with Console.WriteLine(...). An expression on the last line, without a semicolon, is shown as the step's value.
            - Variables, methods, types and using directives you declare stay defined in the next steps. A variable can be declared again, with another type too. Keep data in records or named tuples rather than anonymous types: a variable holding an anonymous type is kept as object after its step.
            - Only this API is allowed: {_options.Policy.Summary}. There is no System.IO (use Files, below), network, processes, environment, reflection (typeof, GetType()), threads, Task.Run, dynamic or unsafe code: code that uses them is refused before it runs, with the reason.
            - await works (Task.Delay, Task.WhenAll); the tools are ordinary synchronous methods.
            - When you have the answer, call final_answer(value) in code; it ends the step.
            {Sandbox.Files.Documentation}
            """)
        {
            TypeDescriber = CSharpTypeDocumentation.Render,
        };
    }

    /// <inheritdoc />
    public CodeLanguage Language { get; }

    /// <summary>The settings this interpreter was created with.</summary>
    public RoslynInterpreterOptions Options => _options;

    /// <summary>
    /// Returns this interpreter when it is of type <paramref name="serviceType"/>, and its <see cref="WorkerBackend"/>
    /// (how process isolation runs it in a worker) and its <see cref="ICallPreviewer"/> (the C# call preview, on the
    /// semantic model) when those are asked for; <see langword="null"/> otherwise or with a key.
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
            : serviceType == typeof(ICallPreviewer) ? _previewer
            : serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>
    /// How this interpreter runs in a worker: created there with the defaults, so a policy or compile bound of its own
    /// cannot go there (a custom policy might even be stricter than the worker's). Its sessions compile outside the time
    /// limit for up to <c>MaxCompileTime</c>, then wait a further 2 s for code stuck in a library call before they answer
    /// Timeout themselves: the host waits that long before it stops the worker.
    /// </summary>
    private WorkerBackend Worker()
    {
        var defaults = new RoslynInterpreterOptions();
        var setting =
            !ReferenceEquals(_options.Policy, defaults.Policy) ? "RoslynInterpreterOptions.Policy (a policy other than CSharpApiPolicy.Default)"
            : _options.MaxCompileTime != defaults.MaxCompileTime ? "RoslynInterpreterOptions.MaxCompileTime"
            : _options.MaxSourceChars != defaults.MaxSourceChars ? "RoslynInterpreterOptions.MaxSourceChars"
            : null;
        return new WorkerBackend("csharp", typeof(RoslynInterpreter))
        {
            TimeAllowance = defaults.MaxCompileTime + TimeSpan.FromSeconds(2),
            NotIsolatableReason = setting is null ? null : $"{setting} is not the default, so the code would run under other rules in the worker than in the host.",
        };
    }

    /// <inheritdoc />
    public string DescribeTools(IReadOnlyList<AIFunction> tools) =>
        CSharpToolSurface.Describe(CSharpToolSurface.Methods(new ToolBridge(tools).Tools));

    /// <inheritdoc />
    public async ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        IsolationGuard.ThrowIfProcessIsolation(options, nameof(RoslynInterpreter));
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        options.Validate();
        var bridge = new ToolBridge(options.Tools);
        var methods = CSharpToolSurface.Methods(bridge.Tools);
        var session = new RoslynSession(_options, _threads, options, bridge);
        if (methods.Count > 0)
        {
            await session.InstallToolsAsync(CSharpToolSurface.Prelude(methods)).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>Stops the sandbox threads once their current work is done.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _threads.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
