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
                var constraints = ToolDescriptor.DescribeConstraints(parameter.Schema, withDefault: false); // the signature shows it: [name=default]
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
    private static string? Default(JsonElement schema) => ToolDescriptor.DefaultJson(schema);

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
