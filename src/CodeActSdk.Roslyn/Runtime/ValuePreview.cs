using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// A short preview of a value for the state digest, at most <see cref="VariableSummary.MaxPreviewChars"/> characters.
/// Collections show their count and first items; lazy sequences are not run; other values show their JSON. It runs the
/// code's own getters, so callers run it inside an execution with a time budget and no tools; a value that cannot be
/// shown says why instead.
/// </summary>
internal static class ValuePreview
{
    private const int Items = 5;

    public static string Of(object? value, JsonSerializerOptions json)
    {
        try
        {
            return Cut(Render(value, json, nested: false));
        }
        catch (SandboxStopException)
        {
            return "(cannot be shown: computing the preview took too long)";
        }
        catch (Exception e)
        {
            return Cut($"(cannot be shown: {e.GetType().Name})");
        }
    }

    private static string Render(object? value, JsonSerializerOptions json, bool nested) => value switch
    {
        null => "null",
        string text => JsonSerializer.Serialize(text.Length > VariableSummary.MaxPreviewChars ? text[..VariableSummary.MaxPreviewChars] : text),
        bool or char or Enum => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        IFormattable number when value is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal or BigInteger =>
            number.ToString(null, CultureInfo.InvariantCulture),
        DateTime or DateTimeOffset or TimeSpan or Guid => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        Delegate => "function",
        ICollection collection => nested ? "[…]" : Sequence(collection, json),
        IEnumerable sequence when value.GetType().GetInterfaces().Any(IsReadOnlyCollection) => nested ? "[…]" : Sequence(sequence, json),
        IEnumerable => "(a lazy sequence: not run for the preview; call .ToList() to keep its items)",
        _ => Json(value, json),
    };

    private static bool IsReadOnlyCollection(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyCollection<>);

    private static string Sequence(IEnumerable sequence, JsonSerializerOptions json)
    {
        var shown = new List<string>();
        var more = false;
        foreach (var item in sequence)
        {
            if (shown.Count == Items)
            {
                more = true;
                break;
            }

            shown.Add(Render(item, json, nested: true));
        }

        var count = sequence is ICollection collection ? $"Count = {collection.Count.ToString(CultureInfo.InvariantCulture)} " : "";
        return $"{count}[{string.Join(", ", shown)}{(more ? ", …" : "")}]";
    }

    private static string Json(object value, JsonSerializerOptions json)
    {
        var text = JsonSerializer.Serialize(value, value.GetType(), json);
        return text.Length > VariableSummary.MaxPreviewChars * 2 ? text[..(VariableSummary.MaxPreviewChars * 2)] : text;
    }

    private static string Cut(string text) =>
        text.Length <= VariableSummary.MaxPreviewChars ? text : text[..(VariableSummary.MaxPreviewChars - 1)] + "…";
}
