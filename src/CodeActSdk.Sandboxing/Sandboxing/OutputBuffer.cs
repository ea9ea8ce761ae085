using System.Text;

namespace CodeActSdk.Sandboxing;

/// <summary>
/// Captures what sandboxed code prints, up to a bound; what does not fit is counted and dropped, and the text
/// ends with a note saying how much was dropped. Not thread-safe: one execution at a time.
/// </summary>
/// <param name="maxChars">The most characters kept.</param>
/// <param name="listener">Receives each piece of text as it is kept (see <see cref="SandboxOptions.OutputListener"/>); none by default.</param>
public sealed class OutputBuffer(int maxChars, Action<string>? listener = null)
{
    private readonly StringBuilder _text = new();
    private long _dropped;

    /// <summary>Appends <paramref name="value"/> followed by a newline.</summary>
    public void AppendLine(string value)
    {
        Append(value);
        Append("\n");
    }

    /// <summary>Appends <paramref name="value"/>, or as much of it as fits.</summary>
    public void Append(string value)
    {
        var room = maxChars - _text.Length;
        if (value.Length <= room)
        {
            _text.Append(value);
            Notify(value);
            return;
        }

        if (room > 0)
        {
            _text.Append(value, 0, room);
            Notify(value[..room]);
        }

        _dropped += value.Length - Math.Max(room, 0);
    }

    private void Notify(string text)
    {
        if (listener is null || text.Length == 0)
        {
            return;
        }

        try
        {
            listener(text);
        }
        catch (Exception)
        {
            // A host's listener must not change what the code sees; its failure is its own.
        }
    }

    /// <summary>Returns the captured text and empties the buffer.</summary>
    public string Drain()
    {
        if (_dropped > 0)
        {
            _text.Append($"\n[output truncated: {_dropped:N0} more characters were dropped; the limit is {maxChars:N0}]");
        }

        var text = _text.ToString();
        _text.Clear();
        _dropped = 0;
        return text;
    }
}
