using System.Text;
using System.Text.Json;
using CodeActSdk.Tools;
using Microsoft.CodeAnalysis.CSharp;

namespace CodeActSdk.Roslyn.Tools;

/// <summary>One tool as a typed C# method of the <c>tools</c> global.</summary>
internal sealed record CSharpToolMethod(ToolDescriptor Tool, int Index, string Name, string ReturnType, IReadOnlyList<CSharpToolParameter> Parameters);

/// <summary>One parameter of a tool method: its C# name and type, and whether it may be left out.</summary>
internal sealed record CSharpToolParameter(ToolParameter Parameter, string Name, string Type);

/// <summary>
/// Turns a session's tools into typed C# methods: the prompt's documentation (signatures with doc comments) and the
/// source of the <c>tools</c> class compiled into the session. Names are PascalCase (<c>get_weather</c> becomes
/// <c>GetWeather</c>); JSON types map to C# types: string → <c>string</c>, integer → <c>long</c>, number →
/// <c>double</c>, boolean → <c>bool</c>, array, object or untyped → <c>JsonNode</c>; an optional parameter is nullable
/// and defaults to <c>null</c>. The result is typed the same way when the tool declares a result schema.
/// </summary>
internal static class CSharpToolSurface
{
    public const string ClassName = "CodeActTools";
    private const string JsonNodeType = "global::System.Text.Json.Nodes.JsonNode";

    /// <exception cref="ArgumentException">Two tools get the same C# name.</exception>
    public static IReadOnlyList<CSharpToolMethod> Methods(IReadOnlyList<ToolDescriptor> tools)
    {
        var methods = new List<CSharpToolMethod>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i];
            var name = PascalCase(tool.Name);
            if (!names.TryAdd(name, tool.Function.Name))
            {
                throw new ArgumentException($"The tools '{names[name]}' and '{tool.Function.Name}' would both be tools.{name} in C#. Rename one.", nameof(tools));
            }

            var parameters = tool.Parameters
                .Select(p => new CSharpToolParameter(p, Identifier(p.Name), TypeOf(p.Type) + (p.Required ? "" : "?")))
                .ToArray();
            var returns = tool.ReturnSchema is { } schema ? TypeOf(ToolDescriptor.SchemaType(schema)) : JsonNodeType;
            methods.Add(new CSharpToolMethod(tool, i, name, returns, parameters));
        }

        return methods;
    }

    /// <summary>The source of the session's first, hidden submission: the tools class and the <c>tools</c> variable.</summary>
    public static string Prelude(IReadOnlyList<CSharpToolMethod> methods)
    {
        var source = new StringBuilder();
        source.Append("public sealed class ").Append(ClassName).Append(" {");
        foreach (var method in methods)
        {
            var returns = method.ReturnType == JsonNodeType ? JsonNodeType : method.ReturnType;
            source.Append(" public ").Append(returns).Append(' ').Append(method.Name).Append('(')
                .Append(string.Join(", ", method.Parameters.Select(p => $"{Unannotated(p.Type)} {p.Name}{(p.Parameter.Required ? "" : " = null")}")))
                .Append(") => global::CodeActSdk.Roslyn.Runtime.ToolGateway.Call<").Append(returns).Append(">(").Append(method.Index)
                .Append(method.Parameters.Count > 0 ? ", " : "")
                .Append(string.Join(", ", method.Parameters.Select(p => p.Name)))
                .Append(");");
        }

        source.Append(" }\nvar tools = new ").Append(ClassName).Append("();\n");
        return source.ToString();
    }

    /// <summary>The tools as a documented C# class, for the prompt.</summary>
    public static string Describe(IReadOnlyList<CSharpToolMethod> methods)
    {
        if (methods.Count == 0)
        {
            return "No tools are available: work with the data given in the task.";
        }

        var text = new StringBuilder();
        text.AppendLine("The tools are methods of the global `tools` object, for example tools." + methods[0].Name + "(...). They return the result directly (no await needed). A failing call throws an exception that you can catch. JsonNode is System.Text.Json.Nodes.JsonNode: index it with [\"name\"] or [0] and convert with (string)node, (long)node, (double)node.");
        text.AppendLine();
        text.AppendLine("class Tools");
        text.AppendLine("{");
        string? group = null;
        for (var i = 0; i < methods.Count; i++)
        {
            var method = methods[i];
            if (method.Tool.Group is { } next && next != group)
            {
                text.AppendLine($"    // ---- tools of \"{next}\" ----");
            }

            group = method.Tool.Group;
            text.AppendLine($"    /// <summary>{Xml(method.Tool.Description.Trim())}</summary>");
            foreach (var parameter in method.Parameters)
            {
                // The description, then what the schema allows beyond the type (allowed values, default, bounds).
                var description = parameter.Parameter.Description?.Trim();
                var constraints = ToolDescriptor.DescribeConstraints(parameter.Parameter.Schema);
                if (constraints is not null && description is { Length: > 0 } && !description.EndsWith('.') && !description.EndsWith('!') && !description.EndsWith('?'))
                {
                    description += ".";
                }

                var notes = string.Join(" ", new[] { description, constraints }.Where(n => !string.IsNullOrEmpty(n)));
                if (notes.Length > 0)
                {
                    text.AppendLine($"    /// <param name=\"{parameter.Name.TrimStart('@')}\">{Xml(notes)}</param>");
                }
            }

            var parameters = string.Join(", ", method.Parameters.Select(p => $"{Short(p.Type)} {p.Name}{(p.Parameter.Required ? "" : " = null")}"));
            var returns = Short(method.ReturnType) + (method.ReturnType == JsonNodeType ? "?" : "");
            text.AppendLine($"    public {returns} {method.Name}({parameters});");
            if (i < methods.Count - 1)
            {
                text.AppendLine();
            }
        }

        text.Append('}');
        return text.ToString();
    }

    private static string TypeOf(string jsonType) => jsonType switch
    {
        "string" => "string",
        "integer" => "long",
        "number" => "double",
        "boolean" => "bool",
        _ => JsonNodeType,
    };

    private static string Short(string type) => type.Replace("global::System.Text.Json.Nodes.", "", StringComparison.Ordinal);

    private static string Unannotated(string type) => type.StartsWith(JsonNodeType, StringComparison.Ordinal) ? JsonNodeType : type;

    /// <summary>
    /// Text for an XML doc comment's element content: only &amp;, &lt; and &gt; need escaping there, and quotes stay
    /// quotes, as the model reads them in allowed values such as <c>One of "metric", "imperial"</c>.
    /// </summary>
    private static string Xml(string text) =>
        text.ReplaceLineEndings(" ").Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string PascalCase(string name)
    {
        var parts = name.Split(['_', '-', '.', '$', ' '], StringSplitOptions.RemoveEmptyEntries);
        var joined = string.Concat(parts.Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        if (joined.Length == 0 || !SyntaxFacts.IsIdentifierStartCharacter(joined[0]))
        {
            joined = "Tool" + joined;
        }

        return joined;
    }

    private static string Identifier(string name)
    {
        var chars = name.Select((c, i) => SyntaxFacts.IsIdentifierPartCharacter(c) ? c : '_').ToArray();
        var identifier = new string(chars);
        if (identifier.Length == 0 || !SyntaxFacts.IsIdentifierStartCharacter(identifier[0]))
        {
            identifier = "_" + identifier;
        }

        return SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(identifier) is SyntaxKind.VarKeyword
            ? "@" + identifier
            : identifier;
    }
}
