using Microsoft.SemanticKernel.ChatCompletion;

namespace CodeActSdk.SemanticKernel;

/// <summary>
/// The chat history that the chat call in progress on this asynchronous flow serves. Set by
/// <see cref="ChatHistoryTrackingService"/>; read by the execute_code function, which runs inside that call when
/// Semantic Kernel invokes functions automatically. (A function cannot learn it from Semantic Kernel itself: with a
/// chat service over an <c>IChatClient</c>, the history a filter sees is a copy made for the call.)
/// </summary>
internal static class CurrentChatHistory
{
    private static readonly AsyncLocal<ChatHistory?> Current = new();

    public static ChatHistory? Value
    {
        get => Current.Value;
        set => Current.Value = value;
    }
}
