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

    /// <summary>
    /// Runs <paramref name="code"/> in this session. Failures of the code (syntax errors, exceptions, limits) are
    /// reported in the returned <see cref="ExecutionResult"/>, never thrown.
    /// </summary>
    /// <param name="code">The source code to run.</param>
    /// <param name="cancellationToken">Stops the execution; the result then has <see cref="ExecutionStatus.Cancelled"/>.</param>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default);
}
