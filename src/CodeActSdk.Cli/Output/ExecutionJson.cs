using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CodeActSdk.Cli.Output;

/// <summary>
/// Writes an <see cref="ExecutionResult"/> as the one-line JSON object of the command-line contract:
/// <c>{"ok","status","stdout","value","error","durationMs"}</c>, then <c>"finalAnswer"</c>.
/// </summary>
internal static class ExecutionJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Valid JSON that keeps non-ASCII text readable; control characters (newlines included) are still escaped,
        // so the object stays on one line.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Returns the JSON object as UTF-8 bytes, without a trailing newline.</summary>
    public static byte[] ToUtf8(ExecutionResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteBoolean("ok", result.IsSuccess);
            json.WriteString("status", result.Status.ToString());
            json.WriteString("stdout", Scrub(result.Stdout));
            WriteElement(json, "value", result.Value);
            WriteError(json, result);
            json.WriteNumber("durationMs", Math.Round(result.Duration.TotalMilliseconds, 1));
            WriteElement(json, "finalAnswer", result.FinalAnswer);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Returns the JSON object as a string, without a trailing newline.</summary>
    public static string ToText(ExecutionResult result) => Encoding.UTF8.GetString(ToUtf8(result));

    private static void WriteError(Utf8JsonWriter json, ExecutionResult result)
    {
        if (result.IsSuccess)
        {
            json.WriteNull("error");
            return;
        }

        // A failed result always carries an error object, even if the backend gave no details.
        var error = result.Error ?? new ExecutionError(result.Status.ToString(), $"The execution ended with status {result.Status}.");
        json.WriteStartObject("error");
        json.WriteString("kind", Scrub(error.Kind));
        json.WriteString("message", Scrub(error.Message));
        if (error.Line is { } line)
        {
            json.WriteNumber("line", line);
        }

        if (error.Column is { } column)
        {
            json.WriteNumber("column", column);
        }

        json.WriteEndObject();
    }

    private static void WriteElement(Utf8JsonWriter json, string name, JsonElement? element)
    {
        if (element is { ValueKind: not JsonValueKind.Undefined } value)
        {
            json.WritePropertyName(name);
            value.WriteTo(json);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    // Sandboxed code can print a lone surrogate ("\uD800"), which cannot be encoded as UTF-8; replace it with U+FFFD.
    private static string Scrub(string text)
    {
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                : !char.IsLowSurrogate(c) || (i > 0 && char.IsHighSurrogate(text[i - 1]));
            if (!paired)
            {
                clean ??= new StringBuilder(text, 0, i, text.Length);
                clean.Append('\uFFFD');
            }
            else
            {
                clean?.Append(c);
            }
        }

        return clean?.ToString() ?? text;
    }
}
