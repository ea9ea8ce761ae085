using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// An interpreter that passes every call to an inner interpreter: the base of decorators (logging, tracing, limits,
/// isolation), which override only the members they change.
/// </summary>
/// <remarks>
/// <para>
/// Every member is virtual and forwards to <see cref="InnerInterpreter"/>. <see cref="GetService"/> answers with this
/// object when it is of the asked type (and no key is given), and otherwise asks the inner interpreter, so a capability
/// of the backend (such as its <see cref="WorkerBackend"/>) stays visible through any number of decorators.
/// </para>
/// <para>
/// The class holds no state of its own besides the inner interpreter, so it is as thread-safe as that interpreter
/// (interpreters are thread-safe). Disposing it disposes the inner interpreter: the decorator owns what it wraps.
/// </para>
/// </remarks>
public class DelegatingCodeInterpreter : ICodeInterpreter, IAsyncDisposable, IDisposable
{
    /// <summary>Wraps <paramref name="innerInterpreter"/>.</summary>
    /// <param name="innerInterpreter">The interpreter that calls are passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerInterpreter"/> is <see langword="null"/>.</exception>
    protected DelegatingCodeInterpreter(ICodeInterpreter innerInterpreter)
    {
        ArgumentNullException.ThrowIfNull(innerInterpreter);
        InnerInterpreter = innerInterpreter;
    }

    /// <summary>The interpreter that calls are passed to.</summary>
    protected ICodeInterpreter InnerInterpreter { get; }

    /// <inheritdoc />
    public virtual CodeLanguage Language => InnerInterpreter.Language;

    /// <inheritdoc />
    public virtual string DescribeTools(IReadOnlyList<AIFunction> tools) => InnerInterpreter.DescribeTools(tools);

    /// <inheritdoc />
    public virtual ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default) =>
        InnerInterpreter.CreateSessionAsync(options, cancellationToken);

    /// <summary>
    /// Returns this interpreter when it is of type <paramref name="serviceType"/> and <paramref name="serviceKey"/> is
    /// <see langword="null"/>; otherwise what the inner interpreter returns.
    /// </summary>
    /// <param name="serviceType">The type of object asked for.</param>
    /// <param name="serviceKey">An optional key that narrows the request.</param>
    /// <returns>The object, or <see langword="null"/> when neither this interpreter nor the inner one offers it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is <see langword="null"/>.</exception>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : InnerInterpreter.GetService(serviceType, serviceKey);
    }

    /// <summary>Disposes the inner interpreter (asynchronously when it supports it).</summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the inner interpreter, waiting for it.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the inner interpreter asynchronously; override to release the decorator's own resources too (and call this).</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        switch (InnerInterpreter)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Disposes the inner interpreter; override to release the decorator's own resources too (and call this).</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        switch (InnerInterpreter)
        {
            case IDisposable disposable:
                disposable.Dispose();
                break;
            case IAsyncDisposable asyncDisposable:
                asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                break;
        }
    }
}
