using CodeActSdk.CodeExecution;
using Microsoft.Extensions.AI;

namespace CodeActSdk.SemanticKernel;

/// <summary>
/// The execute_code function of <see cref="ChatHistorySandboxes"/>: documented as a <see cref="CodeExecutionTool"/>
/// (the given one describes the function and never runs code), each call runs in the tool of the current chat history.
/// </summary>
internal sealed class ChatHistoryCodeExecution(ChatHistorySandboxes sandboxes, CodeExecutionTool documentation)
    : DelegatingAIFunction(documentation)
{
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var history = CurrentChatHistory.Value ?? throw new InvalidOperationException(
            $"{CodeExecutionTool.ToolName} was called outside a chat call that names its chat history, so it cannot tell which sandbox session to use. " +
            $"Call the chat service through ChatHistorySandboxes.Track(chatService) (or register the tracked service in the kernel), " +
            "or run code for one history directly with GetTool(history).ExecuteAsync(code).");
        return await sandboxes.GetTool(history).InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
    }
}
