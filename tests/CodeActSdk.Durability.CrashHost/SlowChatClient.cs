using Microsoft.Extensions.AI;

namespace CodeActSdk.Durability.CrashHost;

/// <summary>A chat client that answers after a delay, as a model does, so that a kill can land between a step and the next turn.</summary>
internal sealed class SlowChatClient(IChatClient inner, TimeSpan latency) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await Task.Delay(latency, cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }
}
