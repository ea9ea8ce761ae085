namespace CodeActSdk.V8.Tests;

/// <summary>One interpreter per fixture, a fresh session per test. V8 must be available: a missing native V8 library fails loudly.</summary>
public abstract class V8TestBase
{
    protected V8Interpreter Interpreter { get; private set; } = null!;

    [OneTimeSetUp]
    public void CreateInterpreter()
    {
        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Assert.Fail("V8 is not available, so the V8 backend cannot be tested: " + reason);
        }

        Interpreter = new V8Interpreter();
    }

    [OneTimeTearDown]
    public void DisposeInterpreter() => Interpreter?.Dispose();

    protected async Task<ExecutionResult> RunAsync(string code, SandboxOptions? options = null)
    {
        await using var session = await Interpreter.CreateSessionAsync(options ?? new SandboxOptions());
        return await session.ExecuteAsync(code);
    }
}
