namespace CodeActSdk;

/// <summary>A durable run's journal could not be used; the message says which session and what to do.</summary>
public class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>There is no session with the id given.</summary>
public sealed class CheckpointNotFoundException(string sessionId)
    : CheckpointException($"There is no durable session '{sessionId}'. List the sessions to see which exist.")
{
    /// <summary>The id that was asked for.</summary>
    public string SessionId { get; } = sessionId;
}

/// <summary>A journal entry is damaged, missing or out of order. Nothing was changed; the journal can still be inspected.</summary>
public sealed class CheckpointCorruptException(string message, Exception? innerException = null) : CheckpointException(message, innerException);

/// <summary>A journal was written in a format this version cannot read.</summary>
public sealed class CheckpointFormatException(string message) : CheckpointException(message);

/// <summary>A write lost a race: the session exists already, or another writer appended the same entry.</summary>
public sealed class CheckpointConflictException(string message) : CheckpointException(message);

/// <summary>Another holder is running the session.</summary>
public sealed class SessionLeasedException(string sessionId, string holder, DateTimeOffset expires)
    : CheckpointException($"Session '{sessionId}' is being run by {holder} (its lease lasts until {expires:u} unless renewed). Wait for it to finish, or resume it after the lease expires.")
{
    /// <summary>Who holds the lease.</summary>
    public string Holder { get; } = holder;

    /// <summary>When the lease expires unless renewed.</summary>
    public DateTimeOffset Expires { get; } = expires;
}

/// <summary>The store cannot be reached (a missing file's folder, a database that is down, bad credentials). Nothing was written.</summary>
public sealed class CheckpointStoreUnavailableException(string message, Exception? innerException = null) : CheckpointException(message, innerException);

/// <summary>
/// Replaying a journaled step did not reproduce it: its code printed, returned or called tools differently, usually
/// because it depends on the time or random numbers. The session cannot be resumed exactly; nothing was changed.
/// </summary>
public sealed class JournalDivergenceException(string message) : CheckpointException(message);
