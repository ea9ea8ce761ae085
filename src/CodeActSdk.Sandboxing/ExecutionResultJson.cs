using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CodeActSdk;

/// <summary>
/// Writes an <see cref="ExecutionResult"/> as the JSON object of the command-line contract (<c>codeact exec</c>), which
/// the MCP server's <c>execute_code</c> returns too: <c>{"ok","status","stdout","value","error","durationMs","finalAnswer"}</c>,
/// on one line. <c>error</c> is <c>{"kind","message","line"?,"column"?}</c> when the execution failed, otherwise null.
/// When the code wrote artifacts, <c>"artifacts":[{"path","mediaType","size"}]</c> follows (their content is not included).
/// </summary>
public static class ExecutionResultJson
{
    /// <summary>Compact, one line; non-ASCII text stays readable, control characters (newlines included) are escaped.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Returns the object as UTF-8 JSON, without a trailing newline.</summary>
    public static byte[] ToUtf8(ExecutionResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            WriteProperties(json, result);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Returns the object as a string, without a trailing newline.</summary>
    public static string ToText(ExecutionResult result) => Encoding.UTF8.GetString(ToUtf8(result));

    /// <summary>Writes the contract's properties into an object the caller has started, so that it can add its own.</summary>
    public static void WriteProperties(Utf8JsonWriter json, ExecutionResult result)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(result);
        json.WriteBoolean("ok", result.IsSuccess);
        json.WriteString("status", result.Status.ToString());
        json.WriteString("stdout", Scrub(result.Stdout));
        WriteElement(json, "value", result.Value);
        WriteError(json, result);
        json.WriteNumber("durationMs", Math.Round(result.Duration.TotalMilliseconds, 1));
        WriteElement(json, "finalAnswer", result.FinalAnswer);
        if (result.Artifacts.Count > 0)
        {
            json.WriteStartArray("artifacts");
            foreach (var artifact in result.Artifacts)
            {
                json.WriteStartObject();
                json.WriteString("path", artifact.Path);
                json.WriteString("mediaType", artifact.MediaType);
                json.WriteNumber("size", artifact.Size);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }
    }

    /// <summary>
    /// Replaces lone surrogates, which sandboxed code can produce (<c>"\uD800"</c>) but UTF-8 cannot encode, with U+FFFD.
    /// </summary>
    public static string Scrub(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                : !char.IsLowSurrogate(c) || (i > 0 && char.IsHighSurrogate(text[i - 1]));
            if (paired)
            {
                clean?.Append(c);
                continue;
            }

            clean ??= new StringBuilder(text, 0, i, text.Length);
            clean.Append('\uFFFD');
        }

        return clean?.ToString() ?? text;
    }

    private static void WriteError(Utf8JsonWriter json, ExecutionResult result)
    {
        if (result.IsSuccess)
        {
            json.WriteNull("error");
            return;
        }

        // A failed result always carries an error object, even when the backend gave no details.
        var error = result.Error ?? new ExecutionError(new ErrorKind(result.Status.ToString()), $"The execution ended with status {result.Status}.");
        json.WriteStartObject("error");
        json.WriteString("kind", Scrub(error.Kind.Value));
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
        json.WritePropertyName(name);
        if (element is { ValueKind: not JsonValueKind.Undefined } value)
        {
            value.WriteTo(json);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
