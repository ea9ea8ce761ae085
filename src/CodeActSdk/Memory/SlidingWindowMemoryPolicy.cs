using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A memory policy that keeps the system prompt, the task and the last <see cref="Turns"/> steps (each step is the
/// model's answer followed by its observation), and replaces the steps it drops with one short note, so that the
/// model knows that work happened before the part it can see.
/// </summary>
/// <remarks>
/// <para>
/// The messages before and including the first user message (the system prompt and the task) are always kept.
/// Every later assistant message starts a step, and the messages that follow it up to the next assistant message
/// (the observation) belong to it. When steps are dropped, a user message <c>(N earlier steps omitted)</c> is
/// inserted right after the task.
/// </para>
/// <para>
/// Because the interpreter session keeps its state, the variables computed in dropped steps remain available to the
/// model's code; only their transcript is forgotten. The policy holds no mutable state and is safe to share between
/// threads and runs.
/// </para>
/// </remarks>
public sealed class SlidingWindowMemoryPolicy : IChatReducer
{
    /// <summary>Creates a policy that keeps the last <paramref name="turns"/> steps.</summary>
    /// <param name="turns">How many of the most recent steps to keep; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="turns"/> is less than 1.</exception>
    public SlidingWindowMemoryPolicy(int turns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(turns, 1);
        Turns = turns;
    }

    /// <summary>How many of the most recent steps (model answer plus observation) are kept.</summary>
    public int Turns { get; }

    /// <inheritdoc />
    public Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];

        var prefixLength = PrefixLength(history);
        var stepStarts = new List<int>();
        for (var i = prefixLength; i < history.Count; i++)
        {
            if (history[i].Role == ChatRole.Assistant || stepStarts.Count == 0)
            {
                stepStarts.Add(i);
            }
        }

        var dropped = stepStarts.Count - Turns;
        if (dropped <= 0)
        {
            return Task.FromResult<IEnumerable<ChatMessage>>([.. history]);
        }

        var keepFrom = stepStarts[dropped];
        var result = new List<ChatMessage>(prefixLength + 1 + history.Count - keepFrom);
        for (var i = 0; i < prefixLength; i++)
        {
            result.Add(history[i]);
        }

        result.Add(new ChatMessage(ChatRole.User, dropped == 1 ? "(1 earlier step omitted)" : $"({dropped} earlier steps omitted)"));
        for (var i = keepFrom; i < history.Count; i++)
        {
            result.Add(history[i]);
        }

        return Task.FromResult<IEnumerable<ChatMessage>>(result);
    }

    /// <summary>The number of leading messages that are always kept: everything up to and including the first user message.</summary>
    private static int PrefixLength(IReadOnlyList<ChatMessage> history)
    {
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i].Role == ChatRole.User)
            {
                return i + 1;
            }
        }

        return history.Count;
    }
}
