using CodeActSdk.Jint;

namespace CodeActSdk.Jint.Tests;

/// <summary>One interpreter per fixture, a fresh session per test.</summary>
public abstract class JintTestBase
{
    protected JintInterpreter Interpreter { get; private set; } = null!;

    [OneTimeSetUp]
    public void CreateInterpreter() => Interpreter = new JintInterpreter();

    [OneTimeTearDown]
    public void DisposeInterpreter() => Interpreter.Dispose();

    protected async Task<ExecutionResult> RunAsync(string code, SandboxOptions? options = null)
    {
        await using var session = await Interpreter.CreateSessionAsync(options ?? new SandboxOptions());
        return await session.ExecuteAsync(code);
    }
}
