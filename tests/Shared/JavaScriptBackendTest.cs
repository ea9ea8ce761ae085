namespace CodeActSdk.Tests.Shared;

/// <summary>
/// The base of the fixtures written once for every JavaScript backend: each backend's test project links them and
/// runs them against its own interpreter by overriding <see cref="CreateInterpreter"/>.
/// </summary>
public abstract class JavaScriptBackendTest
{
    protected ICodeInterpreter Interpreter { get; private set; } = null!;

    /// <summary>Creates the backend under test (once per fixture); fail loudly when it cannot run here.</summary>
    protected abstract ICodeInterpreter CreateInterpreter();

    [OneTimeSetUp]
    public void CreateTheInterpreter() => Interpreter = CreateInterpreter();

    [OneTimeTearDown]
    public void DisposeTheInterpreter() => (Interpreter as IDisposable)?.Dispose();

    /// <summary>Runs <paramref name="code"/> in a fresh session.</summary>
    protected async Task<ExecutionResult> RunAsync(string code, SandboxOptions? options = null)
    {
        await using var session = await Interpreter.CreateSessionAsync(options ?? new SandboxOptions());
        return await session.ExecuteAsync(code);
    }
}
