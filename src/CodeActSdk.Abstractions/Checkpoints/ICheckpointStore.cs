namespace CodeActSdk;

/// <summary>
/// Where durable runs keep their journals: per session, an append-only list of <see cref="JournalEntry"/>s (each
/// model turn, each tool call with its result, each finished step), from which
/// the agent rebuilds the run when it is resumed after a crash. Implementations: <c>SqliteCheckpointStore</c>
/// (one file, the embedded default) and <c>PostgresCheckpointStore</c> (shared by a fleet of hosts).
/// </summary>
/// <remarks>
/// Implementations are thread-safe. An append is durable when the returned task completes. Reading never changes the
/// journal, and a failed call leaves what was already journaled intact. Entries are encoded by <see cref="JournalCodec"/>,
/// so every store detects corruption and old formats the same way.
/// </remarks>
public interface ICheckpointStore
{
    /// <summary>Starts the journal of a new session. The store keeps its own <see cref="CheckpointSession.Entries"/>, <see cref="CheckpointSession.Finished"/> and <see cref="CheckpointSession.FormatVersion"/>; those given are ignored.</summary>
    /// <exception cref="CheckpointConflictException">A session with this id exists.</exception>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task CreateAsync(CheckpointSession session, CancellationToken cancellationToken = default);

    /// <summary>Appends <paramref name="entry"/>, whose <see cref="JournalEntry.Sequence"/> must follow the last one.</summary>
    /// <exception cref="CheckpointNotFoundException">There is no such session.</exception>
    /// <exception cref="CheckpointConflictException">The sequence number is taken or leaves a gap (another writer got there first).</exception>
    /// <exception cref="CheckpointFormatException">The session was journaled in another format; formats are never mixed.</exception>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task AppendAsync(string sessionId, JournalEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Reads a session's journal, checking every entry.</summary>
    /// <exception cref="CheckpointNotFoundException">There is no such session.</exception>
    /// <exception cref="CheckpointCorruptException">An entry is damaged, missing or out of order.</exception>
    /// <exception cref="CheckpointFormatException">The journal was written in a format this version does not read.</exception>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task<CheckpointJournal> ReadAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Every session, most recently updated first.</summary>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<CheckpointSession>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a session and its journal. Returns whether there was one.</summary>
    /// <exception cref="SessionLeasedException">Someone is running the session now.</exception>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Retention: deletes the sessions last updated before <paramref name="cutoff"/> that nobody is running. Returns how many.</summary>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the right to run <paramref name="sessionId"/> for <paramref name="duration"/>, so that two hosts never
    /// run the same session at once. A lease that was not renewed in time may be taken by another holder. A holder
    /// that asks again while it holds the lease gets it again, so <paramref name="holder"/> must name one run, not a
    /// host (the agent uses <c>machine:process:random</c>).
    /// </summary>
    /// <exception cref="CheckpointNotFoundException">There is no such session.</exception>
    /// <exception cref="SessionLeasedException">Another holder's lease has not expired; the message names it and when it expires.</exception>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task<ICheckpointLease> AcquireLeaseAsync(string sessionId, string holder, TimeSpan duration, CancellationToken cancellationToken = default);
}

/// <summary>The right to run one session, until it expires or is disposed (which releases it).</summary>
public interface ICheckpointLease : IAsyncDisposable
{
    /// <summary>The session.</summary>
    string SessionId { get; }

    /// <summary>Who holds it, for example <c>host-a:4711</c>.</summary>
    string Holder { get; }

    /// <summary>Extends the lease by its duration from now (also when it expired and nobody took it).</summary>
    /// <exception cref="SessionLeasedException">The lease expired and another holder took it.</exception>
    /// <exception cref="CheckpointNotFoundException">The session was deleted meanwhile.</exception>
    /// <exception cref="CheckpointStoreUnavailableException">The store cannot be reached.</exception>
    Task RenewAsync(CancellationToken cancellationToken = default);
}
