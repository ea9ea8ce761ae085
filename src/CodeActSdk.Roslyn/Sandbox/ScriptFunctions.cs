using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using CodeActSdk.Roslyn.Runtime;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Roslyn.Sandbox;

/// <summary>The functions sandboxed C# can call without a prefix (imported with <c>using static</c>).</summary>
public static class ScriptFunctions
{
    /// <summary>
    /// Ends the execution with <paramref name="value"/> as the task's answer. The value is converted to JSON (public
    /// properties and fields). Nothing after the call runs, and no catch block can intercept it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The value cannot be converted to JSON (for example it is cyclic); the code may catch this.</exception>
    [DoesNotReturn]
    [SuppressMessage("Style", "IDE1006:Naming Styles", Justification = "The name the model is told to call, the same in every backend.")]
    public static void final_answer(object? value)
    {
        var execution = ScriptExecution.Current ?? throw new InvalidOperationException("final_answer can only be called while the code runs.");
        var (json, truncated) = ValueConverter.ToJson(value, execution.Json, execution.Options.MaxValueChars, "final_answer");
        execution.SetFinalAnswer(json, truncated);
        throw new SandboxStopException(ExecutionStatus.Completed, null);
    }
}
