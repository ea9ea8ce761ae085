namespace CodeActSdk;

/// <summary>
/// A session that passes every call to an inner session: the base of session decorators (logging, tracing, auditing),
/// which override only the members they change.
/// </summary>
/// <remarks>
/// <para>
/// Every member is virtual and forwards to <see cref="InnerSession"/>. <see cref="GetService"/> answers with this
/// object when it is of the asked type (and no key is given), and otherwise asks the inner session.
/// </para>
/// <para>
/// The class holds no state of its own besides the inner session, so it is as thread-safe as that session (one
/// execution at a time, see <see cref="IInterpreterSession"/>). Disposing it disposes the inner session.
/// </para>
/// </remarks>
public class DelegatingInterpreterSession : IInterpreterSession
{
    /// <summary>Wraps <paramref name="innerSession"/>.</summary>
    /// <param name="innerSession">The session that calls are passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerSession"/> is <see langword="null"/>.</exception>
    protected DelegatingInterpreterSession(IInterpreterSession innerSession)
    {
        ArgumentNullException.ThrowIfNull(innerSession);
        InnerSession = innerSession;
    }

    /// <summary>The session that calls are passed to.</summary>
    protected IInterpreterSession InnerSession { get; }

    /// <inheritdoc />
    public virtual string Id => InnerSession.Id;

    /// <inheritdoc />
    public virtual ISessionFiles Files => InnerSession.Files;

    /// <inheritdoc />
    public virtual Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default) =>
        InnerSession.ExecuteAsync(code, cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default) =>
        InnerSession.DescribeVariablesAsync(cancellationToken);

    /// <summary>
    /// Returns this session when it is of type <paramref name="serviceType"/> and <paramref name="serviceKey"/> is
    /// <see langword="null"/>; otherwise what the inner session returns.
    /// </summary>
    /// <param name="serviceType">The type of object asked for.</param>
    /// <param name="serviceKey">An optional key that narrows the request.</param>
    /// <returns>The object, or <see langword="null"/> when neither this session nor the inner one offers it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : InnerSession.GetService(serviceType, serviceKey);
    }

    /// <summary>Disposes the inner session.</summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the inner session; override to release the decorator's own resources too (and call this).</summary>
    protected virtual ValueTask DisposeAsyncCore() => InnerSession.DisposeAsync();
}
