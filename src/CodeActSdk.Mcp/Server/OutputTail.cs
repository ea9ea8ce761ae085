using System.Globalization;
using System.Text;

namespace CodeActSdk.Mcp.Server;

/// <summary>
/// What the code printed since the last progress report, up to a bound (the rest is counted). Written by the thread
/// running the code, taken by the progress reporter; thread-safe.
/// </summary>
internal sealed class OutputTail(int maxChars)
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private long _dropped;

    public void Write(string text)
    {
        lock (_gate)
        {
            var room = maxChars - _text.Length;
            if (text.Length <= room)
            {
                _text.Append(text);
                return;
            }

            if (room > 0)
            {
                _text.Append(text, 0, room);
            }

            _dropped += text.Length - Math.Max(room, 0);
        }
    }

    /// <summary>The text written since the last call, with a note when some did not fit.</summary>
    public string Take()
    {
        lock (_gate)
        {
            var text = _text.ToString();
            if (_dropped > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $"[… {_dropped:N0} more characters; the result has the output]");
            }

            _text.Clear();
            _dropped = 0;
            return text;
        }
    }
}

/// <summary>
/// The output listener of a named session: it lives as long as the session, and passes what the code prints to the
/// call running now (a session runs one call at a time).
/// </summary>
internal sealed class OutputRouter
{
    private OutputTail? _current;

    public OutputTail? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }

    public void Write(string text) => Current?.Write(text);
}
