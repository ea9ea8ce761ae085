using CodeActSdk.Jint;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>What the suites and the harness share: the tool of the bridge figures and checked set-up steps.</summary>
public static class Fixtures
{
    /// <summary>The tool of the bridge figures: <c>add(a, b)</c>, a reflection-bound delegate as hosts write them.</summary>
    public static AIFunction CreateAddTool() => AIFunctionFactory.Create((int a, int b) => a + b, "add");

    /// <summary>Creates a session synchronously (for BenchmarkDotNet set-up methods); callers then check it with <see cref="Check"/>.</summary>
    public static IInterpreterSession CreateSession(JintInterpreter interpreter, SandboxOptions options) =>
        interpreter.CreateSessionAsync(options).AsTask().GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="code"/> once and throws unless it completed with <paramref name="expected"/> as its value (raw JSON).</summary>
    public static void Check(IInterpreterSession session, string code, string expected)
    {
        var result = session.ExecuteAsync(code).GetAwaiter().GetResult();
        if (!result.IsSuccess || result.Value?.GetRawText() != expected)
        {
            throw new InvalidOperationException(
                $"Setup check failed for `{code}`: status {result.Status}, value {result.Value?.GetRawText() ?? "(none)"}, error {result.Error?.Message ?? "(none)"}; expected {expected}.");
        }
    }
}
