using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CodeActSdk.Sqlite;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// What journaling costs a durable run with <see cref="SqliteCheckpointStore"/>: 1,000 appends of entries the size an
/// agent writes (payloads of about 480 characters for a model turn, 400 for a tool call with its arguments and result,
/// 4,500 for a finished step with its observation and its code's output), each timed on its own, to a fresh database
/// in the temp folder.
/// Measured with <c>synchronous=FULL</c> (the store's setting: every append flushed to disk) and with <c>NORMAL</c>
/// (survives a killed process but not a power loss), so the price of the flush is visible; then one read of the
/// 1,000-entry journal, which is what a resume pays.
/// </summary>
public static class JournalSqliteFigures
{
    private const int Entries = 1000;
    private const int WarmUpEntries = 60;

    public static async Task RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-journal-bench-").FullName;
        try
        {
            Console.WriteLine($"[journal-sqlite] SqliteCheckpointStore: {Entries:N0} appends (model turn, tool call, finished step in turn), each timed; database in {folder}");
            var entries = JournalSamples.CreateEntries(Entries);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"     entry payloads: model turn ~{JournalSamples.PayloadSize(entries, JournalEntryKind.ModelTurn):N0} chars, tool call ~{JournalSamples.PayloadSize(entries, JournalEntryKind.ToolCall):N0} chars, finished step ~{JournalSamples.PayloadSize(entries, JournalEntryKind.StepCompleted):N0} chars"));
            foreach (var flush in new[] { true, false })
            {
                await MeasureAsync(Path.Combine(folder, flush ? "full.db" : "normal.db"), flush, entries).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task MeasureAsync(string path, bool flush, JournalEntry[] entries)
    {
        using var store = new SqliteCheckpointStore(path) { FlushEveryCommit = flush };
        var now = DateTimeOffset.UtcNow;

        // Warm-up in another session: the JIT, the connection pool and the schema, none of which a long-running host pays per append.
        await store.CreateAsync(new CheckpointSession("warm-up", "warm-up", "JavaScript", now, now)).ConfigureAwait(false);
        foreach (var entry in entries.Take(WarmUpEntries))
        {
            await store.AppendAsync("warm-up", entry).ConfigureAwait(false);
        }

        await store.CreateAsync(new CheckpointSession("measured", "Reconcile the 200 daily ledger files", "JavaScript", now, now)).ConfigureAwait(false);
        var timings = new double[entries.Length];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < entries.Length; i++)
        {
            var before = Stopwatch.GetTimestamp();
            await store.AppendAsync("measured", entries[i]).ConfigureAwait(false);
            timings[i] = Stopwatch.GetElapsedTime(before).TotalMicroseconds;
        }

        var total = Stopwatch.GetElapsedTime(started);
        var label = flush ? "synchronous=FULL (the store's setting)" : "synchronous=NORMAL (for comparison)";
        Console.WriteLine($"     {label}");
        Console.WriteLine($"       {"every append",-14} {new Samples(timings).Describe()}");
        foreach (var kind in Enum.GetValues<JournalEntryKind>())
        {
            Console.WriteLine($"       {kind,-14} {new Samples(timings.Where((_, i) => entries[i].Kind == kind)).Describe()}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"       {"throughput",-14} {entries.Length / total.TotalSeconds:N0} appends/s one after another; file {new FileInfo(path).Length / 1024.0:N0} KiB + WAL {WalSize(path) / 1024.0:N0} KiB"));

        var reads = new double[10];
        for (var i = 0; i < reads.Length; i++)
        {
            var before = Stopwatch.GetTimestamp();
            var journal = await store.ReadAsync("measured").ConfigureAwait(false);
            reads[i] = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
            if (journal.Entries.Count != entries.Length)
            {
                throw new InvalidOperationException($"Read back {journal.Entries.Count} entries instead of {entries.Length}.");
            }
        }

        Console.WriteLine($"       {"read all",-14} {new Samples(reads).Describe("ms")} (checked and decoded, as a resume reads it)");
    }

    private static long WalSize(string path) => File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0;
}
