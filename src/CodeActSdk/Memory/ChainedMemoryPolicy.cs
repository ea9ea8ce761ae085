using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Memory policies applied one after the other, each to what the previous one returned: for example a
/// <see cref="TieredMemoryPolicy"/> followed by a <see cref="TokenBudgetMemoryPolicy"/> as a hard cap. Thread-safe when
/// its policies are.
/// </summary>
public sealed class ChainedMemoryPolicy : IMemoryPolicy
{
    private readonly IMemoryPolicy[] _policies;

    /// <summary>Applies <paramref name="policies"/> in order.</summary>
    /// <exception cref="ArgumentException">No policy is given, or one is null.</exception>
    public ChainedMemoryPolicy(params IMemoryPolicy[] policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        if (policies.Length == 0 || policies.Any(p => p is null))
        {
            throw new ArgumentException("Give at least one memory policy, and no null ones.", nameof(policies));
        }

        _policies = [.. policies];
    }

    /// <summary>The policies, in the order they are applied.</summary>
    public IReadOnlyList<IMemoryPolicy> Policies => _policies;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChatMessage>> ApplyAsync(IReadOnlyList<ChatMessage> history, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        var messages = history;
        foreach (var policy in _policies)
        {
            messages = await policy.ApplyAsync(messages, cancellationToken).ConfigureAwait(false);
        }

        return messages;
    }
}
