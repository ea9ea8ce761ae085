using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeActSdk;

/// <summary>
/// Checks a JSON value against the JSON schema subset that <c>AIJsonUtilities.CreateJsonSchema</c> writes for .NET
/// types: <c>type</c> (one or several), <c>enum</c>, <c>const</c>, <c>properties</c>, <c>required</c>,
/// <c>additionalProperties: false</c>, <c>items</c>, <c>anyOf</c>/<c>oneOf</c>, lengths, counts, bounds and
/// <c>pattern</c>. Other keywords are ignored; reading the value into its .NET type afterwards catches the rest.
/// </summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class JsonSchemaChecker
{
    private const int MaxReported = 20;

    public static void Check(JsonElement value, JsonElement schema, string path, bool caseInsensitive, List<SchemaMismatch> into)
    {
        if (into.Count >= MaxReported)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            into.Add(new SchemaMismatch(path, "no value is allowed here"));
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !MatchesType(value, type))
        {
            into.Add(new SchemaMismatch(path, $"expected {Describe(type)}, got {Actual(value)}"));
            return;
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array
            && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
        {
            into.Add(new SchemaMismatch(path, $"expected one of {string.Join(", ", values.EnumerateArray().Select(v => v.GetRawText()))}, got {Actual(value)}"));
            return;
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            into.Add(new SchemaMismatch(path, $"expected {constant.GetRawText()}, got {Actual(value)}"));
            return;
        }

        foreach (var keyword in (string[])["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out var options) && options.ValueKind == JsonValueKind.Array)
            {
                var branches = options.EnumerateArray().ToList();
                if (!branches.Any(branch => Matches(value, branch, caseInsensitive)))
                {
                    // One branch that admits the value's type explains best; otherwise name the types allowed.
                    var near = branches.Where(b => !b.TryGetProperty("type", out var t) || MatchesType(value, t)).ToList();
                    if (near.Count == 1)
                    {
                        Check(value, near[0], path, caseInsensitive, into);
                    }
                    else
                    {
                        into.Add(new SchemaMismatch(path, $"expected {string.Join(" or ", branches.Select(b => b.TryGetProperty("type", out var t) ? Describe(t) : "a value of another shape"))}, got {Actual(value)}"));
                    }

                    return;
                }
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, path, caseInsensitive, into);
                break;
            case JsonValueKind.Array:
                CheckArray(value, schema, path, caseInsensitive, into);
                break;
            case JsonValueKind.String:
                CheckString(value.GetString()!, schema, path, into);
                break;
            case JsonValueKind.Number:
                CheckNumber(value.GetDouble(), schema, path, into);
                break;
        }
    }

    private static bool Matches(JsonElement value, JsonElement schema, bool caseInsensitive)
    {
        var probe = new List<SchemaMismatch>();
        Check(value, schema, "$", caseInsensitive, probe);
        return probe.Count == 0;
    }

    private static void CheckObject(JsonElement value, JsonElement schema, string path, bool caseInsensitive, List<SchemaMismatch> into)
    {
        var comparison = caseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var given = new Dictionary<string, JsonElement>(comparison);
        foreach (var property in value.EnumerateObject())
        {
            given.TryAdd(property.Name, property.Value);
        }

        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var declared = new HashSet<string>(comparison);
        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                declared.Add(property.Name);
                if (given.TryGetValue(property.Name, out var item))
                {
                    Check(item, property.Value, $"{path}.{property.Name}", caseInsensitive, into);
                }
            }
        }

        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
            {
                var propertySchema = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var s) ? s : default;
                if (!given.ContainsKey(name) && !AdmitsNull(propertySchema))
                {
                    into.Add(new SchemaMismatch(path, $"missing required property '{name}'" + (propertySchema.ValueKind == JsonValueKind.Object && propertySchema.TryGetProperty("type", out var t) ? $" ({Describe(t)})" : "")));
                }
            }
        }

        if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
        {
            foreach (var name in given.Keys.Where(k => !declared.Contains(k)))
            {
                into.Add(new SchemaMismatch($"{path}.{name}", $"unexpected property; the type has only {string.Join(", ", declared)}"));
            }
        }
    }

    private static void CheckArray(JsonElement value, JsonElement schema, string path, bool caseInsensitive, List<SchemaMismatch> into)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && min.TryGetInt32(out var least) && count < least)
        {
            into.Add(new SchemaMismatch(path, $"expected at least {least} item(s), got {count}"));
        }

        if (schema.TryGetProperty("maxItems", out var max) && max.TryGetInt32(out var most) && count > most)
        {
            into.Add(new SchemaMismatch(path, $"expected at most {most} item(s), got {count}"));
        }

        if (schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, $"{path}[{index++}]", caseInsensitive, into);
            }
        }
    }

    private static void CheckString(string value, JsonElement schema, string path, List<SchemaMismatch> into)
    {
        if (schema.TryGetProperty("minLength", out var min) && min.TryGetInt32(out var least) && value.Length < least)
        {
            into.Add(new SchemaMismatch(path, $"expected at least {least} character(s), got {value.Length}"));
        }

        if (schema.TryGetProperty("maxLength", out var max) && max.TryGetInt32(out var most) && value.Length > most)
        {
            into.Add(new SchemaMismatch(path, $"expected at most {most} character(s), got {value.Length}"));
        }

        if (schema.TryGetProperty("pattern", out var pattern) && pattern.GetString() is { } regex
            && !Regex.IsMatch(value, regex, RegexOptions.None, TimeSpan.FromMilliseconds(100)))
        {
            into.Add(new SchemaMismatch(path, $"expected a string matching /{regex}/, got {Preview(value)}"));
        }
    }

    private static void CheckNumber(double value, JsonElement schema, string path, List<SchemaMismatch> into)
    {
        if (schema.TryGetProperty("minimum", out var min) && min.ValueKind == JsonValueKind.Number && value < min.GetDouble())
        {
            into.Add(new SchemaMismatch(path, $"expected at least {min.GetRawText()}, got {value.ToString(CultureInfo.InvariantCulture)}"));
        }

        if (schema.TryGetProperty("maximum", out var max) && max.ValueKind == JsonValueKind.Number && value > max.GetDouble())
        {
            into.Add(new SchemaMismatch(path, $"expected at most {max.GetRawText()}, got {value.ToString(CultureInfo.InvariantCulture)}"));
        }
    }

    private static bool AdmitsNull(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && Names(type).Contains("null");

    private static bool MatchesType(JsonElement value, JsonElement type) => Names(type).Any(name => name switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsIntegral(value),
        _ => true,
    });

    private static bool IsIntegral(JsonElement number) =>
        number.TryGetInt64(out _) || (number.TryGetDouble(out var d) && Math.Floor(d) == d && !double.IsInfinity(d));

    private static List<string> Names(JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => [type.GetString()!],
        JsonValueKind.Array => [.. type.EnumerateArray().Select(t => t.GetString()).OfType<string>()],
        _ => [],
    };

    private static string Describe(JsonElement type) => string.Join(" or ", Names(type));

    private static string Actual(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => $"boolean {value.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => $"an array of {value.GetArrayLength()}",
        JsonValueKind.String => $"string {Preview(value.GetString()!)}",
        JsonValueKind.Number => $"number {value.GetRawText()}",
        _ => value.ValueKind.ToString(),
    };

    private static string Preview(string text) => JsonSerializer.Serialize(text.Length <= 40 ? text : text[..40] + "…");
}
