using System.Text;
using System.Text.Json;

namespace CodeActSdk.Tools;

/// <summary>
/// Renders a JSON schema as a JSDoc <c>@typedef</c> with TypeScript-like types, for the prompt of a JavaScript backend:
/// the shape a typed final answer must have (<see cref="CodeLanguage.TypeDescriber"/>).
/// </summary>
/// <remarks>A pure function of its arguments; thread-safe.</remarks>
public static class JavaScriptTypeDocumentation
{
    /// <summary>Renders <paramref name="schema"/> as the typedef <paramref name="typeName"/>.</summary>
    /// <param name="typeName">The type's name, for example <c>Order</c>.</param>
    /// <param name="schema">Its JSON schema.</param>
    /// <returns>A JSDoc comment declaring the type.</returns>
    public static string Render(string typeName, JsonElement schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        var text = new StringBuilder();
        text.AppendLine("/**");
        if (Description(schema) is { } description)
        {
            text.Append(" * ").AppendLine(description);
        }

        if (IsObject(schema) && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            text.AppendLine($" * @typedef {{Object}} {typeName}");
            var required = Required(schema);
            foreach (var property in properties.EnumerateObject())
            {
                var name = required.Contains(property.Name) ? property.Name : $"[{property.Name}]";
                text.Append($" * @property {{{TypeOf(property.Value)}}} {name}");
                text.AppendLine(Description(property.Value) is { } note ? $" - {note}" : "");
            }
        }
        else
        {
            text.AppendLine($" * @typedef {{{TypeOf(schema)}}} {typeName}");
        }

        if (schema.GetRawText().Contains("\"integer\"", StringComparison.Ordinal))
        {
            text.AppendLine(" * (integer: a number without a fractional part)");
        }

        text.Append(" */");
        return text.ToString();
    }

    /// <summary>The TypeScript-like type of <paramref name="schema"/>: <c>string|null</c>, <c>{a: integer, b?: string}[]</c>, <c>"S"|"M"</c>; a whole number is <c>integer</c>.</summary>
    /// <param name="schema">A JSON schema.</param>
    /// <returns>The type, <c>*</c> when the schema does not constrain it.</returns>
    public static string TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "*";
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            return string.Join("|", values.EnumerateArray().Select(v => v.GetRawText()));
        }

        foreach (var keyword in (string[])["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out var options) && options.ValueKind == JsonValueKind.Array)
            {
                return string.Join("|", options.EnumerateArray().Select(TypeOf).Distinct());
            }
        }

        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? ObjectType(schema) : "*";
        }

        return type.ValueKind == JsonValueKind.Array
            ? string.Join("|", type.EnumerateArray().Select(t => Single(t.GetString(), schema)))
            : Single(type.GetString(), schema);
    }

    private static string Single(string? type, JsonElement schema) => type switch
    {
        "array" when schema.TryGetProperty("items", out var items) => Wrap(TypeOf(items)) + "[]",
        "array" => "Array",
        "object" => ObjectType(schema),
        null => "*",
        _ => type,
    };

    private static string Wrap(string type) => type.Contains('|', StringComparison.Ordinal) ? $"({type})" : type;

    private static string ObjectType(JsonElement schema)
    {
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return "Object";
        }

        var required = Required(schema);
        return "{" + string.Join(", ", properties.EnumerateObject().Select(p => $"{p.Name}{(required.Contains(p.Name) ? "" : "?")}: {TypeOf(p.Value)}")) + "}";
    }

    private static bool IsObject(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type)
            && (type.ValueKind == JsonValueKind.String ? type.GetString() == "object" : type.ValueKind == JsonValueKind.Array && type.EnumerateArray().Any(t => t.GetString() == "object"));

    private static HashSet<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array
            ? [.. required.EnumerateArray().Select(r => r.GetString() ?? "")]
            : [];

    private static string? Description(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String
            ? description.GetString()?.ReplaceLineEndings(" ")
            : null;
}
