using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace CodeActSdk.Mcp.TestServer;

/// <summary>Builders for tool results and readers for tool arguments.</summary>
internal static class Results
{
    public static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    /// <summary>Structured content, with the same JSON as text content (as the MCP spec recommends for older clients).</summary>
    public static CallToolResult Structured(JsonNode value)
    {
        var text = value.ToJsonString();
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = Element(value),
        };
    }

    public static CallToolResult Error(string message) => new() { Content = [new TextContentBlock { Text = message }], IsError = true };

    public static JsonElement Element(JsonNode value)
    {
        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.Clone();
    }

    public static string RequiredString(IReadOnlyDictionary<string, JsonElement> arguments, string tool, string name) =>
        OptionalString(arguments, name) ?? throw new ArgumentException($"{tool} needs '{name}' (a string).");

    public static string? OptionalString(IReadOnlyDictionary<string, JsonElement> arguments, string name) =>
        !arguments.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new ArgumentException($"'{name}' must be a string, but was {value.GetRawText()}.");

    public static double RequiredNumber(IReadOnlyDictionary<string, JsonElement> arguments, string tool, string name) =>
        arguments.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble()
        : throw new ArgumentException(arguments.ContainsKey(name)
            ? $"'{name}' must be a number, but was {value.GetRawText()}."
            : $"{tool} needs '{name}' (a number).");

    public static long RequiredInteger(IReadOnlyDictionary<string, JsonElement> arguments, string tool, string name, long min, long max)
    {
        if (!arguments.TryGetValue(name, out var value))
        {
            throw new ArgumentException($"{tool} needs '{name}' (a whole number from {min} to {max}).");
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number < min || number > max)
        {
            throw new ArgumentException($"'{name}' must be a whole number from {min} to {max}, but was {value.GetRawText()}.");
        }

        return number;
    }
}
