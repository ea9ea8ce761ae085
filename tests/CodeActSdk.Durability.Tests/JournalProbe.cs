using Microsoft.Data.Sqlite;

namespace CodeActSdk.Durability.Tests;

/// <summary>
/// Watches a session's journal from outside while another process writes it: a read-only query of the entry count
/// the store keeps with the session, cheap enough to run every millisecond.
/// </summary>
internal sealed class JournalProbe : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _count;

    /// <summary>Opens the database file of an existing store (its schema must be in place).</summary>
    public JournalProbe(string storePath, string sessionId)
    {
        // Read-write mode only so that SQLite may map the write-ahead log's index; the probe runs nothing but a SELECT.
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        _connection.Open();
        _count = _connection.CreateCommand();
        _count.CommandText = "SELECT entries FROM sessions WHERE id = $id";
        _count.Parameters.AddWithValue("$id", sessionId);
    }

    /// <summary>How many entries the journal holds now; 0 before the session exists.</summary>
    public long Entries() => _count.ExecuteScalar() is long entries ? entries : 0;

    public void Dispose()
    {
        _count.Dispose();
        _connection.Dispose();
    }
}
