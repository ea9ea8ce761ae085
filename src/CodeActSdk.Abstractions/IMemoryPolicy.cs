using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>Shapes the conversation history before each model call, to keep the prompt within bounds.</summary>
/// <remarks>
/// The history always starts with the system prompt and the task; a policy must keep both. It returns the messages
/// to send and never modifies <c>history</c>.
/// </remarks>
public interface IMemoryPolicy
{
    /// <summary>Returns the messages to send to the model for the next step.</summary>
    ValueTask<IReadOnlyList<ChatMessage>> ApplyAsync(IReadOnlyList<ChatMessage> history, CancellationToken cancellationToken = default);
}
