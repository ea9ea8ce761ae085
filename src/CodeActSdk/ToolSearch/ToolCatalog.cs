using System.ComponentModel;
using System.Text;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Tool search, for agents with more tools than the prompt should document (<see cref="CodeActOptions.ToolSearchAbove"/>):
/// the prompt lists each tool in one line, grouped by server, and the code finds signatures when it needs them with
/// <c>search_tools(query)</c> (BM25 over names, descriptions and parameters) and <c>describe_tool(name)</c>, which answer
/// with the interpreter's own documentation (JSDoc, or C# signatures). Every tool stays callable as before.
/// </summary>
/// <remarks>Built once per agent, then read-only: thread-safe.</remarks>
internal sealed class ToolCatalog
{
    public const string SearchName = "search_tools";
    public const string DescribeName = "describe_tool";
    public const int MaxResults = 10;
    private const int LineChars = 110;

    private readonly IReadOnlyList<AIFunction> _tools;
    private readonly ICodeInterpreter _interpreter;
    private readonly Dictionary<string, AIFunction> _byName;
    private readonly Bm25Index<AIFunction> _index;

    public ToolCatalog(IReadOnlyList<AIFunction> tools, ICodeInterpreter interpreter)
    {
        _tools = tools;
        _interpreter = interpreter;
        _byName = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _index = new Bm25Index<AIFunction>(tools.Select(t => (t, IndexText(t))));
        Tools =
        [
            AIFunctionFactory.Create(Search, SearchName, "Finds the tools that best match what you need and returns their full documentation (signature, parameters, result), best first."),
            AIFunctionFactory.Create(Describe, DescribeName, "Returns the full documentation of one tool (signature, parameters, result), by the name listed in the prompt."),
        ];
    }

    /// <summary>The two search tools.</summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>
    /// The prompt's tool documentation: the full documentation of <paramref name="documented"/> (the search tools and
    /// the agent's own, such as the plan), then one line per catalogued tool, grouped by server.
    /// </summary>
    public string Render(IReadOnlyList<AIFunction> documented)
    {
        var text = new StringBuilder();
        text.AppendLine(_interpreter.DescribeTools(documented).Trim());
        text.AppendLine();
        text.AppendLine($"There are {_tools.Count} more tools, too many to document here: each line below names one and says what it does.");
        text.AppendLine($"Before you call one, get its exact signature with {DescribeName}(name), or find tools with {SearchName}(query); then call it like the functions above.");
        foreach (var group in _tools.GroupBy(t => t.AdditionalProperties.TryGetValue(CodeActSdk.Tools.ToolDescriptor.GroupProperty, out var g) ? g as string : null))
        {
            text.AppendLine();
            text.AppendLine(group.Key is { } name ? $"Tools of \"{name}\":" : "Tools:");
            foreach (var tool in group)
            {
                text.Append("- ").Append(tool.Name).Append(": ").AppendLine(FirstSentence(tool.Description));
            }
        }

        return text.ToString().TrimEnd();
    }

    private string Search(
        [Description("What the tool should do, in words, for example \"create invoice\".")] string query,
        [Description("How many tools at most, 1 to 10; default 5.")] int max_results = 5)
    {
        var found = _index.Search(query ?? "", Math.Clamp(max_results, 1, MaxResults)).Select(h => h.Item).ToList();
        return found.Count == 0
            ? $"No tool matches '{query}'. Try other words, or read the list of tools in the prompt."
            : _interpreter.DescribeTools(found);
    }

    private string Describe([Description("The tool's name, as listed in the prompt.")] string name) =>
        _byName.TryGetValue(name ?? "", out var tool)
            ? _interpreter.DescribeTools([tool])
            : throw new ArgumentException($"There is no tool named '{name}'." + (Closest(name ?? "") is { Count: > 0 } close ? $" Did you mean {string.Join(", ", close)}?" : $" Use {SearchName}(query) to find one."));

    private List<string> Closest(string name) =>
        [.. _index.Search(name.Replace('_', ' '), 3).Select(h => h.Item.Name)];

    private static string IndexText(AIFunction tool)
    {
        var text = new StringBuilder(tool.Name.Replace('_', ' ')).Append(' ').Append(SplitCamel(tool.Name)).Append(' ').Append(tool.Description);
        if (tool.JsonSchema.TryGetProperty("properties", out var properties) && properties.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                text.Append(' ').Append(property.Name.Replace('_', ' '));
                if (property.Value.ValueKind == System.Text.Json.JsonValueKind.Object && property.Value.TryGetProperty("description", out var description) && description.ValueKind == System.Text.Json.JsonValueKind.String)
                {
                    text.Append(' ').Append(description.GetString());
                }
            }
        }

        return text.ToString();
    }

    private static string SplitCamel(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) && char.IsLower(name[i - 1]) ? " " + c : c.ToString()));

    private static string FirstSentence(string description)
    {
        var line = description.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        line = end > 0 ? line[..(end + 1)] : line;
        return line.Length <= LineChars ? line : line[..LineChars].TrimEnd() + "…";
    }
}
