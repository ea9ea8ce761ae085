using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodeActSdk;

/// <summary>
/// The category of an <see cref="ExecutionError"/>: the error's type in the sandboxed language (<see cref="TypeError"/>,
/// or any name the code gave its own error), or the limit or condition that stopped the execution
/// (<see cref="Timeout"/>, <see cref="MemoryLimit"/>, <see cref="RecursionLimit"/>, ...). The static properties are
/// the kinds the SDK's backends report themselves; any other string is a valid kind too.
/// </summary>
/// <remarks>
/// Equality is ordinal and case-sensitive, as kinds are compared. In JSON a kind is its <see cref="Value"/> as a plain
/// string, so every JSON contract (the CLI's output, the worker protocol, MCP results, the checkpoint journal) reads
/// and writes what it did when the kind was a string. Immutable, so thread-safe.
/// </remarks>
[JsonConverter(typeof(Converter))]
public readonly struct ErrorKind : IEquatable<ErrorKind>
{
    /// <summary>The longest <see cref="Value"/> kept (a longer one is cut with a note saying how much was left out).</summary>
    public const int MaxLength = 100;

    private readonly string? _value;

    /// <summary>Creates a kind, cut to <see cref="MaxLength"/> characters with a note saying how much was left out: the name may come from the code.</summary>
    /// <param name="value">The kind's name, for example <c>TypeError</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    public ErrorKind(string value)
    {
        _value = TextBounds.Cut(value, MaxLength, "name");
    }

    /// <summary>The kind's name; empty for the default value.</summary>
    public string Value => _value ?? "";

    /// <summary>The code has a syntax error (the language's own <c>SyntaxError</c>).</summary>
    public static ErrorKind SyntaxError { get; } = new("SyntaxError");

    /// <summary>The code does not compile (C#: a type or semantic error).</summary>
    public static ErrorKind CompileError { get; } = new("CompileError");

    /// <summary>Compiling the code would take more than the compiler may (source size, nesting, compile time).</summary>
    public static ErrorKind CompileLimit { get; } = new("CompileLimit");

    /// <summary>The code uses an API the sandbox's policy does not allow (C#).</summary>
    public static ErrorKind PolicyViolation { get; } = new("PolicyViolation");

    /// <summary>The execution ran past its time limit.</summary>
    public static ErrorKind Timeout { get; } = new("Timeout");

    /// <summary>The execution ran more operations than <see cref="SandboxOptions.MaxOperations"/> allows.</summary>
    public static ErrorKind OperationLimit { get; } = new("OperationLimit");

    /// <summary>The execution went past its memory limit.</summary>
    public static ErrorKind MemoryLimit { get; } = new("MemoryLimit");

    /// <summary>The code recursed deeper than <see cref="SandboxOptions.MaxRecursionDepth"/> allows.</summary>
    public static ErrorKind RecursionLimit { get; } = new("RecursionLimit");

    /// <summary>The host cancelled the execution.</summary>
    public static ErrorKind Cancelled { get; } = new("Cancelled");

    /// <summary>A generic error of the code (JavaScript's <c>Error</c>), or one that could not be described.</summary>
    public static ErrorKind Error { get; } = new("Error");

    /// <summary>JavaScript's <c>TypeError</c>; the sandbox also throws it for bad arguments to tools and built-ins.</summary>
    public static ErrorKind TypeError { get; } = new("TypeError");

    /// <summary>JavaScript's <c>RangeError</c>; the sandbox also throws it for values nested too deep.</summary>
    public static ErrorKind RangeError { get; } = new("RangeError");

    /// <summary>JavaScript's <c>ReferenceError</c>: a name that is not defined.</summary>
    public static ErrorKind ReferenceError { get; } = new("ReferenceError");

    /// <summary>The code threw a value that is not an error object (JavaScript <c>throw 42</c>).</summary>
    public static ErrorKind Uncaught { get; } = new("Uncaught");

    /// <summary>The code's value could not be converted to JSON for the result.</summary>
    public static ErrorKind ValueError { get; } = new("ValueError");

    /// <summary>The sandbox's own machinery was used in a way it does not allow (C#: a guard called outside an execution).</summary>
    public static ErrorKind SandboxError { get; } = new("SandboxError");

    /// <summary>The backend failed in a way it did not expect; the message says what happened.</summary>
    public static ErrorKind InternalError { get; } = new("InternalError");

    /// <summary>The code called <c>final_answer</c>: the stop that ends a completed execution early (not a failure).</summary>
    public static ErrorKind FinalAnswer { get; } = new("FinalAnswer");

    /// <summary>A reviewer refused the code before it ran (see the core package's <c>CodeReview</c>); nothing ran, and the message gives the reason.</summary>
    public static ErrorKind Rejected { get; } = new("Rejected");

    /// <summary>
    /// The code reached a tool call (or was a code block) that needs a person's approval, and the run was suspended to
    /// wait for it: the execution stopped there, and the run continues from its journal once the approval is decided.
    /// </summary>
    public static ErrorKind ApprovalRequired { get; } = new("ApprovalRequired");

    /// <summary>The backend cannot run on this machine (for example V8 without its native library).</summary>
    public static ErrorKind BackendUnavailable { get; } = new("BackendUnavailable");

    /// <summary>The worker process of an isolated session ended unexpectedly.</summary>
    public static ErrorKind WorkerCrashed { get; } = new("WorkerCrashed");

    /// <summary>The worker process of an isolated session stopped answering and was killed.</summary>
    public static ErrorKind WorkerUnresponsive { get; } = new("WorkerUnresponsive");

    /// <summary>No worker process could be started for an isolated session.</summary>
    public static ErrorKind WorkerUnavailable { get; } = new("WorkerUnavailable");

    /// <summary>Whether two kinds have the same name (ordinal, case-sensitive).</summary>
    public static bool operator ==(ErrorKind left, ErrorKind right) => left.Equals(right);

    /// <summary>Whether two kinds have different names (ordinal, case-sensitive).</summary>
    public static bool operator !=(ErrorKind left, ErrorKind right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(ErrorKind other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ErrorKind other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>The kind's name.</summary>
    public override string ToString() => Value;

    /// <summary>Reads and writes a kind as its name, a JSON string.</summary>
    public sealed class Converter : JsonConverter<ErrorKind>
    {
        /// <inheritdoc />
        public override ErrorKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(reader.GetString() ?? throw new JsonException("An error kind must be a JSON string."));

        /// <inheritdoc />
        public override void Write(Utf8JsonWriter writer, ErrorKind value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value.Value);
        }
    }
}

/// <summary>Cuts texts that may come from sandboxed code to a bound, saying how much was left out.</summary>
internal static class TextBounds
{
    public static string Cut(string text, int max, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        var keep = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, keep), $"… [the {what} was cut: {text.Length - keep:N0} more characters]");
    }
}
