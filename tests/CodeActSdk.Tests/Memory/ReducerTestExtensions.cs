using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Memory;

/// <summary>Runs a memory policy (an <see cref="IChatReducer"/>) and returns its messages as a list, for assertions.</summary>
internal static class ReducerTestExtensions
{
    public static async Task<IReadOnlyList<ChatMessage>> ReduceToListAsync(this IChatReducer reducer, IReadOnlyList<ChatMessage> history, CancellationToken cancellationToken = default) =>
        [.. await reducer.ReduceAsync(history, cancellationToken).ConfigureAwait(false)];
}
