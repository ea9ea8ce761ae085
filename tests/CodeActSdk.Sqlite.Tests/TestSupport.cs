using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CodeActSdk.Sqlite.Tests;

/// <summary>A clock that moves only when told, so lease expiry is tested without waiting.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Journal entries of each kind, and raw access to a store's file as another program would have.</summary>
internal static class Journal
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static CheckpointSession Session(string id, DateTimeOffset? created = null) =>
        new(id, "Reconcile the March ledger", "JavaScript", created ?? Start, created ?? Start);

    public static JournalEntry ModelTurn(long sequence, int step = 1) => new()
    {
        Sequence = sequence,
        Kind = JournalEntryKind.ModelTurn,
        Step = step,
        At = Start.AddSeconds(sequence),
        ModelText = $"Step {step}: I load the ledger.\n```js\nvar rows = ledger({step});\nconsole.log(rows.length);\n```",
    };

    public static JournalEntry ToolCall(long sequence, int step = 1) => new()
    {
        Sequence = sequence,
        Kind = JournalEntryKind.ToolCall,
        Step = step,
        At = Start.AddSeconds(sequence),
        ToolCall = new JournaledToolCall("ledger", Json($$"""{"day":{{step}}}"""), Json("""[{"entry":1,"amount":12.5},{"entry":2,"amount":-3}]""")),
    };

    public static JournalEntry StepCompleted(long sequence, int step = 1, AgentOutcome? outcome = null) => new()
    {
        Sequence = sequence,
        Kind = JournalEntryKind.StepCompleted,
        Step = step,
        At = Start.AddSeconds(sequence),
        Completed = new JournaledStep(
            "Observation:\n2",
            [new JournaledExecution(ExecutionStatus.Completed, "2\n", Json("2"), null)],
            outcome,
            outcome is null ? null : Json("""{"mismatches":0}""")),
    };

    /// <summary>The three entries of one step, numbered from <paramref name="first"/>.</summary>
    public static JournalEntry[] Step(int step, long first, AgentOutcome? outcome = null) =>
        [ModelTurn(first, step), ToolCall(first + 1, step), StepCompleted(first + 2, step, outcome)];

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Runs SQL on the file directly, bypassing the store, the way a damaged disk or a person would.</summary>
    public static int Tamper(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>Reads one value from the file directly.</summary>
    public static object? Query(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>What an entry is, compared through its encoding: the same checksum means the same content.</summary>
    public static (long, string, string, DateTimeOffset) Fingerprint(JournalEntry entry)
    {
        var encoded = JournalCodec.Encode(entry);
        return (encoded.Sequence, encoded.Kind, encoded.Checksum, encoded.At);
    }
}
