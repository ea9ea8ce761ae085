using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CodeActSdk.Sqlite;

/// <summary>
/// An <see cref="ICheckpointStore"/> in one SQLite file: the embedded default for durable runs. The file is created
/// when missing (its folder is not), and so is the schema, on first use.
/// </summary>
/// <remarks>
/// <para>
/// <b>Durability.</b> The file is in write-ahead-log mode with <c>synchronous=FULL</c>: every append is flushed to
/// disk before its task completes, so it survives a killed process and a power loss alike. (<c>NORMAL</c> would
/// survive a killed process only; the benchmark <c>harness journal-sqlite</c> measures both, and the flush is a small
/// part of an agent step, which waits for a model anyway.)
/// </para>
/// <para>
/// <b>Concurrency.</b> Every operation takes its own connection from Microsoft.Data.Sqlite's pool, so reads run in
/// parallel with each other and with writes. Writes of one store instance go through one asynchronous gate, in
/// order, rather than spinning on SQLite's lock; writes of other instances and other processes on the same file
/// wait for SQLite's write lock for up to 5 seconds, after which the call fails with
/// <see cref="CheckpointStoreUnavailableException"/>. Every write is one transaction that takes the write lock
/// first (<c>BEGIN IMMEDIATE</c>), so its checks and its changes cannot interleave with another writer's. Use one
/// instance per file in a process; several processes may share the file (not over a network file system, where
/// SQLite's locks are not reliable).
/// </para>
/// <para>
/// <b>Cancellation</b> is observed before each statement and while waiting for this instance's write gate; a
/// statement already waiting for another process's write lock finishes waiting first. A write whose transaction has
/// committed is reported as done, even if cancellation was requested meanwhile.
/// </para>
/// <para>
/// <b>Time.</b> Times are stored as UTC text (ISO 8601, to the tick), so an entry's <see cref="JournalEntry.At"/>
/// comes back as the same instant with a zero offset. <see cref="CheckpointSession.Updated"/> and lease expiry use
/// the <see cref="TimeProvider"/> given to the constructor.
/// </para>
/// <para>
/// <b>Leases</b> are identified by their holder's name: acquiring a lease one already holds extends it, and
/// disposing any lease object of that holder releases it, so give every run its own holder name. Renewing succeeds
/// while the lease is still the holder's, even after it expired if nobody took it meanwhile; once another holder
/// took it, renewing fails with <see cref="SessionLeasedException"/> even if that holder's lease has expired too, so
/// that a run that lost its lease stops rather than carries on from a journal someone else may have extended. A lease
/// restrains other leases, not writes: <see cref="AppendAsync"/> does not check it, and its sequence check is what
/// keeps two writers from interleaving.
/// </para>
/// </remarks>
public sealed class SqliteCheckpointStore : ICheckpointStore, IDisposable
{
    /// <summary>The schema this version creates and reads, kept in the file's <c>PRAGMA user_version</c>.</summary>
    internal const int SchemaVersion = 1;

    /// <summary>How long a write waits for another connection's write lock before giving up.</summary>
    internal static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS sessions (
            id             TEXT    NOT NULL PRIMARY KEY,
            task           TEXT    NOT NULL,
            language       TEXT    NOT NULL,
            created        TEXT    NOT NULL,
            updated        TEXT    NOT NULL,
            entries        INTEGER NOT NULL DEFAULT 0,
            finished       INTEGER NOT NULL DEFAULT 0,
            format_version INTEGER NOT NULL,
            lease_holder   TEXT,
            lease_expires  TEXT
        );
        CREATE INDEX IF NOT EXISTS sessions_by_updated ON sessions (updated);
        CREATE TABLE IF NOT EXISTS entries (
            session_id TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            step       INTEGER NOT NULL,
            kind       TEXT    NOT NULL,
            payload    TEXT    NOT NULL,
            checksum   TEXT    NOT NULL,
            at         TEXT    NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        """;

    // A lease nobody holds, or one whose time is up, may be taken. (A holder without an expiry cannot be written by
    // this store; it is treated as expired rather than as held forever.)
    private const string LeaseIsFree = "(lease_holder IS NULL OR lease_expires IS NULL OR lease_expires <= $now)";

    private const string SessionColumns = "id, task, language, created, updated, entries, finished, format_version";

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;
    private volatile bool _disposed;

    /// <summary>Opens (on first use) the store in the SQLite file at <paramref name="path"/>.</summary>
    /// <param name="path">The database file; created when missing. Its folder must exist.</param>
    /// <param name="timeProvider">The clock for update times and leases; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or not a valid path.</exception>
    public SqliteCheckpointStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = timeProvider ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
    }

    /// <summary>The database file, as a full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Whether commits are flushed to disk (<c>synchronous=FULL</c>, the default) or only handed to the operating
    /// system (<c>NORMAL</c>: survives a killed process, not a power loss). For the benchmark's comparison only.
    /// </summary>
    internal bool FlushEveryCommit { get; init; } = true;

    /// <inheritdoc />
    public Task CreateAsync(CheckpointSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        JournalCodec.ValidateSessionId(session.Id);
        ArgumentNullException.ThrowIfNull(session.Task, nameof(session));
        ArgumentNullException.ThrowIfNull(session.Language, nameof(session));

        // The journal starts empty and unfinished, in the format this version encodes entries in, whatever the
        // record says of those: they describe the journal, which the store keeps.
        return WriteAsync($"create session '{session.Id}'", cancellationToken, async (connection, transaction) =>
        {
            var created = await ExecuteAsync(connection, transaction, cancellationToken, """
                INSERT INTO sessions (id, task, language, created, updated, entries, finished, format_version)
                VALUES ($id, $task, $language, $created, $updated, 0, 0, $format)
                ON CONFLICT (id) DO NOTHING
                """,
                ("$id", session.Id), ("$task", session.Task), ("$language", session.Language),
                ("$created", Text(session.Created)), ("$updated", Text(session.Updated)), ("$format", JournalCodec.FormatVersion)).ConfigureAwait(false);
            if (created == 0)
            {
                throw new CheckpointConflictException($"A durable session '{session.Id}' exists already in {Path}. Resume it, delete it, or choose another id.");
            }

            return true;
        });
    }

    /// <inheritdoc />
    /// <exception cref="CheckpointFormatException">The session was journaled in another format, which this version must not append to.</exception>
    public Task AppendAsync(string sessionId, JournalEntry entry, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        var row = JournalCodec.Encode(entry);
        var finishes = entry.Kind == JournalEntryKind.StepCompleted && entry.Completed?.Outcome is not null;
        return WriteAsync($"append entry {row.Sequence} to session '{sessionId}'", cancellationToken, async (connection, transaction) =>
        {
            // The compare-and-set on the entry count is the sequence check: it fails when the session is missing,
            // when another writer appended first, or when the number leaves a gap.
            var advanced = await ExecuteAsync(connection, transaction, cancellationToken, """
                UPDATE sessions
                SET entries = $seq, updated = $now, finished = CASE WHEN $finishes THEN 1 ELSE finished END
                WHERE id = $id AND entries = $seq - 1 AND format_version = $format
                """,
                ("$id", sessionId), ("$seq", row.Sequence), ("$now", Text(_time.GetUtcNow())), ("$finishes", finishes), ("$format", JournalCodec.FormatVersion)).ConfigureAwait(false);
            if (advanced == 0)
            {
                throw await WhyAppendFailedAsync(connection, transaction, sessionId, row.Sequence, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await ExecuteAsync(connection, transaction, cancellationToken, """
                    INSERT INTO entries (session_id, seq, step, kind, payload, checksum, at)
                    VALUES ($id, $seq, $step, $kind, $payload, $checksum, $at)
                    """,
                    ("$id", sessionId), ("$seq", row.Sequence), ("$step", row.Step), ("$kind", row.Kind),
                    ("$payload", row.Payload), ("$checksum", row.Checksum), ("$at", Text(row.At))).ConfigureAwait(false);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteErrors.SQLITE_CONSTRAINT)
            {
                // The count said the slot was free but a row is there: the file was edited by hand. Refuse rather
                // than overwrite what is journaled.
                throw new CheckpointConflictException($"Entry {row.Sequence} of session '{sessionId}' exists already although the session counts {row.Sequence - 1} entries: the journal in {Path} was changed outside this store. Nothing was written; read the session to check it.");
            }

            return true;
        });
    }

    /// <inheritdoc />
    public async Task<CheckpointJournal> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        var (session, rows) = await RunAsync($"read session '{sessionId}'", cancellationToken, async connection =>
        {
            // One read transaction: the session's entry count and its rows come from the same snapshot, so an append
            // that lands in between cannot look like a truncated journal.
            using var transaction = connection.BeginTransaction(deferred: true);
            CheckpointSession? session = null;
            using (var command = Command(connection, transaction, $"SELECT {SessionColumns} FROM sessions WHERE id = $id", ("$id", sessionId)))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    session = ReadSession(reader);
                }
            }

            if (session is null)
            {
                throw new CheckpointNotFoundException(sessionId);
            }

            var rows = new List<(long Sequence, int Step, string Kind, string Payload, string Checksum, string At)>((int)Math.Clamp(session.Entries, 0, 100_000));
            using (var command = Command(connection, transaction, "SELECT seq, step, kind, payload, checksum, at FROM entries WHERE session_id = $id ORDER BY seq", ("$id", sessionId)))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
                }
            }

            transaction.Commit();
            return (session, rows);
        }).ConfigureAwait(false);

        // Checked and decoded with the connection back in the pool. The format is checked first, by the codec, so
        // that a session of another format is refused as such rather than as damaged.
        return JournalCodec.Decode(session, rows.Select(r => new EncodedJournalEntry(r.Sequence, r.Step, r.Kind, r.Payload, r.Checksum, EntryTime(session, r.Sequence, r.At))));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CheckpointSession>> ListAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<CheckpointSession>>("list the sessions", cancellationToken, async connection =>
        {
            var sessions = new List<CheckpointSession>();
            using var command = Command(connection, null, $"SELECT {SessionColumns} FROM sessions ORDER BY updated DESC, created DESC, id");
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sessions.Add(ReadSession(reader));
            }

            return sessions;
        });

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        return WriteAsync($"delete session '{sessionId}'", cancellationToken, async (connection, transaction) =>
        {
            var lease = await ReadLeaseAsync(connection, transaction, sessionId, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                return false;
            }

            if (lease.Value.Holder is { } holder && lease.Value.Expires is { } expires && expires > _time.GetUtcNow())
            {
                throw new SessionLeasedException(sessionId, holder, expires);
            }

            await ExecuteAsync(connection, transaction, cancellationToken, "DELETE FROM entries WHERE session_id = $id", ("$id", sessionId)).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, cancellationToken, "DELETE FROM sessions WHERE id = $id", ("$id", sessionId)).ConfigureAwait(false);
            return true;
        });
    }

    /// <inheritdoc />
    public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        WriteAsync($"delete the sessions last updated before {cutoff:u}", cancellationToken, async (connection, transaction) =>
        {
            const string Stale = $"updated < $cutoff AND {LeaseIsFree}";
            (string, object?)[] parameters = [("$cutoff", Text(cutoff)), ("$now", Text(_time.GetUtcNow()))];
            await ExecuteAsync(connection, transaction, cancellationToken, $"DELETE FROM entries WHERE session_id IN (SELECT id FROM sessions WHERE {Stale})", parameters).ConfigureAwait(false);
            return await ExecuteAsync(connection, transaction, cancellationToken, $"DELETE FROM sessions WHERE {Stale}", parameters).ConfigureAwait(false);
        });

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="holder"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive.</exception>
    public async Task<ICheckpointLease> AcquireLeaseAsync(string sessionId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        JournalCodec.ValidateSessionId(sessionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(365))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "A lease lasts more than zero and at most 365 days; renew it rather than taking a longer one.");
        }

        await TakeLeaseAsync(sessionId, holder, duration, renewing: false, cancellationToken).ConfigureAwait(false);
        return new SqliteCheckpointLease(this, sessionId, holder, duration);
    }

    /// <summary>Closes the pooled connections to the file. Calls made afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Idle pooled connections keep the file (and its -wal and -shm files) open; ones in use are closed when they
        // come back. The semaphores are not disposed: a call still in flight releases them.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>
    /// Takes or extends a lease in one transaction. Acquiring succeeds when the lease is free, expired or already
    /// <paramref name="holder"/>'s; renewing succeeds only when it is still <paramref name="holder"/>'s or nobody's, so
    /// that a run whose lease was taken over learns it even after the other holder's lease expired.
    /// </summary>
    internal Task TakeLeaseAsync(string sessionId, string holder, TimeSpan duration, bool renewing, CancellationToken cancellationToken) =>
        WriteAsync($"{(renewing ? "renew" : "take")} the lease of session '{sessionId}'", cancellationToken, async (connection, transaction) =>
        {
            var now = _time.GetUtcNow();
            var mayTake = renewing ? "(lease_holder IS NULL OR lease_holder = $holder)" : $"({LeaseIsFree} OR lease_holder = $holder)";
            var taken = await ExecuteAsync(connection, transaction, cancellationToken,
                $"UPDATE sessions SET lease_holder = $holder, lease_expires = $expires WHERE id = $id AND {mayTake}",
                ("$id", sessionId), ("$holder", holder), ("$now", Text(now)), ("$expires", Text(now + duration))).ConfigureAwait(false);
            if (taken == 1)
            {
                return true;
            }

            var lease = await ReadLeaseAsync(connection, transaction, sessionId, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                throw new CheckpointNotFoundException(sessionId);
            }

            throw new SessionLeasedException(sessionId, lease.Value.Holder ?? "nobody", lease.Value.Expires ?? now);
        });

    /// <summary>Releases the lease if <paramref name="holder"/> still holds it; a lease taken over meanwhile stays with its new holder.</summary>
    internal Task ReleaseLeaseAsync(string sessionId, string holder) =>
        WriteAsync($"release the lease of session '{sessionId}'", CancellationToken.None, (connection, transaction) =>
            ExecuteAsync(connection, transaction, CancellationToken.None,
                "UPDATE sessions SET lease_holder = NULL, lease_expires = NULL WHERE id = $id AND lease_holder = $holder",
                ("$id", sessionId), ("$holder", holder)));

    /// <summary>Runs one write transaction (<c>BEGIN IMMEDIATE</c>) behind this instance's write gate, and commits it.</summary>
    private async Task<T> WriteAsync<T>(string action, CancellationToken cancellationToken, Func<SqliteConnection, SqliteTransaction, Task<T>> write)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(action, cancellationToken, async connection =>
            {
                // Immediate: the write lock is taken before the checks read anything, so what they read cannot change
                // before the transaction commits. (A deferred transaction would fail, not wait, on upgrading its lock
                // when another connection wrote meanwhile.)
                using var transaction = connection.BeginTransaction(deferred: false);
                var result = await write(connection, transaction).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                transaction.Commit();
                return result;
            }).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a pooled connection, with the schema in place, and turns every SQLite or I/O
    /// failure into <see cref="CheckpointStoreUnavailableException"/>. A failed transaction is rolled back when its
    /// connection is disposed, so nothing already journaled is touched.
    /// </summary>
    private async Task<T> RunAsync<T>(string action, CancellationToken cancellationToken, Func<SqliteConnection, Task<T>> body)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (!_schemaReady)
            {
                await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            }

            using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await body(connection).ConfigureAwait(false);
        }
        catch (SqliteException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"Cancelled while trying to {action}.", e, cancellationToken);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw Unavailable(action, e);
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // Per connection, so set on every open (a pooled connection keeps them; setting them again costs no I/O).
            using var command = connection.CreateCommand();
            command.CommandText = string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = {(FlushEveryCommit ? "FULL" : "NORMAL")};");
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Turns on the write-ahead log and creates the schema, once per instance (again after a failure).</summary>
    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);

            // The journal mode is kept in the file, so this changes it once. A file system without shared memory
            // (some network mounts) keeps the rollback journal: slower, equally durable, so it is not refused.
            using (var command = Command(connection, null, "PRAGMA journal_mode = WAL"))
            {
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }

            using var transaction = connection.BeginTransaction(deferred: false);
            long version;
            using (var command = Command(connection, transaction, "PRAGMA user_version"))
            {
                version = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
            }

            if (version > SchemaVersion)
            {
                throw new CheckpointStoreUnavailableException($"The checkpoint store {Path} has schema version {version}, newer than this version of CodeActSdk.Sqlite reads ({SchemaVersion}). Use a newer CodeActSdk.Sqlite, or another file.");
            }

            if (version < SchemaVersion)
            {
                // Version 0 is a new (or empty) file. The schema and its version are written in one transaction, so a
                // crash leaves either both or neither.
                using var command = Command(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"{Schema}\nPRAGMA user_version = {SchemaVersion};"));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            transaction.Commit();
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task<CheckpointException> WhyAppendFailedAsync(SqliteConnection connection, SqliteTransaction transaction, string sessionId, long sequence, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, "SELECT entries, format_version FROM sessions WHERE id = $id", ("$id", sessionId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return new CheckpointNotFoundException(sessionId);
        }

        var entries = reader.GetInt64(0);
        var format = reader.GetInt32(1);
        if (format != JournalCodec.FormatVersion)
        {
            return new CheckpointFormatException($"Session '{sessionId}' was journaled in format {format}; this version writes format {JournalCodec.FormatVersion} and does not append to it. Resume it with the version that wrote it, or start a new session.");
        }

        return new CheckpointConflictException(sequence <= entries
            ? $"Entry {sequence} of session '{sessionId}' is journaled already (the journal holds {entries}): another writer appended first. Nothing was written; re-read the journal before going on."
            : $"Entry {sequence} of session '{sessionId}' would leave a gap: the journal holds {entries}, so the next entry is {entries + 1}. Nothing was written.");
    }

    private static async Task<(string? Holder, DateTimeOffset? Expires)?> ReadLeaseAsync(SqliteConnection connection, SqliteTransaction transaction, string sessionId, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, "SELECT lease_holder, lease_expires FROM sessions WHERE id = $id", ("$id", sessionId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : ParseTime(reader.GetString(1)));
    }

    private CheckpointSession ReadSession(SqliteDataReader reader)
    {
        var id = reader.GetString(0);
        return new CheckpointSession(
            id,
            reader.GetString(1),
            reader.GetString(2),
            SessionTime(id, "created", reader.GetString(3)),
            SessionTime(id, "updated", reader.GetString(4)),
            reader.GetInt64(5),
            reader.GetInt64(6) != 0,
            reader.GetInt32(7));
    }

    private DateTimeOffset SessionTime(string sessionId, string column, string text) =>
        ParseTime(text) ?? throw new CheckpointCorruptException($"Session '{sessionId}' in {Path} has an unreadable {column} time '{text}': the file was changed outside this store. Nothing was changed.");

    private static DateTimeOffset EntryTime(CheckpointSession session, long sequence, string text) =>
        ParseTime(text) ?? throw new CheckpointCorruptException($"Entry {sequence} of session '{session.Id}' is damaged: its time '{text}' is unreadable. Nothing was changed.");

    private CheckpointStoreUnavailableException Unavailable(string action, Exception e)
    {
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (e is SqliteException { SqliteErrorCode: SqliteErrors.SQLITE_NOTADB or SqliteErrors.SQLITE_CORRUPT })
        {
            return new CheckpointStoreUnavailableException($"Could not {action}: the checkpoint store {Path} is not a SQLite database or is damaged ({e.Message}). Restore it from a backup, or move it away to start an empty store.", e);
        }

        if (folder is not null && !Directory.Exists(folder))
        {
            return new CheckpointStoreUnavailableException($"Could not {action}: the folder of the checkpoint store {Path} does not exist. Create '{folder}' first; the store creates the file, not its folder.", e);
        }

        var hint = e is SqliteException { SqliteErrorCode: SqliteErrors.SQLITE_BUSY or SqliteErrors.SQLITE_LOCKED }
            ? $" Another process held the file's write lock for more than {BusyTimeout.TotalSeconds:0} s; try again."
            : e is SqliteException { SqliteErrorCode: SqliteErrors.SQLITE_CANTOPEN or SqliteErrors.SQLITE_READONLY or SqliteErrors.SQLITE_PERM } or UnauthorizedAccessException
                ? " Check that this process may read and write the file and its folder (SQLite also creates the -wal and -shm files beside it)."
                : string.Empty;
        return new CheckpointStoreUnavailableException($"Could not {action} in the checkpoint store {Path}: {e.Message}.{hint} Nothing was written.", e);
    }

    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken, string sql, params (string Name, object? Value)[] parameters)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    // Fixed-width UTC text sorts as the instants do, so comparisons and ORDER BY work on the column as it is, and the
    // file stays readable with the sqlite3 shell.
    private static string Text(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseTime(string text) =>
        DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
}

/// <summary>The SQLite result codes the store tells apart (the primary codes of https://www.sqlite.org/rescode.html).</summary>
internal static class SqliteErrors
{
    public const int SQLITE_PERM = 3;
    public const int SQLITE_BUSY = 5;
    public const int SQLITE_LOCKED = 6;
    public const int SQLITE_READONLY = 8;
    public const int SQLITE_CORRUPT = 11;
    public const int SQLITE_CANTOPEN = 14;
    public const int SQLITE_CONSTRAINT = 19;
    public const int SQLITE_NOTADB = 26;
}
