using System.Runtime.CompilerServices;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CodeActSdk.SemanticKernel;

/// <summary>A chat completion service that marks each call with the chat history it serves (<see cref="CurrentChatHistory"/>), then forwards it.</summary>
internal sealed class ChatHistoryTrackingService(IChatCompletionService inner) : IChatCompletionService
{
    public IReadOnlyDictionary<string, object?> Attributes => inner.Attributes;

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null,
        Kernel? kernel = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        return MarkedAsync(chatHistory, () => inner.GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken));
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory,
        PromptExecutionSettings? executionSettings = null,
        Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chatHistory);
        var updates = inner.GetStreamingChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                // Each resumption of an iterator runs in its consumer's context, so the mark is set again before every step.
                CurrentChatHistory.Value = chatHistory;
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                yield return updates.Current;
            }
        }
    }

    // An async method's change of an AsyncLocal stays inside it, so the caller's value is back once the call returns.
    private static async Task<IReadOnlyList<ChatMessageContent>> MarkedAsync(ChatHistory chatHistory, Func<Task<IReadOnlyList<ChatMessageContent>>> call)
    {
        CurrentChatHistory.Value = chatHistory;
        return await call().ConfigureAwait(false);
    }
}
