using System.Data;
using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace CodeActSdk.Postgres;

/// <summary>
/// An <see cref="ICheckpointStore"/> in a PostgreSQL database, for a fleet of hosts that share it: any host can
/// resume any session, and leases keep two hosts from running the same one at once.
/// </summary>
/// <remarks>
/// <para>
/// The store keeps two tables, <c>codeact_sessions</c> and <c>codeact_entries</c>, in the first schema of the
/// connection's search path (<c>public</c> unless the connection string's <c>Search Path</c> says otherwise). They
/// are created on first use if missing, under an advisory lock so that hosts starting together do not race; only
/// that first use needs the right to create tables, so a DBA may create them once and let the hosts connect as a
/// user that can only read and write them.
/// </para>
/// <para>
/// An append is durable when its task completes as far as the server's <c>synchronous_commit</c> setting makes a
/// commit durable: with PostgreSQL's default (<c>on</c>) the commit has reached the write-ahead log on disk.
/// </para>
/// <para>
/// Time: every lease decision (who holds a session, until when) and every session's <see cref="CheckpointSession.Updated"/>
/// is taken from the database server's clock (<c>now()</c>), the one clock all hosts of a fleet share, so a host
/// whose own clock is off can neither steal a live lease nor keep an expired one. <see cref="CheckpointSession.Created"/>
/// and each <see cref="JournalEntry.At"/> are kept as the host wrote them. PostgreSQL keeps times to the microsecond,
/// so those come back rounded to it.
/// </para>
/// <para>
/// Connection failures (the server is down or unreachable, the credentials or the database are wrong, a timeout)
/// surface as <see cref="CheckpointStoreUnavailableException"/>, naming the host, port and database but never the
/// password. How long a call waits is the connection string's business: <c>Timeout</c> (connecting, 15 s by
/// default) and <c>Command Timeout</c> (each statement, 30 s by default). Every call also honours its
/// <see cref="CancellationToken"/>.
/// </para>
/// </remarks>
public sealed class PostgresCheckpointStore : ICheckpointStore, IAsyncDisposable
{
    private const string SessionColumns = "id, task, language, created, updated, entries, finished, format_version";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly string _description;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;
    private int _disposed;

    /// <summary>Creates a store on the database that <paramref name="connectionString"/> names, with a connection pool of its own.</summary>
    /// <param name="connectionString">An Npgsql connection string, for example <c>Host=db;Username=codeact;Password=…;Database=codeact</c>.</param>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    public PostgresCheckpointStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _ownsDataSource = true;
        _description = Describe(_dataSource.ConnectionString);
    }

    /// <summary>
    /// Creates a store on a data source the host already has (for example one registered for dependency injection).
    /// The host keeps owning it: disposing the store leaves it open.
    /// </summary>
    public PostgresCheckpointStore(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _ownsDataSource = false;
        _description = Describe(dataSource.ConnectionString);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The new journal is empty and written in <see cref="JournalCodec.FormatVersion"/>: the
    /// <see cref="CheckpointSession.Entries"/> and <see cref="CheckpointSession.Finished"/> given are not used, and
    /// <see cref="CheckpointSession.Updated"/> is set from the database's clock.
    /// </remarks>
    /// <exception cref="ArgumentException">The session's id is not valid, or it names another format.</exception>
    public Task CreateAsync(CheckpointSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        JournalCodec.ValidateSessionId(session.Id);
        ArgumentNullException.ThrowIfNull(session.Task, nameof(session));
        ArgumentNullException.ThrowIfNull(session.Language, nameof(session));
        if (session.FormatVersion != JournalCodec.FormatVersion)
        {
            throw new ArgumentException(
                $"Session '{session.Id}' asks for journal format {session.FormatVersion}, but this store writes format {JournalCodec.FormatVersion}. Leave FormatVersion at its default.",
                nameof(session));
        }

        return ExecuteAsync(async (connection, ct) =>
        {
            await using var insert = new NpgsqlCommand(
                $"""
                INSERT INTO {PostgresSchema.Sessions} (id, task, language, created, updated, entries, finished, format_version)
                VALUES (@id, @task, @language, @created, now(), 0, false, @format)
                ON CONFLICT (id) DO NOTHING
                """,
                connection);
            insert.Parameters.Add(new NpgsqlParameter<string>("id", session.Id));
            insert.Parameters.Add(new NpgsqlParameter<string>("task", session.Task));
            insert.Parameters.Add(new NpgsqlParameter<string>("language", session.Language));
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("created", session.Created.ToUniversalTime()));
            insert.Parameters.Add(new NpgsqlParameter<int>("format", JournalCodec.FormatVersion));
            if (await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
            {
                throw new CheckpointConflictException($"A durable session '{session.Id}' exists already. Resume it, delete it, or start the run under another id.");
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One transaction that locks the session's row, so appends to one session are serialised across every host and
    /// the sequence check cannot be raced. A <see cref="JournalEntryKind.StepCompleted"/> entry also records whether
    /// the run ended (its <see cref="JournaledStep.Outcome"/> is set).
    /// </remarks>
    /// <exception cref="ArgumentException">The session id is not valid, or the entry lacks the member its kind needs.</exception>
    public Task AppendAsync(string sessionId, JournalEntry entry, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        var row = JournalCodec.Encode(entry);
        if (row.Sequence < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), row.Sequence, "A journal entry's Sequence starts at 1.");
        }

        var setsFinished = entry.Kind == JournalEntryKind.StepCompleted;
        var finished = setsFinished && entry.Completed?.Outcome is not null;

        return ExecuteAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            long held;
            await using (var select = new NpgsqlCommand($"SELECT entries FROM {PostgresSchema.Sessions} WHERE id = @id FOR UPDATE", connection, transaction))
            {
                select.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
                held = await select.ExecuteScalarAsync(ct).ConfigureAwait(false) is long count
                    ? count
                    : throw new CheckpointNotFoundException(sessionId);
            }

            if (row.Sequence != held + 1)
            {
                throw SequenceConflict(sessionId, row.Sequence, held);
            }

            await using var batch = new NpgsqlBatch(connection, transaction);
            var insert = new NpgsqlBatchCommand(
                $"INSERT INTO {PostgresSchema.Entries} (session_id, seq, step, kind, payload, checksum, at) VALUES (@id, @seq, @step, @kind, @payload, @checksum, @at)");
            insert.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
            insert.Parameters.Add(new NpgsqlParameter<long>("seq", row.Sequence));
            insert.Parameters.Add(new NpgsqlParameter<int>("step", row.Step));
            insert.Parameters.Add(new NpgsqlParameter<string>("kind", row.Kind));
            insert.Parameters.Add(new NpgsqlParameter<string>("payload", row.Payload));
            insert.Parameters.Add(new NpgsqlParameter<string>("checksum", row.Checksum));
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("at", row.At.ToUniversalTime()));
            var update = new NpgsqlBatchCommand(
                $"UPDATE {PostgresSchema.Sessions} SET entries = @seq, updated = now(), finished = CASE WHEN @sets_finished THEN @finished ELSE finished END WHERE id = @id");
            update.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
            update.Parameters.Add(new NpgsqlParameter<long>("seq", row.Sequence));
            update.Parameters.Add(new NpgsqlParameter<bool>("sets_finished", setsFinished));
            update.Parameters.Add(new NpgsqlParameter<bool>("finished", finished));
            batch.BatchCommands.Add(insert);
            batch.BatchCommands.Add(update);
            try
            {
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // The row lock makes this unreachable between stores of this kind; it guards against any other
                // writer of the table that skips the lock.
                throw SequenceConflict(sessionId, row.Sequence, held);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The session's row and its entries are read from one snapshot, so a concurrent append never looks like a truncation.</remarks>
    /// <exception cref="ArgumentException">The session id is not valid.</exception>
    public Task<CheckpointJournal> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        return ExecuteAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction);
            var session = new NpgsqlBatchCommand($"SELECT {SessionColumns} FROM {PostgresSchema.Sessions} WHERE id = @id");
            session.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
            var entries = new NpgsqlBatchCommand($"SELECT seq, step, kind, payload, checksum, at FROM {PostgresSchema.Entries} WHERE session_id = @id ORDER BY seq");
            entries.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
            batch.BatchCommands.Add(session);
            batch.BatchCommands.Add(entries);

            CheckpointSession found;
            var rows = new List<EncodedJournalEntry>();
            await using (var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    throw new CheckpointNotFoundException(sessionId);
                }

                found = ReadSession(reader);
                await reader.NextResultAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    rows.Add(new EncodedJournalEntry(
                        reader.GetInt64(0),
                        reader.GetInt32(1),
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.GetString(4),
                        reader.GetFieldValue<DateTimeOffset>(5)));
                }
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return JournalCodec.Decode(found, rows);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CheckpointSession>> ListAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync<IReadOnlyList<CheckpointSession>>(async (connection, ct) =>
        {
            await using var select = new NpgsqlCommand($"SELECT {SessionColumns} FROM {PostgresSchema.Sessions} ORDER BY updated DESC, id", connection);
            await using var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var sessions = new List<CheckpointSession>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                sessions.Add(ReadSession(reader));
            }

            return sessions;
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Any live lease refuses the deletion, the caller's own included (the call does not say who is asking): release
    /// the lease first. An expired lease does not.
    /// </remarks>
    /// <exception cref="ArgumentException">The session id is not valid.</exception>
    public Task<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        return ExecuteAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (var select = new NpgsqlCommand(
                $"SELECT lease_holder, lease_expires, lease_holder IS NOT NULL AND lease_expires > now() FROM {PostgresSchema.Sessions} WHERE id = @id FOR UPDATE",
                connection,
                transaction))
            {
                select.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
                await using var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return false;
                }

                if (reader.GetBoolean(2))
                {
                    throw new SessionLeasedException(sessionId, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
                }
            }

            await using (var delete = new NpgsqlCommand($"DELETE FROM {PostgresSchema.Sessions} WHERE id = @id", connection, transaction))
            {
                delete.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
                await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks><see cref="CheckpointSession.Updated"/> is the database's clock; a session whose lease has not expired is kept.</remarks>
    public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        ExecuteAsync(async (connection, ct) =>
        {
            await using var delete = new NpgsqlCommand(
                $"DELETE FROM {PostgresSchema.Sessions} WHERE updated < @cutoff AND (lease_holder IS NULL OR lease_expires <= now())",
                connection);
            delete.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("cutoff", cutoff.ToUniversalTime()));
            return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// The lease runs for <paramref name="duration"/> on the database's clock. A holder that asks again while it holds
    /// the lease gets it again (renewed), so a holder name must stand for one run, for example
    /// <c>{Environment.MachineName}:{Environment.ProcessId}</c> when a process runs one session at a time.
    /// </remarks>
    /// <exception cref="ArgumentException">The session id or the holder is not valid, or <paramref name="duration"/> is not positive.</exception>
    public Task<ICheckpointLease> AcquireLeaseAsync(string sessionId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);

        return ExecuteAsync<ICheckpointLease>(async (connection, ct) =>
        {
            // A lease released between the update and the look that follows it looks free: try again. Three tries,
            // because that needs another holder to acquire and release in between each time.
            for (var attempt = 0; ; attempt++)
            {
                var (expires, current) = await TakeLeaseAsync(connection, sessionId, holder, duration, ct).ConfigureAwait(false);
                if (expires is { } taken)
                {
                    return new PostgresCheckpointLease(this, sessionId, holder, duration, taken);
                }

                if (current is null)
                {
                    throw new CheckpointNotFoundException(sessionId);
                }

                if (current.Value.Live || attempt == 2)
                {
                    throw new SessionLeasedException(sessionId, current.Value.Holder ?? "another holder", current.Value.Expires ?? DateTimeOffset.UtcNow);
                }
            }
        }, cancellationToken);
    }

    /// <summary>Releases the store's connections (when it created them).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        _schemaGate.Dispose();
    }

    internal Task<DateTimeOffset> RenewAsync(PostgresCheckpointLease lease, CancellationToken cancellationToken) =>
        ExecuteAsync(async (connection, ct) =>
        {
            await using var batch = new NpgsqlBatch(connection);
            var update = new NpgsqlBatchCommand(
                $"UPDATE {PostgresSchema.Sessions} SET lease_expires = now() + @duration WHERE id = @id AND lease_holder = @holder RETURNING lease_expires");
            update.Parameters.Add(new NpgsqlParameter<string>("id", lease.SessionId));
            update.Parameters.Add(new NpgsqlParameter<string>("holder", lease.Holder));
            update.Parameters.Add(new NpgsqlParameter<TimeSpan>("duration", lease.Duration));
            batch.BatchCommands.Add(update);
            batch.BatchCommands.Add(LeaseLook(lease.SessionId));

            var (renewed, current) = await ReadLeaseResultsAsync(batch, ct).ConfigureAwait(false);
            if (renewed is { } expires)
            {
                return expires;
            }

            if (current is null)
            {
                throw new CheckpointNotFoundException(lease.SessionId);
            }

            if (current.Value.Holder is { } other)
            {
                throw new SessionLeasedException(lease.SessionId, other, current.Value.Expires ?? DateTimeOffset.UtcNow);
            }

            // Nobody holds it now, but someone may have taken it, run steps and released it since: renewing would
            // hide that. Only a fresh acquire followed by a fresh read of the journal is safe.
            throw new CheckpointConflictException(
                $"The lease of {lease.Holder} on session '{lease.SessionId}' was released, and another holder may have run the session since. Acquire a new lease and read the journal again before going on.");
        }, cancellationToken);

    internal Task ReleaseAsync(PostgresCheckpointLease lease) =>
        ExecuteAsync(async (connection, ct) =>
        {
            // Only our own: a lease that expired and was taken over belongs to its new holder.
            await using var update = new NpgsqlCommand(
                $"UPDATE {PostgresSchema.Sessions} SET lease_holder = NULL, lease_expires = NULL WHERE id = @id AND lease_holder = @holder",
                connection);
            update.Parameters.Add(new NpgsqlParameter<string>("id", lease.SessionId));
            update.Parameters.Add(new NpgsqlParameter<string>("holder", lease.Holder));
            return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None);

    private static async Task<(DateTimeOffset? Taken, LeaseState? Current)> TakeLeaseAsync(
        NpgsqlConnection connection, string sessionId, string holder, TimeSpan duration, CancellationToken ct)
    {
        // One round trip: the conditional take, then (used only when it took nothing) who holds the session.
        await using var batch = new NpgsqlBatch(connection);
        var update = new NpgsqlBatchCommand(
            $"""
            UPDATE {PostgresSchema.Sessions} SET lease_holder = @holder, lease_expires = now() + @duration
            WHERE id = @id AND (lease_holder IS NULL OR lease_expires <= now() OR lease_holder = @holder)
            RETURNING lease_expires
            """);
        update.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
        update.Parameters.Add(new NpgsqlParameter<string>("holder", holder));
        update.Parameters.Add(new NpgsqlParameter<TimeSpan>("duration", duration));
        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(LeaseLook(sessionId));
        return await ReadLeaseResultsAsync(batch, ct).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand LeaseLook(string sessionId)
    {
        var select = new NpgsqlBatchCommand(
            $"SELECT lease_holder, lease_expires, lease_holder IS NOT NULL AND lease_expires > now() FROM {PostgresSchema.Sessions} WHERE id = @id");
        select.Parameters.Add(new NpgsqlParameter<string>("id", sessionId));
        return select;
    }

    private static async Task<(DateTimeOffset? Changed, LeaseState? Current)> ReadLeaseResultsAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
        DateTimeOffset? changed = await reader.ReadAsync(ct).ConfigureAwait(false) ? reader.GetFieldValue<DateTimeOffset>(0) : null;
        await reader.NextResultAsync(ct).ConfigureAwait(false);
        LeaseState? current = null;
        if (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            current = new LeaseState(
                reader.IsDBNull(0) ? null : reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                !reader.IsDBNull(2) && reader.GetBoolean(2));
        }

        return (changed, current);
    }

    private static CheckpointSession ReadSession(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetInt64(5),
        reader.GetBoolean(6),
        reader.GetInt32(7));

    private static CheckpointConflictException SequenceConflict(string sessionId, long sequence, long held) => new(sequence <= held
        ? $"Entry {sequence} of session '{sessionId}' is written already (the journal holds {held} entries): another writer appended first. Read the journal again before going on."
        : $"Entry {sequence} cannot be appended to session '{sessionId}': the journal holds {held} entries, so the next one is {held + 1}, and {sequence} would leave a gap.");

    /// <summary>Opens a connection, makes sure the tables exist, runs <paramref name="operation"/>, and turns connection failures into <see cref="CheckpointStoreUnavailableException"/>.</summary>
    private async Task<T> ExecuteAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            return await operation(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw new CheckpointStoreUnavailableException(
                $"The PostgreSQL checkpoint store ({_description}) cannot be used: {Reason(e)}. Check that the server is running and reachable, and that the connection string's host, port, database, user and password are right.",
                e);
        }
    }

    private async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            // Look before creating: CREATE TABLE IF NOT EXISTS needs the right to create tables even when they exist,
            // and a fleet's hosts often connect as a user that may only read and write them.
            await using (var look = new NpgsqlCommand(
                $"SELECT to_regclass('{PostgresSchema.Sessions}') IS NOT NULL AND to_regclass('{PostgresSchema.Entries}') IS NOT NULL",
                connection))
            {
                if (await look.ExecuteScalarAsync(ct).ConfigureAwait(false) is true)
                {
                    _schemaReady = true;
                    return;
                }
            }

            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgresSchema.CreationLockKey}); {PostgresSchema.Create}", connection, transaction);
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private static bool IsUnavailable(Exception e, CancellationToken ct)
    {
        if (e is OperationCanceledException || e is CheckpointException)
        {
            return false;
        }

        if (e is PostgresException postgres)
        {
            var state = postgres.SqlState;
            return state.StartsWith("08", StringComparison.Ordinal) // connection exceptions
                || state.StartsWith("28", StringComparison.Ordinal) // bad user or password
                || state.StartsWith("53", StringComparison.Ordinal) // out of connections, memory or disk
                || state.StartsWith("57P", StringComparison.Ordinal) // shutting down, starting up
                || state == PostgresErrorCodes.QueryCanceled && !ct.IsCancellationRequested // statement_timeout
                || state == PostgresErrorCodes.InvalidCatalogName // no such database
                || state == PostgresErrorCodes.InvalidSchemaName // the search path names no schema
                || state == PostgresErrorCodes.InsufficientPrivilege;
        }

        // Everything else Npgsql throws is about the connection: refused, reset, timed out, TLS, pool exhausted.
        return e is NpgsqlException or TimeoutException or SocketException;
    }

    private static string Reason(Exception e) => e switch
    {
        PostgresException postgres => $"{postgres.MessageText} ({postgres.SqlState})",
        { InnerException: { } inner } when !e.Message.Contains(inner.Message, StringComparison.Ordinal) => $"{e.Message.TrimEnd('.')} ({inner.Message.TrimEnd('.')})",
        _ => e.Message.TrimEnd('.'),
    };

    /// <summary>Where the store is, for messages: host, port, database and user, never the password.</summary>
    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
        var database = builder.Database ?? builder.Username ?? "the user's default";
        return builder.Username is { Length: > 0 } user
            ? $"{host}:{builder.Port}, database '{database}', user '{user}'"
            : $"{host}:{builder.Port}, database '{database}'";
    }

    private readonly record struct LeaseState(string? Holder, DateTimeOffset? Expires, bool Live);
}
