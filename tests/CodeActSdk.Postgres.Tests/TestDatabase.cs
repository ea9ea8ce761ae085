using System.Text.Json;
using Npgsql;

namespace CodeActSdk.Postgres.Tests;

/// <summary>
/// The PostgreSQL server the tests run against, named by the CODEACT_POSTGRES environment variable, and a fresh
/// schema per test in it, so tests run in parallel and again and again without seeing each other's sessions.
/// </summary>
internal static class TestDatabase
{
    public const string Variable = "CODEACT_POSTGRES";

    /// <summary>The server's connection string; fails the test (never skips it) when none is given.</summary>
    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(value))
            {
                Assert.Fail($"{Variable} is not set, and these tests need a real PostgreSQL server. Run tests/run.sh, which provides one, or run "
                    + $"'export {Variable}=\"$(tests/provide-postgres.sh)\"' before 'dotnet test' (and 'tests/provide-postgres.sh stop' after).");
            }

            return value!;
        }
    }

    /// <summary>Creates an empty schema of its own; disposing it drops the schema and everything in it.</summary>
    public static async Task<TestSchema> CreateSchemaAsync()
    {
        var name = $"codeact_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = name };
        return new TestSchema(name, builder.ConnectionString);
    }
}

/// <summary>A schema of one test's own; <see cref="ConnectionString"/> puts the store's tables in it.</summary>
internal sealed class TestSchema(string name, string connectionString) : IAsyncDisposable
{
    private readonly List<PostgresCheckpointStore> _stores = [];

    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    /// <summary>A store on this schema, as one host of a fleet would have; disposed with the schema.</summary>
    public PostgresCheckpointStore NewStore()
    {
        var store = new PostgresCheckpointStore(ConnectionString);
        lock (_stores)
        {
            _stores.Add(store);
        }

        return store;
    }

    /// <summary>Runs SQL behind the store's back, as an operator (or a disk fault) would; returns the rows changed.</summary>
    public async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row of a query.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>Journal entries and sessions to store.</summary>
internal static class Journal
{
    // A moment with ticks below a microsecond and an offset, to show what PostgreSQL keeps of it.
    public static readonly DateTimeOffset Moment = new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.FromHours(2)).AddTicks(5_358_979);

    public static string NewId(string prefix = "session") => $"{prefix}-{Guid.NewGuid():N}";

    public static CheckpointSession Session(string id, string task = "Add up the invoices.") =>
        new(id, task, "JavaScript", Moment, Moment);

    public static JournalEntry ModelTurn(long sequence, int step, string text = "Let me add them.\n```js\nadd(1, 2)\n```") => new()
    {
        Sequence = sequence,
        Kind = JournalEntryKind.ModelTurn,
        Step = step,
        At = Moment.AddSeconds(sequence),
        ModelText = text,
    };

    public static JournalEntry ToolCall(long sequence, int step) => new()
    {
        Sequence = sequence,
        Kind = JournalEntryKind.ToolCall,
        Step = step,
        At = Moment.AddSeconds(sequence),
        ToolCall = new JournaledToolCall("add", Json("""{"a": 1, "b": [2, "two"], "nested": {"ok": true}}"""), Json("3")),
    };

    public static JournalEntry FailedToolCall(long sequence, int step) => new()
    {
        Sequence = sequence,
        Kind = JournalEntryKind.ToolCall,
        Step = step,
        At = Moment.AddSeconds(sequence),
        ToolCall = new JournaledToolCall("fetch", Json("""{"url": 42}"""), null, "url must be a string", ArgumentError: true),
    };

    public static JournalEntry StepCompleted(long sequence, int step, AgentOutcome? outcome = null) => new()
    {
        Sequence = sequence,
        Kind = JournalEntryKind.StepCompleted,
        Step = step,
        At = Moment.AddSeconds(sequence),
        Completed = new JournaledStep(
            "Execution 1: 3\nprinted: ünïcödé ✓",
            [
                new JournaledExecution(ExecutionStatus.Completed, "ünïcödé ✓\n", Json("3"), null),
                new JournaledExecution(ExecutionStatus.RuntimeError, "", null, "ReferenceError: x is not defined"),
            ],
            outcome,
            outcome is null ? null : Json("""{"total": 3}""")),
    };

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    /// <summary>An entry's content as comparable text (its JSON values compared by content, not by reference), without <see cref="JournalEntry.At"/>.</summary>
    public static string Content(JournalEntry entry) => JsonSerializer.Serialize(entry with { At = default });
}
