using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The default memory policy: sends the whole history to the model on every step. Suits the short runs that a
/// step budget of about ten gives; for long runs use <see cref="SlidingWindowMemoryPolicy"/>.
/// </summary>
/// <remarks>The policy holds no state and is safe to share between threads and runs.</remarks>
public sealed class KeepAllMemoryPolicy : IChatReducer
{
    /// <summary>A shared instance; the policy has no state.</summary>
    public static KeepAllMemoryPolicy Instance { get; } = new();

    /// <inheritdoc />
    public Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];

        // A copy, so that a generator holding on to the list never sees the agent append to the history.
        return Task.FromResult<IEnumerable<ChatMessage>>([.. history]);
    }
}
