using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodeActSdk.Roslyn.Tools;

/// <summary>
/// Renders a JSON schema as C# record declarations, for the prompt of the C# backend: the shape a typed final answer
/// must have (<see cref="CodeLanguage.TypeDescriber"/>). Nested objects become records of their own, named after their
/// property; property names are written in PascalCase, which the answer check matches without regard to case.
/// </summary>
/// <remarks>A pure function of its arguments; thread-safe.</remarks>
internal static class CSharpTypeDocumentation
{
    public static string Render(string typeName, JsonElement schema)
    {
        var records = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var root = TypeOf(schema, Pascal(typeName), records, names);
        if (records.Count == 0)
        {
            // Not an object: the answer is a plain value of this type.
            return $"// {typeName}: call final_answer with a value of type {root}";
        }

        return string.Join("\n", records);
    }

    private static string TypeOf(JsonElement schema, string suggestedName, List<string> records, HashSet<string> names)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "JsonNode?";
        }

        var nullable = false;
        string? type = null;
        if (schema.TryGetProperty("type", out var typeElement))
        {
            if (typeElement.ValueKind == JsonValueKind.Array)
            {
                var types = typeElement.EnumerateArray().Select(t => t.GetString()).ToList();
                nullable = types.Remove("null");
                type = types.Count == 1 ? types[0] : null;
            }
            else
            {
                type = typeElement.GetString();
            }
        }

        var csharp = type switch
        {
            _ when schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array =>
                "string /* one of " + string.Join(", ", values.EnumerateArray().Where(v => v.ValueKind != JsonValueKind.Null).Select(v => v.GetRawText())) + " */",
            "string" when schema.TryGetProperty("format", out var format) && format.GetString() == "date-time" => "DateTime",
            "string" => "string",
            "integer" => "long",
            "number" => "double",
            "boolean" => "bool",
            "array" when schema.TryGetProperty("items", out var items) => $"List<{TypeOf(items, Singular(suggestedName), records, names)}>",
            "array" => "List<JsonNode?>",
            "object" when schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object =>
                Record(schema, properties, suggestedName, records, names),
            "object" => "Dictionary<string, JsonNode?>",
            _ => "JsonNode",
        };

        return nullable && !csharp.EndsWith('?') ? Nullable(csharp) : csharp;
    }

    private static string Nullable(string type)
    {
        var comment = type.IndexOf(" /*", StringComparison.Ordinal);
        return comment < 0 ? type + "?" : type[..comment] + "?" + type[comment..];
    }

    private static string Record(JsonElement schema, JsonElement properties, string suggestedName, List<string> records, HashSet<string> names)
    {
        var name = suggestedName;
        for (var i = 2; !names.Add(name); i++)
        {
            name = suggestedName + i.ToString(CultureInfo.InvariantCulture);
        }

        var slot = records.Count;
        records.Add("");
        var required = schema.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(r => r.GetString()).ToHashSet(StringComparer.Ordinal)
            : [];
        var parameters = new List<string>();
        foreach (var property in properties.EnumerateObject())
        {
            var type = TypeOf(property.Value, Pascal(property.Name), records, names);
            if (!required.Contains(property.Name) && !type.Contains('?', StringComparison.Ordinal))
            {
                type = Nullable(type);
            }

            parameters.Add($"{type} {Pascal(property.Name)}");
        }

        var text = new StringBuilder();
        if (schema.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
        {
            text.Append("/// <summary>").Append(description.GetString()?.ReplaceLineEndings(" ")).AppendLine("</summary>");
        }

        text.Append($"public record {name}({string.Join(", ", parameters)});");
        records[slot] = text.ToString();
        return name;
    }

    private static string Pascal(string name) =>
        name.Length == 0 ? "Value" : char.ToUpperInvariant(name[0]) + name[1..];

    private static string Singular(string name) =>
        name.Length > 1 && name.EndsWith('s') && !name.EndsWith("ss", StringComparison.Ordinal) ? name[..^1] : name + "Item";
}
