using System.Globalization;
using System.Text;

namespace CodeActSdk.Sandboxing;

/// <summary>
/// Writes a string as a JSON string literal the way JavaScript's <c>JSON.stringify</c> does: quotes, backslashes and
/// control characters escaped (<c>\b \f \n \r \t</c> by name, the others as <c>\u00XX</c>), everything else as it is,
/// so that <c>&lt;</c>, <c>+</c> or non-ASCII text are not turned into <c>\u</c> escapes as System.Text.Json's
/// default encoder would. For the JavaScript backends, which show values as the code's own JSON.stringify would.
/// </summary>
public static class JsonString
{
    /// <summary>The JSON string literal of <paramref name="text"/>, quotes included.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return AppendQuoted(new StringBuilder(text.Length + 2), text).ToString();
    }

    /// <summary>Appends the JSON string literal of <paramref name="text"/>, quotes included, to <paramref name="builder"/>.</summary>
    /// <returns><paramref name="builder"/>.</returns>
    public static StringBuilder AppendQuoted(StringBuilder builder, string text)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(text);
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }

        return builder.Append('"');
    }
}
