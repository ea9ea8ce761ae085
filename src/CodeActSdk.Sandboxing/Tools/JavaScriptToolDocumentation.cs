using System.Text;
using System.Text.Json;

namespace CodeActSdk.Tools;

/// <summary>Renders tools as JSDoc-documented JavaScript function signatures, for the prompt of a JavaScript backend.</summary>
public static class JavaScriptToolDocumentation
{
    /// <summary>Renders <paramref name="tools"/>; an empty list renders a sentence saying there are none.</summary>
    public static string Render(IReadOnlyList<ToolDescriptor> tools)
    {
        if (tools.Count == 0)
        {
            return "No tools are available: work with the data given in the task.";
        }

        var text = new StringBuilder();
        text.AppendLine("These functions are defined in the global scope. Call them without await (they return the result directly), with positional arguments or with one object of named arguments: f(a, b) or f({ a, b }). A failing call throws an Error you can catch.");
        text.AppendLine();
        string? group = null;
        foreach (var tool in tools)
        {
            if (tool.Group is { } next && next != group)
            {
                text.AppendLine($"// ---- tools of \"{next}\" ----");
                text.AppendLine();
            }

            group = tool.Group;
            text.AppendLine("/**");
            foreach (var line in tool.Description.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                text.Append(" * ").AppendLine(line.TrimEnd());
            }

            foreach (var parameter in tool.Parameters)
            {
                var name = parameter.Required ? parameter.Name : (Default(parameter.Schema) is { } fallback ? $"[{parameter.Name}={fallback}]" : $"[{parameter.Name}]");
                text.Append($" * @param {{{JsType(parameter.Schema)}}} {name}");
                var description = parameter.Description?.TrimEnd();
                var constraints = Constraints(parameter.Schema);
                if (constraints is not null && description is { Length: > 0 } && !description.EndsWith('.') && !description.EndsWith('!') && !description.EndsWith('?'))
                {
                    description += ".";
                }

                var notes = string.Join(" ", new[] { description, constraints }.Where(n => !string.IsNullOrEmpty(n)));
                text.AppendLine(notes.Length == 0 ? "" : $" - {notes}");
            }

            if (tool.ReturnSchema is { } returns)
            {
                text.AppendLine($" * @returns {{{JsType(returns)}}}");
            }

            text.AppendLine(" */");
            text.AppendLine($"function {tool.Name}({string.Join(", ", tool.Parameters.Select(p => p.Name))}) {{}}");
            text.AppendLine();
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>The schema's default as JavaScript (JSON is), for the <c>[name=default]</c> of an optional parameter.</summary>
    private static string? Default(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("default", out var value) ? value.GetRawText() : null;

    /// <summary>
    /// What the schema allows beyond the type, in words the model reads: allowed values, the default, bounds. Left out,
    /// the model guesses them and its calls fail.
    /// </summary>
    private static string? Constraints(JsonElement schema)
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

        if (Default(schema) is { } fallback)
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

    private static string JsType(JsonElement schema)
    {
        var type = ToolDescriptor.SchemaType(schema);
        return type switch
        {
            "integer" => "number",
            "array" when schema.TryGetProperty("items", out var items) => JsType(items) + "[]",
            "array" => "Array",
            "object" when schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object =>
                "{" + string.Join(", ", properties.EnumerateObject().Select(p => $"{p.Name}: {JsType(p.Value)}")) + "}",
            "any" => "*",
            _ => type,
        };
    }
}
