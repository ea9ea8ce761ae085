namespace CodeActSdk;

/// <summary>
/// One isolated global scope in a sandbox. Variables and functions defined by one execution are visible to the
/// next, like a REPL. Sessions never see each other's state.
/// </summary>
/// <remarks>
/// A session runs one execution at a time; concurrent calls to <see cref="ExecuteAsync"/> on the same session are
/// serialised. Different sessions may run in parallel. Dispose the session to release its resources.
/// </remarks>
public interface IInterpreterSession : IAsyncDisposable
{
    /// <summary>A unique identifier of this session, for logs and traces.</summary>
    string Id { get; }

    /// <summary>The session's virtual file system: add files for the code, take the artifacts it wrote.</summary>
    ISessionFiles Files { get; }

    /// <summary>
    /// Runs <paramref name="code"/> in this session. Failures of the code (syntax errors, exceptions, limits) are
    /// reported in the returned <see cref="ExecutionResult"/>, never thrown.
    /// </summary>
    /// <param name="code">The source code to run.</param>
    /// <param name="cancellationToken">Stops the execution; the result then has <see cref="ExecutionStatus.Cancelled"/>.</param>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default);

    /// <summary>
    /// The variables (and functions) the code has defined in this session so far, with their types and short
    /// previews: the state digest the agent shows the model after each step, so that it can rely on earlier results
    /// without their full text in the history. Built-ins and the sandbox's own names (tools, <c>final_answer</c>) are
    /// left out. The default implementation reports nothing.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<VariableSummary>>([]);

    /// <summary>
    /// Asks the session for an object of type <paramref name="serviceType"/>: something the backend offers, or a
    /// session in a chain of decorators. The default implementation returns this session when it is of that type and
    /// <paramref name="serviceKey"/> is <see langword="null"/>, else <see langword="null"/>; decorators (see
    /// <see cref="DelegatingInterpreterSession"/>) also ask the session they wrap.
    /// </summary>
    /// <param name="serviceType">The type of object asked for.</param>
    /// <param name="serviceKey">An optional key that narrows the request; <see langword="null"/> for the unkeyed object.</param>
    /// <returns>The object, or <see langword="null"/> when the session offers none of that type and key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }
}

/// <summary>One entry of a session's state digest.</summary>
/// <param name="Name">The variable's name, as the code refers to it.</param>
/// <param name="Type">Its type in the session's language, for example <c>number</c>, <c>Array(12)</c>, <c>List&lt;Order&gt;</c>, <c>function</c>.</param>
/// <param name="Preview">A short preview of its value (at most <see cref="MaxPreviewChars"/> characters, cut with "…").</param>
public sealed record VariableSummary(string Name, string Type, string Preview)
{
    /// <summary>The longest preview a backend reports.</summary>
    public const int MaxPreviewChars = 80;
}
