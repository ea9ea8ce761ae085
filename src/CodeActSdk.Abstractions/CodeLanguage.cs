using System.Text.Json;

namespace CodeActSdk;

/// <summary>How an interpreter's language is presented to the model and recognised in its answers.</summary>
/// <param name="Name">The language's name, for example <c>JavaScript</c>.</param>
/// <param name="Dialect">What exactly is supported, for example <c>ECMAScript 2023 (no top-level await)</c>.</param>
/// <param name="FenceTags">The code-fence tags that mean this language (lower case), for example <c>js</c> and <c>javascript</c>. The first is the one the model is asked to use.</param>
/// <param name="Guidance">Language-specific rules for the prompt: how to print, how to return a value, what is unavailable.</param>
public sealed record CodeLanguage(string Name, string Dialect, IReadOnlyList<string> FenceTags, string Guidance)
{
    /// <summary>
    /// Renders a JSON schema as a type declaration in this language's idiom, for the prompt: given the type's name and
    /// its schema, for example a JSDoc <c>@typedef</c> for JavaScript or a record declaration for C#. When
    /// <see langword="null"/> (the default), <see cref="DescribeType"/> shows the JSON schema itself.
    /// </summary>
    public Func<string, JsonElement, string>? TypeDescriber { get; init; }

    /// <summary>Whether a code fence tagged <paramref name="tag"/> is written in this language.</summary>
    public bool Matches(string tag) => FenceTags.Contains(tag.Trim().ToLowerInvariant());

    /// <summary>
    /// Describes the type <paramref name="typeName"/>, whose JSON schema is <paramref name="schema"/>, in this language
    /// (with <see cref="TypeDescriber"/>), or as the JSON schema when the language has no describer.
    /// </summary>
    /// <param name="typeName">The type's name, for example <c>Order</c>.</param>
    /// <param name="schema">The type's JSON schema.</param>
    /// <returns>The declaration, for the prompt.</returns>
    public string DescribeType(string typeName, JsonElement schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        return TypeDescriber is { } describe
            ? describe(typeName, schema)
            : $"{typeName}, as this JSON schema:\n{JsonSerializer.Serialize(schema, IndentedJson)}";
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };
}
