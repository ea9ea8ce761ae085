using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CodeActSdk.Postgres;
using Npgsql;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// What journaling costs a durable run with <see cref="PostgresCheckpointStore"/>: 1,000 appends of entries the size an
/// agent writes (a model turn of about 400 characters, a tool call with its arguments and result, a finished step with
/// an observation of about 1,800 characters), each timed on its own, to the server that CODEACT_POSTGRES names
/// (<c>export CODEACT_POSTGRES="$(tests/provide-postgres.sh)"</c> provides a local one), in a schema of their own that
/// is dropped afterwards. Each append is one transaction of three round trips (lock the session's row; insert the
/// entry and update the session; commit), so the figure is mostly network latency plus the server's commit: measured
/// with <c>synchronous_commit=on</c> (the commit waits for the WAL flush; PostgreSQL's default) and <c>off</c>, and the
/// server's <c>fsync</c> setting is printed next to them, since a throwaway test server runs without it. Then one read
/// of the 1,000-entry journal, which is what a resume pays.
/// </summary>
public static class JournalPostgresFigures
{
    private const int Entries = 1000;
    private const int WarmUpEntries = 300;

    public static async Task RunAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("CODEACT_POSTGRES");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "journal-postgres needs a PostgreSQL server: set CODEACT_POSTGRES to its connection string, for example with 'export CODEACT_POSTGRES=\"$(tests/provide-postgres.sh)\"' (and 'tests/provide-postgres.sh stop' afterwards).");
        }

        var schema = $"codeact_bench_{Guid.NewGuid():N}";
        await ExecuteAsync(connectionString, $"CREATE SCHEMA {schema}").ConfigureAwait(false);
        try
        {
            var where = new NpgsqlConnectionStringBuilder(connectionString);
            Console.WriteLine($"[journal-postgres] PostgresCheckpointStore: {Entries:N0} appends (model turn, tool call, finished step in turn), each timed; server {where.Host}:{where.Port}, database '{where.Database}', schema {schema}");
            Console.WriteLine($"     server: {await ScalarAsync(connectionString, "SELECT version()").ConfigureAwait(false)}");
            Console.WriteLine($"     server settings: fsync={await ScalarAsync(connectionString, "SHOW fsync").ConfigureAwait(false)}, synchronous_commit default={await ScalarAsync(connectionString, "SHOW synchronous_commit").ConfigureAwait(false)}");
            var entries = JournalSamples.CreateEntries(Entries);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"     entry payloads: model turn ~{JournalSamples.PayloadSize(entries, JournalEntryKind.ModelTurn):N0} chars, tool call ~{JournalSamples.PayloadSize(entries, JournalEntryKind.ToolCall):N0} chars, finished step ~{JournalSamples.PayloadSize(entries, JournalEntryKind.StepCompleted):N0} chars"));
            foreach (var synchronousCommit in new[] { "on", "off" })
            {
                var measured = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema, Options = $"-c synchronous_commit={synchronousCommit}" };
                await MeasureAsync(measured.ConnectionString, synchronousCommit, entries).ConfigureAwait(false);
            }
        }
        finally
        {
            await ExecuteAsync(connectionString, $"DROP SCHEMA {schema} CASCADE").ConfigureAwait(false);
        }
    }

    private static async Task MeasureAsync(string connectionString, string synchronousCommit, JournalEntry[] entries)
    {
        await using var store = new PostgresCheckpointStore(connectionString);
        var now = DateTimeOffset.UtcNow;
        var suffix = synchronousCommit;

        // Warm-up in another session: the JIT, the connection pool and the tables, none of which a long-running host pays per append.
        await store.CreateAsync(new CheckpointSession($"warm-up-{suffix}", "warm-up", "JavaScript", now, now)).ConfigureAwait(false);
        foreach (var entry in entries.Take(WarmUpEntries))
        {
            await store.AppendAsync($"warm-up-{suffix}", entry).ConfigureAwait(false);
        }

        var id = $"measured-{suffix}";
        await store.CreateAsync(new CheckpointSession(id, "Reconcile the 200 daily ledger files", "JavaScript", now, now)).ConfigureAwait(false);
        var timings = new double[entries.Length];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < entries.Length; i++)
        {
            var before = Stopwatch.GetTimestamp();
            await store.AppendAsync(id, entries[i]).ConfigureAwait(false);
            timings[i] = Stopwatch.GetElapsedTime(before).TotalMicroseconds;
        }

        var total = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"     synchronous_commit={synchronousCommit}{(synchronousCommit == "on" ? " (PostgreSQL's default: the commit waits for the WAL flush)" : " (for comparison: a crash of the server may lose the last commits)")}");
        Console.WriteLine($"       {"every append",-14} {new Samples(timings).Describe()}");
        foreach (var kind in Enum.GetValues<JournalEntryKind>())
        {
            Console.WriteLine($"       {kind,-14} {new Samples(timings.Where((_, i) => entries[i].Kind == kind)).Describe()}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"       {"throughput",-14} {entries.Length / total.TotalSeconds:N0} appends/s one after another"));

        var reads = new double[5];
        for (var i = 0; i < reads.Length; i++)
        {
            var before = Stopwatch.GetTimestamp();
            var journal = await store.ReadAsync(id).ConfigureAwait(false);
            reads[i] = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
            if (journal.Entries.Count != entries.Length)
            {
                throw new InvalidOperationException($"Read back {journal.Entries.Count} entries instead of {entries.Length}.");
            }
        }

        Console.WriteLine($"       {"read all",-14} {new Samples(reads).Describe("ms")} (checked and decoded, as a resume reads it)");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "";
    }
}
