using System.Globalization;
using CodeActSdk.Roslyn.Runtime;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Roslyn.Sandbox;

/// <summary>
/// The <c>Console</c> that sandboxed C# sees: what it writes is captured in the execution's
/// <see cref="ExecutionResult.Stdout"/>, bounded by <see cref="SandboxOptions.MaxOutputChars"/>, and never reaches the
/// host's console. <c>System.Console</c> itself is not referenced by sandboxed code, so this is the only
/// <c>Console</c> in scope. Writing outside an execution does nothing.
/// </summary>
public static class Console
{
    /// <summary>The captured standard output.</summary>
    public static ScriptWriter Out { get; } = new();

    /// <summary>Also captured, in the same stream as <see cref="Out"/>.</summary>
    public static ScriptWriter Error => Out;

    /// <summary>Writes a line break.</summary>
    public static void WriteLine() => Out.WriteLine();

    /// <summary>Writes <paramref name="value"/> and a line break.</summary>
    public static void WriteLine(string? value) => Out.WriteLine(value);

    /// <summary>Writes <paramref name="value"/> (formatted with the invariant culture) and a line break.</summary>
    public static void WriteLine(object? value) => Out.WriteLine(value);

    /// <summary>Writes a composite format string, as <see cref="string.Format(IFormatProvider, string, object?[])"/> does, and a line break.</summary>
    public static void WriteLine(string format, params object?[] args) => Out.WriteLine(format, args);

    /// <summary>Writes <paramref name="value"/>.</summary>
    public static void Write(string? value) => Out.Write(value);

    /// <summary>Writes <paramref name="value"/> (formatted with the invariant culture).</summary>
    public static void Write(object? value) => Out.Write(value);

    /// <summary>Writes a composite format string, as <see cref="string.Format(IFormatProvider, string, object?[])"/> does.</summary>
    public static void Write(string format, params object?[] args) => Out.Write(format, args);
}

/// <summary>A captured output stream of sandboxed code (<c>Console.Out</c>, <c>Console.Error</c>).</summary>
public sealed class ScriptWriter
{
    internal ScriptWriter()
    {
    }

    /// <summary>Writes a line break.</summary>
    public void WriteLine() => Append("\n");

    /// <summary>Writes <paramref name="value"/> and a line break.</summary>
    public void WriteLine(string? value) => Append((value ?? "") + "\n");

    /// <summary>Writes <paramref name="value"/> and a line break.</summary>
    public void WriteLine(object? value) => Append(Format(value) + "\n");

    /// <summary>Writes a composite format string and a line break.</summary>
    public void WriteLine(string format, params object?[] args) => Append(string.Format(CultureInfo.InvariantCulture, format, args) + "\n");

    /// <summary>Writes <paramref name="value"/>.</summary>
    public void Write(string? value) => Append(value ?? "");

    /// <summary>Writes <paramref name="value"/>.</summary>
    public void Write(object? value) => Append(Format(value));

    /// <summary>Writes a composite format string.</summary>
    public void Write(string format, params object?[] args) => Append(string.Format(CultureInfo.InvariantCulture, format, args));

    private static string Format(object? value) => value switch
    {
        null => "",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static void Append(string text)
    {
        if (ScriptExecution.Current is not { } execution)
        {
            return;
        }

        execution.Budget.Charge(1, text.Length * 2L);
        execution.Output.Append(text);
    }
}
