using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The shape a run's final answer must have: a .NET type, its JSON schema (from
/// <see cref="AIJsonUtilities.CreateJsonSchema"/>) and the serializer options that read the answer into the type.
/// <see cref="CodeActAgent.RunAsync{T}(AgentRunRequest, CancellationToken)"/> makes one for you; make one yourself to
/// set <see cref="AgentRunRequest.AnswerSchema"/> on a request, for example with other serializer options.
/// </summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed class AnswerSchema
{
    private AnswerSchema(Type type, JsonSerializerOptions serializerOptions)
    {
        Type = type;
        SerializerOptions = serializerOptions;
        Schema = AIJsonUtilities.CreateJsonSchema(type, serializerOptions: serializerOptions);
        TypeName = NameOf(type);
    }

    /// <summary>The answer's .NET type.</summary>
    public Type Type { get; }

    /// <summary>The name the model is shown for the type: the type's own name, or <c>Answer</c> for a generic or array type.</summary>
    public string TypeName { get; }

    /// <summary>The type's JSON schema, which the answer is checked against.</summary>
    public JsonElement Schema { get; }

    /// <summary>The options the schema is made with and the answer is read with; <see cref="AIJsonUtilities.DefaultOptions"/> unless given.</summary>
    public JsonSerializerOptions SerializerOptions { get; }

    /// <summary>The schema of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The answer's type, for example a record.</typeparam>
    /// <param name="serializerOptions">How the answer is read (property names, enums, ...); <see cref="AIJsonUtilities.DefaultOptions"/> (camelCase names, read without regard to case) when <see langword="null"/>.</param>
    /// <returns>The answer schema.</returns>
    public static AnswerSchema For<T>(JsonSerializerOptions? serializerOptions = null) => For(typeof(T), serializerOptions);

    /// <summary>The schema of <paramref name="type"/>.</summary>
    /// <param name="type">The answer's type.</param>
    /// <param name="serializerOptions">How the answer is read; <see cref="AIJsonUtilities.DefaultOptions"/> when <see langword="null"/>.</param>
    /// <returns>The answer schema.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="type"/> is null.</exception>
    public static AnswerSchema For(Type type, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        return new AnswerSchema(type, serializerOptions ?? AIJsonUtilities.DefaultOptions);
    }

    /// <summary>
    /// Checks <paramref name="answer"/> against the schema and, when it matches, reads it into <see cref="Type"/>.
    /// Property names are matched without regard to case when <see cref="SerializerOptions"/> read them so; a required
    /// property whose schema admits <c>null</c> may be left out; an object or array passed as its JSON text (code that
    /// called <c>final_answer(JSON.stringify(value))</c>) is read as the value it holds when the type is not a string.
    /// </summary>
    /// <param name="answer">The value the code passed to <c>final_answer</c>.</param>
    /// <returns>What did not match (empty when the answer is good) and the value read, when it is.</returns>
    public AnswerCheck Check(JsonElement answer)
    {
        var mismatches = new List<SchemaMismatch>();
        if (answer.ValueKind == JsonValueKind.String && Unstringified(answer.GetString()!) is { } parsed && !Matches(answer))
        {
            answer = parsed;
        }

        JsonSchemaChecker.Check(answer, Schema, "$", SerializerOptions.PropertyNameCaseInsensitive, mismatches);
        if (mismatches.Count > 0)
        {
            return new AnswerCheck(mismatches, null);
        }

        try
        {
            var value = answer.Deserialize(Type, SerializerOptions);
            return value is null && answer.ValueKind == JsonValueKind.Null && Type.IsValueType && Nullable.GetUnderlyingType(Type) is null
                ? new AnswerCheck([new SchemaMismatch("$", $"expected {TypeName}, got null")], null)
                : new AnswerCheck([], value);
        }
        catch (JsonException e)
        {
            return new AnswerCheck([new SchemaMismatch(e.Path ?? "$", FirstSentence(e.Message))], null);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException or FormatException)
        {
            return new AnswerCheck([new SchemaMismatch("$", $"cannot be read as {TypeName}: {FirstSentence(e.Message)}")], null);
        }
    }

    private bool Matches(JsonElement value)
    {
        var probe = new List<SchemaMismatch>();
        JsonSchemaChecker.Check(value, Schema, "$", SerializerOptions.PropertyNameCaseInsensitive, probe);
        return probe.Count == 0;
    }

    /// <summary>The object or array a string holds as JSON text, or null when it holds none.</summary>
    private static JsonElement? Unstringified(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length < 2 || !(trimmed[0] == '{' && trimmed[^1] == '}' || trimmed[0] == '[' && trimmed[^1] == ']'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(trimmed);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    private static string NameOf(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsGenericType || underlying.IsArray || underlying.IsPrimitive || underlying == typeof(string) || underlying == typeof(decimal)
            ? "Answer"
            : underlying.Name;
    }
}

/// <summary>The result of <see cref="AnswerSchema.Check"/>.</summary>
/// <param name="Mismatches">What did not match, in document order; empty when the answer matches.</param>
/// <param name="Value">The answer read into the schema's type, when it matches.</param>
public sealed record AnswerCheck(IReadOnlyList<SchemaMismatch> Mismatches, object? Value)
{
    /// <summary>Whether the answer matches.</summary>
    public bool IsMatch => Mismatches.Count == 0;
}

/// <summary>One way a typed final answer did not match its schema.</summary>
/// <param name="Path">Where, as a JSON path from the answer's root: <c>$</c>, <c>$.lines[1].quantity</c>.</param>
/// <param name="Message">What is wrong, for example <c>expected integer, got string "3"</c> or <c>missing required property 'customer' (string)</c>.</param>
public sealed record SchemaMismatch(string Path, string Message)
{
    /// <summary>The mismatch as one line: <c>$.lines[1].quantity: expected integer, got string "3"</c>.</summary>
    public override string ToString() => $"{Path}: {Message}";
}
