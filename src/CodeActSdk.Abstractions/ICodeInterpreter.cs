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

    /// <summary>
    /// Asks the interpreter for an object of type <paramref name="serviceType"/>: a capability it announces (for example
    /// a <see cref="WorkerBackend"/>), or an interpreter in a chain of decorators. The default implementation returns
    /// this interpreter when it is of that type and <paramref name="serviceKey"/> is <see langword="null"/>, else
    /// <see langword="null"/>; decorators (see <see cref="DelegatingCodeInterpreter"/>) also ask the interpreter they wrap.
    /// </summary>
    /// <param name="serviceType">The type of object asked for.</param>
    /// <param name="serviceKey">An optional key that narrows the request; <see langword="null"/> for the unkeyed object.</param>
    /// <returns>The object, or <see langword="null"/> when the interpreter offers none of that type and key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }
}
