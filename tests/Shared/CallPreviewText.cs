using System.Text.Json;

namespace CodeActSdk.Tests.Shared;

/// <summary>A call preview as lines of text, so that a test asserts the whole preview at once.</summary>
public static class CallPreviewText
{
    /// <summary>
    /// One line per call, <c>call get_price 3:5 InLoop ("AAPL", ?x)</c> (a literal argument as JSON, a computed one as
    /// <c>?</c> and its source, a C# argument prefixed by its parameter's name), then one per dynamic reach,
    /// <c>dynamic ToolAsValue 1:11 get_price `get_price`</c>, then the syntax error if any.
    /// </summary>
    public static IReadOnlyList<string> Lines(CallPreview preview)
    {
        var lines = new List<string>();
        foreach (var call in preview.Calls)
        {
            var arguments = string.Join(", ", call.Arguments.Select(a =>
                (a.Name is null ? "" : a.Name + ": ") + (a.Value is { } value ? JsonSerializer.Serialize(value) : "?" + a.Source)));
            lines.Add($"call {call.ToolName} {call.Line}:{call.Column} {call.Placement.ToString().Replace(", ", "|", StringComparison.Ordinal)} ({arguments})");
        }

        foreach (var reach in preview.Dynamic)
        {
            lines.Add($"dynamic {reach.Kind} {reach.Line}:{reach.Column}{(reach.ToolName is null ? "" : " " + reach.ToolName)} `{reach.Source}`");
        }

        if (preview.SyntaxError is { } error)
        {
            lines.Add($"syntax {error.Line}:{error.Column}");
        }

        return lines;
    }
}
