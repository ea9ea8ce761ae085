using CodeActSdk.Isolation;
using CodeActSdk.Jint;
using Microsoft.Extensions.AI;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;

namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// A way one backend knowingly differs from the others. Each is listed, with its reason, in docs/backends.md, and a
/// test that meets one says so by name instead of quietly skipping.
/// </summary>
public enum Difference
{
    /// <summary>C# resolves names when it compiles: an unknown name is a SyntaxError (nothing runs), not a RuntimeError.</summary>
    NamesResolvedBeforeRunning,

    /// <summary>V8 does not count operations: <see cref="SandboxOptions.MaxOperations"/> is ignored and the time limit alone stops long work.</summary>
    NoOperationBudget,

    /// <summary>V8's stop for memory is its heap limit; the young generation comes on top, so a bomb is stopped later than the budget says.</summary>
    MemoryLimitIsHeapLimit,
}

/// <summary>One backend under test: how to create it, which language it speaks, and how it knowingly differs.</summary>
public sealed class Backend
{
    private readonly Func<ICodeInterpreter> _create;

    private Backend(string name, bool isCSharp, Func<ICodeInterpreter> create, params Difference[] differences)
    {
        Name = name;
        IsCSharp = isCSharp;
        _create = create;
        Differences = differences;
    }

    /// <summary>Every backend, as the fixtures' source.</summary>
    public static IEnumerable<Backend> All { get; } =
    [
        new("jint", false, () => new JintInterpreter()),
        new("v8", false, CreateV8, Difference.NoOperationBudget, Difference.MemoryLimitIsHeapLimit),
        new("csharp", true, () => new RoslynInterpreter(), Difference.NamesResolvedBeforeRunning),
        // The same backends with every session in a worker process: the contract must not change.
        new("jint-process", false, () => new InWorkerProcess(new JintInterpreter())),
        new("v8-process", false, () => new InWorkerProcess(CreateV8()), Difference.NoOperationBudget, Difference.MemoryLimitIsHeapLimit),
        new("csharp-process", true, () => new InWorkerProcess(new RoslynInterpreter()), Difference.NamesResolvedBeforeRunning),
    ];

    /// <summary>The JavaScript backends (every one but C#), as the source of the fixtures whose code only JavaScript runs.</summary>
    public static IEnumerable<Backend> JavaScript { get; } = [.. All.Where(backend => !backend.IsCSharp)];

    public string Name { get; }

    /// <summary>Whether the backend runs C# (otherwise JavaScript).</summary>
    public bool IsCSharp { get; }

    public IReadOnlyList<Difference> Differences { get; }

    public bool Has(Difference difference) => Differences.Contains(difference);

    public ICodeInterpreter Create() => _create();

    /// <summary>Picks the code written in this backend's language.</summary>
    public string Code(string js, string cs) => IsCSharp ? cs : js;

    public override string ToString() => Name;

    private static V8Interpreter CreateV8()
    {
        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Assert.Fail("V8 is not available, so the V8 backend cannot be tested (its native package, Microsoft.ClearScript.V8.Native.linux-x64, is missing): " + reason);
        }

        return new V8Interpreter();
    }
}

/// <summary>
/// The base of every conformance fixture: one interpreter per backend and fixture, a fresh session per run, and
/// helpers that pick the code in the backend's language.
/// </summary>
[TestFixtureSource(typeof(Backend), nameof(Backend.All))]
public abstract class ConformanceTest(Backend backend)
{
    protected Backend Backend { get; } = backend;

    protected ICodeInterpreter Interpreter { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task CreateInterpreter()
    {
        Interpreter = Backend.Create();
        await RunAsync("1", "1");
    }

    [OneTimeTearDown]
    public async Task DisposeInterpreter()
    {
        if (Interpreter is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    /// <summary>Runs the code of this backend's language in a fresh session.</summary>
    protected async Task<ExecutionResult> RunAsync(string js, string cs, SandboxOptions? options = null)
    {
        await using var session = await Interpreter.CreateSessionAsync(options ?? new SandboxOptions());
        return await session.ExecuteAsync(Backend.Code(js, cs));
    }

    /// <summary>Runs the code of this backend's language in <paramref name="session"/>.</summary>
    protected Task<ExecutionResult> RunAsync(IInterpreterSession session, string js, string cs) => session.ExecuteAsync(Backend.Code(js, cs));

    protected ValueTask<IInterpreterSession> NewSessionAsync(SandboxOptions? options = null) => Interpreter.CreateSessionAsync(options ?? new SandboxOptions());

    /// <summary>The raw JSON of a completed execution's value.</summary>
    protected static string Json(ExecutionResult result)
    {
        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        return result.Value?.GetRawText() ?? "<no value>";
    }
}

/// <summary>
/// The base of the fixtures whose code is JavaScript only (the language's features, its REPL rules): they run on the
/// JavaScript backends alone, so that C# neither runs nor passes them.
/// </summary>
[TestFixtureSource(typeof(Backend), nameof(Backend.JavaScript))]
public abstract class JavaScriptConformanceTest : ConformanceTest
{
    protected JavaScriptConformanceTest(Backend backend)
        : base(backend)
    {
        if (backend.IsCSharp)
        {
            throw new ArgumentException($"{backend} runs C#; a JavaScript-only fixture takes Backend.JavaScript as its source.", nameof(backend));
        }
    }

    /// <summary>Runs <paramref name="js"/> in a fresh session.</summary>
    protected Task<ExecutionResult> RunAsync(string js, SandboxOptions? options = null) => RunAsync(js, cs: "", options);

    /// <summary>Runs <paramref name="js"/> in <paramref name="session"/>.</summary>
    protected Task<ExecutionResult> RunAsync(IInterpreterSession session, string js) => session.ExecuteAsync(js);
}

/// <summary>Runs every session of the wrapped backend in a worker process, whatever the test's options say.</summary>
internal sealed class InWorkerProcess(ICodeInterpreter inProcess) : ICodeInterpreter, IAsyncDisposable
{
    private readonly IsolatedInterpreter _isolated = new(inProcess);

    public CodeLanguage Language => _isolated.Language;

    public string DescribeTools(IReadOnlyList<AIFunction> tools) => _isolated.DescribeTools(tools);

    public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default) =>
        _isolated.CreateSessionAsync(options with { Isolation = SandboxIsolation.Process }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _isolated.DisposeAsync();
        if (inProcess is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}
