using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Memory policies applied one after the other, each to what the previous one returned: for example a
/// <see cref="TieredMemoryPolicy"/> followed by a <see cref="TokenBudgetMemoryPolicy"/> as a hard cap. Thread-safe when
/// its policies are.
/// </summary>
public sealed class ChainedMemoryPolicy : IChatReducer
{
    private readonly IChatReducer[] _policies;

    /// <summary>Applies <paramref name="policies"/> in order.</summary>
    /// <exception cref="ArgumentException">No policy is given, or one is null.</exception>
    public ChainedMemoryPolicy(params IChatReducer[] policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        if (policies.Length == 0 || policies.Any(p => p is null))
        {
            throw new ArgumentException("Give at least one memory policy, and no null ones.", nameof(policies));
        }

        _policies = [.. policies];
    }

    /// <summary>The policies, in the order they are applied.</summary>
    public IReadOnlyList<IChatReducer> Policies => _policies;

    /// <inheritdoc />
    public async Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var policy in _policies)
        {
            messages = await policy.ReduceAsync(messages, cancellationToken).ConfigureAwait(false);
        }

        return messages;
    }
}
