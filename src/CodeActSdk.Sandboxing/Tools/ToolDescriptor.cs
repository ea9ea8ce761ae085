using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tools;

/// <summary>A tool as sandboxed code sees it: its identifier, documentation and parameters, read from its JSON schema.</summary>
/// <param name="Function">The host function behind the tool.</param>
/// <param name="Name">The identifier the code calls (the function's name, made a valid identifier).</param>
/// <param name="Description">What the tool does.</param>
/// <param name="Parameters">The parameters in declaration order.</param>
/// <param name="ReturnSchema">The JSON schema of the result, when the function declares one.</param>
public sealed record ToolDescriptor(
    AIFunction Function,
    string Name,
    string Description,
    IReadOnlyList<ToolParameter> Parameters,
    JsonElement? ReturnSchema)
{
    /// <summary>
    /// The key in <see cref="AITool.AdditionalProperties"/> whose string value groups tools in the prompt's
    /// documentation (the MCP bridge sets it to the server's name).
    /// </summary>
    public const string GroupProperty = "codeact.group";

    /// <summary>The group the tool is documented in (see <see cref="GroupProperty"/>), or null.</summary>
    public string? Group => Function.AdditionalProperties.TryGetValue(GroupProperty, out var group) ? group as string : null;

    /// <summary>A one-line signature such as <c>orders(region: string, limit?: integer)</c>, for error messages.</summary>
    public string Signature =>
        $"{Name}({string.Join(", ", Parameters.Select(p => $"{p.Name}{(p.Required ? "" : "?")}: {p.Type}"))})";

    /// <summary>Reads a tool's parameters from <paramref name="function"/>'s JSON schema.</summary>
    public static ToolDescriptor From(AIFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var schema = function.JsonSchema;
        var required = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array
            ? req.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        var parameters = new List<ToolParameter>();
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var description = property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String
                    ? d.GetString()
                    : null;
                parameters.Add(new ToolParameter(property.Name, SchemaType(property.Value), description, required.Contains(property.Name), property.Value.Clone()));
            }
        }

        var returnSchema = function.ReturnJsonSchema is { ValueKind: JsonValueKind.Object } r ? r.Clone() : (JsonElement?)null;
        return new ToolDescriptor(function, ToIdentifier(function.Name), function.Description ?? "", parameters, returnSchema);
    }

    /// <summary>The JSON type a schema describes: <c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, <c>array</c>, <c>object</c>, <c>null</c>, or <c>any</c>.</summary>
    public static string SchemaType(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
        {
            return "any";
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => type.GetString() ?? "any",
            // ["integer", "null"] and the like: a nullable type is its non-null member.
            JsonValueKind.Array => type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t is not null and not "null") ?? "null",
            _ => "any",
        };
    }

    private static string ToIdentifier(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' ? c : '_').ToArray();
        var identifier = new string(chars);
        return identifier.Length == 0 || char.IsAsciiDigit(identifier[0]) ? "_" + identifier : identifier;
    }

    /// <summary>
    /// What a parameter's schema allows beyond its type, in sentences the model reads in the tool documentation of
    /// every language: allowed values, the default, numeric bounds, lengths and pattern. Left out, the model guesses
    /// them and its calls fail.
    /// </summary>
    /// <param name="schema">The parameter's JSON schema.</param>
    /// <param name="withDefault">Whether to say the default; a language whose signatures show it (JSDoc's <c>[units="metric"]</c>) leaves it out.</param>
    /// <returns>For example <c>One of "metric", "imperial". Default "metric".</c>; <see langword="null"/> when the schema says nothing more.</returns>
    public static string? DescribeConstraints(JsonElement schema, bool withDefault = true)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        List<string> notes = [];
        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            notes.Add("One of " + string.Join(", ", values.EnumerateArray().Select(v => v.GetRawText())) + ".");
        }

        if (withDefault && DefaultJson(schema) is { } fallback)
        {
            notes.Add($"Default {fallback}.");
        }

        var min = Bound(schema, "minimum") ?? Bound(schema, "exclusiveMinimum", " (exclusive)");
        var max = Bound(schema, "maximum") ?? Bound(schema, "exclusiveMaximum", " (exclusive)");
        if (min is not null && max is not null)
        {
            notes.Add($"From {min} to {max}.");
        }
        else if (min is not null)
        {
            notes.Add($"At least {min}.");
        }
        else if (max is not null)
        {
            notes.Add($"At most {max}.");
        }

        var minLength = Bound(schema, "minLength");
        var maxLength = Bound(schema, "maxLength");
        if (minLength is not null || maxLength is not null)
        {
            notes.Add(minLength is not null && maxLength is not null ? $"{minLength} to {maxLength} characters."
                : minLength is not null ? $"At least {minLength} characters." : $"At most {maxLength} characters.");
        }

        if (schema.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.String)
        {
            notes.Add($"Matches /{pattern.GetString()}/.");
        }

        return notes.Count == 0 ? null : string.Join(" ", notes);
    }

    private static string? Bound(JsonElement schema, string keyword, string suffix = "") =>
        schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() + suffix : null;

    /// <summary>The schema's <c>default</c> as JSON text, or <see langword="null"/> when it has none.</summary>
    /// <param name="schema">The parameter's JSON schema.</param>
    public static string? DefaultJson(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("default", out var value) ? value.GetRawText() : null;
}

/// <summary>One parameter of a tool.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Type">Its JSON type (see <see cref="ToolDescriptor.SchemaType"/>).</param>
/// <param name="Description">What it means, when documented.</param>
/// <param name="Required">Whether the call must pass it.</param>
/// <param name="Schema">Its full JSON schema.</param>
public sealed record ToolParameter(string Name, string Type, string? Description, bool Required, JsonElement Schema);
