namespace CodeActSdk.Sqlite;

/// <summary>A lease taken by <see cref="SqliteCheckpointStore.AcquireLeaseAsync"/>.</summary>
internal sealed class SqliteCheckpointLease(SqliteCheckpointStore store, string sessionId, string holder, TimeSpan duration) : ICheckpointLease
{
    private int _released;

    public string SessionId { get; } = sessionId;

    public string Holder { get; } = holder;

    public Task RenewAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        return store.TakeLeaseAsync(SessionId, Holder, duration, renewing: true, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            await store.ReleaseLeaseAsync(SessionId, Holder).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CheckpointStoreUnavailableException or ObjectDisposedException)
        {
            // Releasing early only lets another host resume sooner; a lease that cannot be released expires by
            // itself. Throwing here would hide how the run that used it ended.
        }
    }
}
