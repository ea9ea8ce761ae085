using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A sandboxed interpreter backend (Jint, V8, C# scripting, ...). It creates isolated sessions and describes its
/// language so that the agent can prompt the model and recognise the model's code blocks.
/// </summary>
/// <remarks>Implementations are thread-safe: one interpreter serves many sessions at once.</remarks>
public interface ICodeInterpreter
{
    /// <summary>The language this interpreter runs, as the model should be told about it.</summary>
    CodeLanguage Language { get; }

    /// <summary>
    /// Renders the documentation of <paramref name="tools"/> for the prompt, in this language's idiom
    /// (for example JSDoc-style signatures for JavaScript).
    /// </summary>
    string DescribeTools(IReadOnlyList<AIFunction> tools);

    /// <summary>Creates a session: one isolated global scope whose state persists across executions.</summary>
    /// <param name="options">The limits of the sandbox and the tools bridged into it.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message says which one and why.</exception>
    ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default);
}
