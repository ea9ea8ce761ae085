using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A history cut into its prefix (the system prompt and the task: every message up to and including the first user
/// message) and its steps (each starts at an assistant message and runs up to the next one), the same way
/// <see cref="SlidingWindowMemoryPolicy"/> reads it.
/// </summary>
internal sealed class ConversationSteps
{
    private readonly List<int> _starts;
    private readonly int _historyCount;

    private ConversationSteps(int prefixLength, List<int> starts, int historyCount)
    {
        PrefixLength = prefixLength;
        _starts = starts;
        _historyCount = historyCount;
    }

    /// <summary>The number of leading messages that are always kept.</summary>
    public int PrefixLength { get; }

    /// <summary>The number of steps after the prefix.</summary>
    public int Count => _starts.Count;

    /// <summary>The index of the first message of step <paramref name="step"/> (0-based).</summary>
    public int Start(int step) => _starts[step];

    /// <summary>The index just after the last message of step <paramref name="step"/>.</summary>
    public int End(int step) => step + 1 < _starts.Count ? _starts[step + 1] : _historyCount;

    public static ConversationSteps Parse(IReadOnlyList<ChatMessage> history)
    {
        var prefixLength = history.Count;
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i].Role == ChatRole.User)
            {
                prefixLength = i + 1;
                break;
            }
        }

        var starts = new List<int>();
        for (var i = prefixLength; i < history.Count; i++)
        {
            // Messages before the first assistant message (unusual) form a step of their own, so none is lost.
            if (history[i].Role == ChatRole.Assistant || starts.Count == 0)
            {
                starts.Add(i);
            }
        }

        return new ConversationSteps(prefixLength, starts, history.Count);
    }
}
