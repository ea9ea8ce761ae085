using System.Globalization;
using System.Text.Json;

namespace CodeActSdk.Mcp.Server;

/// <summary>The arguments of one tool call, read with messages that name the argument and say what it should be.</summary>
internal sealed class ToolArguments
{
    private readonly string _tool;
    private readonly IDictionary<string, JsonElement> _values;

    private ToolArguments(string tool, IDictionary<string, JsonElement>? values, IReadOnlyList<string> known)
    {
        _tool = tool;
        _values = values ?? new Dictionary<string, JsonElement>();
        var unknown = _values.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            var takes = known.Count == 0 ? "it takes no arguments" : $"it takes {string.Join(", ", known)}";
            throw new SandboxRequestException(
                $"Unknown argument{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(k => $"'{k}'"))} for {tool}; {takes}.");
        }
    }

    /// <summary>Reads the call's arguments, refusing any that <paramref name="known"/> does not list.</summary>
    /// <exception cref="SandboxRequestException">An argument is not one of <paramref name="known"/>.</exception>
    public static ToolArguments Read(string tool, IDictionary<string, JsonElement>? values, params IReadOnlyList<string> known) => new(tool, values, known);

    /// <summary>A string argument; <see langword="null"/> when it is absent or JSON <c>null</c> and not required.</summary>
    public string? String(string name, bool required)
    {
        if (!TryGet(name, out var value))
        {
            return required ? throw new SandboxRequestException($"{_tool} needs '{name}' (a string).") : null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new SandboxRequestException($"'{name}' must be a string, but was {Describe(value)}.");
    }

    /// <summary>
    /// A positive whole number (a JSON number, or a string holding one); <see langword="null"/> when absent. Values
    /// past <paramref name="ceiling"/> are returned as <paramref name="ceiling"/>: the caller clamps them further.
    /// </summary>
    public long? PositiveInteger(string name, long ceiling)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        double number;
        if (value.ValueKind == JsonValueKind.Number)
        {
            number = value.GetDouble();
        }
        else if (value.ValueKind == JsonValueKind.String
                 && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            number = parsed;
        }
        else
        {
            throw new SandboxRequestException($"'{name}' must be a whole number, but was {Describe(value)}.");
        }

        if (double.IsNaN(number) || double.IsInfinity(number) || number != Math.Floor(number))
        {
            throw new SandboxRequestException($"'{name}' must be a whole number, but was {Describe(value)}.");
        }

        if (number <= 0)
        {
            throw new SandboxRequestException($"'{name}' must be positive, but was {Describe(value)}; leave it out for the default.");
        }

        return number >= ceiling ? ceiling : (long)number;
    }

    private bool TryGet(string name, out JsonElement value) =>
        _values.TryGetValue(name, out value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    private static string Describe(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 40 ? text : text[..40] + "…";
    }
}
