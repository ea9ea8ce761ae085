namespace CodeActSdk.Roslyn.Tests;

/// <summary>One interpreter per fixture (Roslyn's first compilation is the slow part), a fresh session per test.</summary>
public abstract class RoslynTestBase
{
    protected RoslynInterpreter Interpreter { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task CreateInterpreter()
    {
        Interpreter = new RoslynInterpreter();
        // Warm the compiler up once, so that the first test does not pay for loading it.
        await RunAsync("1");
    }

    [OneTimeTearDown]
    public void DisposeInterpreter() => Interpreter.Dispose();

    protected async Task<ExecutionResult> RunAsync(string code, SandboxOptions? options = null)
    {
        await using var session = await Interpreter.CreateSessionAsync(options ?? new SandboxOptions());
        return await session.ExecuteAsync(code);
    }
}
