namespace CodeActSdk.Postgres;

/// <summary>A lease on one session in a <see cref="PostgresCheckpointStore"/>; disposing it releases the session.</summary>
/// <remarks>Its times are the database server's clock, like every lease decision of the store.</remarks>
public sealed class PostgresCheckpointLease : ICheckpointLease
{
    private readonly PostgresCheckpointStore _store;
    private int _released;

    internal PostgresCheckpointLease(PostgresCheckpointStore store, string sessionId, string holder, TimeSpan duration, DateTimeOffset expires)
    {
        _store = store;
        SessionId = sessionId;
        Holder = holder;
        Duration = duration;
        Expires = expires;
    }

    /// <inheritdoc />
    public string SessionId { get; }

    /// <inheritdoc />
    public string Holder { get; }

    /// <summary>How long the lease lasts from each acquire or renewal.</summary>
    public TimeSpan Duration { get; }

    /// <summary>When the lease expires unless renewed, as of the last acquire or renewal.</summary>
    public DateTimeOffset Expires { get; private set; }

    /// <inheritdoc />
    /// <remarks>
    /// A lease that expired but that nobody took meanwhile is renewed. One that another holder took fails with
    /// <see cref="SessionLeasedException"/>; one that was released meanwhile (this holder name used by another
    /// lease) fails with <see cref="CheckpointConflictException"/>, since someone may have run the session in between.
    /// Either way, acquire a new lease and read the journal again.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The lease was released.</exception>
    /// <exception cref="CheckpointNotFoundException">The session was deleted.</exception>
    /// <exception cref="CheckpointConflictException">The lease was released meanwhile.</exception>
    public async Task RenewAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        Expires = await _store.RenewAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the session, unless another holder took it over after this lease expired.</summary>
    /// <remarks>
    /// Never throws: when the store cannot be reached (or was disposed first) the lease is left to expire on its own,
    /// so that disposing it at the end of a failed run does not hide the failure.
    /// </remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            await _store.ReleaseAsync(this).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CheckpointStoreUnavailableException or ObjectDisposedException)
        {
            // It expires at Expires, after which any holder may take the session.
        }
    }
}
