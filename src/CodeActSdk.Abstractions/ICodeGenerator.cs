using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>Turns the conversation so far into the model's next turn, with the code it wants to run.</summary>
public interface ICodeGenerator
{
    /// <summary>Asks the model for its next turn.</summary>
    /// <param name="messages">The conversation, already shaped by the memory policy.</param>
    /// <param name="language">The language the code must be written in.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    Task<ModelTurn> GenerateAsync(IReadOnlyList<ChatMessage> messages, CodeLanguage language, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns an object of type <paramref name="serviceType"/> the generator offers, or <see langword="null"/>; for
    /// example the <see cref="ChatClientMetadata"/> of the model behind it (the agent reads the model's name from it).
    /// By default, the generator itself when it is of that type and no key is given.
    /// </summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">An optional key, for services registered under one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }
}

/// <summary>One answer of the model.</summary>
/// <param name="Text">The model's whole answer, prose and code.</param>
/// <param name="CodeBlocks">The code blocks found in the answer, in order; empty when the model answered in prose.</param>
/// <param name="Usage">Token usage reported by the model, when known.</param>
public sealed record ModelTurn(string Text, IReadOnlyList<CodeBlock> CodeBlocks, UsageDetails? Usage = null);

/// <summary>A code block in a model's answer.</summary>
/// <param name="Tag">The fence's language tag, lower case, or an empty string when it had none.</param>
/// <param name="Code">The code inside the fence.</param>
public sealed record CodeBlock(string Tag, string Code);
