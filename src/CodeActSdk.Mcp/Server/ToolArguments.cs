using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeActSdk.Mcp.Server;

/// <summary>
/// The arguments of one tool call, checked against the tool's own input schema, the one <c>tools/list</c> shows. There
/// is no other validation: what the schema allows, the tool accepts, and what it forbids is refused with a message
/// that names the argument and the rule. The schema may use only the keywords this class enforces
/// (<see cref="Keywords"/>); a tool whose schema uses another cannot be built.
/// </summary>
internal sealed class ToolArguments
{
    /// <summary>The JSON Schema keywords the check enforces (annotations such as <c>description</c> and <c>default</c> included).</summary>
    public static IReadOnlySet<string> Keywords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "type", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum", "properties", "required", "additionalProperties",
        "description", "default", "title",
    };

    private readonly IReadOnlyDictionary<string, JsonElement> _values;

    private ToolArguments(IReadOnlyDictionary<string, JsonElement> values) => _values = values;

    /// <summary>Throws unless every keyword of <paramref name="schema"/> (an object schema of flat properties) is one of <see cref="Keywords"/>.</summary>
    /// <exception cref="InvalidOperationException">The schema uses a keyword the check would not enforce.</exception>
    public static void EnsureEnforceable(string tool, JsonElement schema)
    {
        Check(schema, "");
        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                Check(property.Value, property.Name);
            }
        }

        void Check(JsonElement node, string where)
        {
            foreach (var keyword in node.EnumerateObject())
            {
                if (!Keywords.Contains(keyword.Name) || (where.Length > 0 && keyword.Name is "properties" or "required" or "additionalProperties"))
                {
                    throw new InvalidOperationException($"The input schema of {tool} uses '{keyword.Name}'{(where.Length > 0 ? $" on '{where}'" : "")}, which its argument check does not enforce.");
                }
            }
        }
    }

    /// <summary>Checks <paramref name="values"/> against <paramref name="schema"/> and returns them for reading.</summary>
    /// <exception cref="SandboxRequestException">An argument breaks a rule of the schema; the message names the first one found.</exception>
    public static ToolArguments Read(string tool, JsonElement schema, IDictionary<string, JsonElement>? values)
    {
        var arguments = values is null ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : new Dictionary<string, JsonElement>(values, StringComparer.Ordinal);
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        var known = properties.ValueKind == JsonValueKind.Object ? properties.EnumerateObject().Select(x => x.Name).ToList() : [];
        if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
        {
            var unknown = arguments.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                var takes = known.Count == 0 ? "it takes no arguments" : $"it takes {string.Join(", ", known)}";
                throw new SandboxRequestException(
                    $"Unknown argument{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(k => $"'{k}'"))} for {tool}; {takes}.");
            }
        }

        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!arguments.ContainsKey(name))
                {
                    var rule = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var s) ? Describe(s) : "a value";
                    throw new SandboxRequestException($"{tool} needs '{name}' ({rule}).");
                }
            }
        }

        foreach (var (name, value) in arguments)
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var propertySchema))
            {
                CheckValue(name, propertySchema, value);
            }
        }

        return new ToolArguments(arguments);
    }

    /// <summary>A string argument the schema has checked; <see langword="null"/> when absent.</summary>
    public string? String(string name) => _values.TryGetValue(name, out var value) ? value.GetString() : null;

    /// <summary>A whole-number argument the schema has checked, with values past <paramref name="ceiling"/> given as <paramref name="ceiling"/>; <see langword="null"/> when absent.</summary>
    public long? Integer(string name, long ceiling)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }

        var number = Number(value)!.Value;
        return number >= ceiling ? ceiling : (long)number;
    }

    private static void CheckValue(string name, JsonElement schema, JsonElement value)
    {
        if (schema.TryGetProperty("type", out var type) && !MatchesType(type, value))
        {
            throw new SandboxRequestException($"'{name}' must be {Describe(schema)}, but was {Show(value)}.");
        }

        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            throw new SandboxRequestException($"'{name}' must be one of {string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()))} (exactly as written), but was {Show(value)}.");
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            var length = CodePoints(text);
            if (schema.TryGetProperty("minLength", out var min) && length < min.GetInt64())
            {
                throw new SandboxRequestException(min.GetInt64() == 1
                    ? $"'{name}' is empty; it must be at least 1 character long, or left out when it is optional."
                    : $"'{name}' is {Number(length)} characters long; it must be at least {Number(min.GetInt64())}.");
            }

            if (schema.TryGetProperty("maxLength", out var max) && length > max.GetInt64())
            {
                throw new SandboxRequestException($"'{name}' is {Number(length)} characters long; this server accepts at most {Number(max.GetInt64())}.");
            }

            if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, DotNetPattern(pattern.GetString()!), RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                throw new SandboxRequestException($"'{name}' must match the pattern {pattern.GetString()} ({PatternMeaning(schema)}), but was {Show(value)}.");
            }
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            var number = Number(value)!.Value;
            if (schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
            {
                throw new SandboxRequestException($"'{name}' must be at least {min.GetRawText()}, but was {Show(value)}; leave it out for the default.");
            }

            if (schema.TryGetProperty("maximum", out var max) && number > max.GetDouble())
            {
                throw new SandboxRequestException($"'{name}' must be at most {max.GetRawText()}, but was {Show(value)}.");
            }
        }
    }

    private static bool MatchesType(JsonElement type, JsonElement value) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => MatchesType(t.GetString()!, value))
        : MatchesType(type.GetString()!, value);

    private static bool MatchesType(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        // A number past the range of a double (1e400) is none: JavaScript clients read it as Infinity and refuse it too.
        "number" => Number(value) is not null,
        // JSON Schema: a number with a zero fractional part is an integer (1.0 is, 1.5 is not).
        "integer" => Number(value) is { } number && number == Math.Floor(number),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    /// <summary>What a property's schema asks for, in words: "a string of 1 to 128 characters", "a whole number of at least 1".</summary>
    private static string Describe(JsonElement schema)
    {
        if (schema.TryGetProperty("enum", out var allowed))
        {
            return $"one of {string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()))}";
        }

        var type = schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var text = new StringBuilder(type switch
        {
            "string" => "a string",
            "integer" => "a whole number (a JSON number, not a string)",
            "number" => "a number",
            "boolean" => "true or false",
            "object" => "an object",
            "array" => "an array",
            _ => "a value",
        });
        if (schema.TryGetProperty("minimum", out var min))
        {
            text.Append(CultureInfo.InvariantCulture, $" of at least {min.GetRawText()}");
        }

        if (schema.TryGetProperty("maxLength", out var max))
        {
            text.Append(CultureInfo.InvariantCulture, $" of at most {Number(max.GetInt64())} characters");
        }

        return text.ToString();
    }

    private static string PatternMeaning(JsonElement schema) =>
        schema.TryGetProperty("description", out var d) && d.GetString() is { } description && description.Contains("control", StringComparison.Ordinal)
            ? "no control characters"
            : "see the tool's input schema";

    /// <summary>
    /// The pattern with ECMAScript's meaning of a final <c>$</c> (the very end of the text; in .NET it also matches
    /// before a final newline), so that clients that check the schema and this check agree.
    /// </summary>
    private static string DotNetPattern(string pattern) =>
        pattern.EndsWith('$') && !pattern.EndsWith("\\$", StringComparison.Ordinal) ? pattern[..^1] + "\\z" : pattern;

    private static double? Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) ? number : null;

    private static long CodePoints(string text)
    {
        long count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string Number(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Show(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 40 ? text : text[..40] + "…";
    }
}
