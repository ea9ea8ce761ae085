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
            var entries = CreateEntries(Entries);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"     entry payloads: model turn ~{PayloadSize(entries, JournalEntryKind.ModelTurn):N0} chars, tool call ~{PayloadSize(entries, JournalEntryKind.ToolCall):N0} chars, finished step ~{PayloadSize(entries, JournalEntryKind.StepCompleted):N0} chars"));
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

    private static double PayloadSize(JournalEntry[] entries, JournalEntryKind kind) =>
        entries.Where(e => e.Kind == kind).Average(e => JournalCodec.Encode(e).Payload.Length);

    /// <summary>Deterministic entries of the sizes a real run journals, three per step.</summary>
    private static JournalEntry[] CreateEntries(int count)
    {
        var random = new Random(20260301);
        var entries = new JournalEntry[count];
        var at = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var sequence = i + 1L;
            var step = i / 3 + 1;
            at = at.AddMilliseconds(random.Next(200, 4000));
            entries[i] = (i % 3) switch
            {
                0 => new JournalEntry
                {
                    Sequence = sequence, Kind = JournalEntryKind.ModelTurn, Step = step, At = at,
                    ModelText = string.Create(CultureInfo.InvariantCulture, $$"""
                        Step {{step}}: I load ledger {{step}} and compare it with the statement of the same day.
                        ```js
                        var ledger = loadLedger({{step}});
                        var statement = loadStatement({{step}});
                        var diff = compare(ledger, statement);
                        mismatches = mismatches.concat(diff);
                        console.log('day {{step}}: ' + ledger.length + ' entries, ' + diff.length + ' mismatches');
                        diff.forEach(function (d) { console.log(JSON.stringify(d)); });
                        ```
                        """),
                },
                1 => new JournalEntry
                {
                    Sequence = sequence, Kind = JournalEntryKind.ToolCall, Step = step, At = at,
                    ToolCall = new JournaledToolCall(
                        "loadLedger",
                        Json(string.Create(CultureInfo.InvariantCulture, $$"""{"day":{{step}},"account":"ACC-{{random.Next(1000, 9999)}}"}""")),
                        Json(Rows(random, 6))),
                },
                _ => new JournalEntry
                {
                    Sequence = sequence, Kind = JournalEntryKind.StepCompleted, Step = step, At = at,
                    Completed = new JournaledStep(
                        "Observation:\n" + Lines(random, 24),
                        [new JournaledExecution(ExecutionStatus.Completed, Lines(random, 24), Json(string.Create(CultureInfo.InvariantCulture, $"{random.Next(0, 40)}")), null)]),
                },
            };
        }

        return entries;
    }

    private static string Rows(Random random, int rows) =>
        "[" + string.Join(",", Enumerable.Range(0, rows).Select(_ => string.Create(CultureInfo.InvariantCulture,
            $$"""{"entry":{{random.Next(1, 900)}},"account":"ACC-{{random.Next(1000, 9999)}}","amount":{{random.Next(1, 99999) / 100.0}}}"""))) + "]";

    private static string Lines(Random random, int lines)
    {
        var text = new StringBuilder();
        for (var line = 0; line < lines; line++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{{\"entry\":{random.Next(1, 900)},\"account\":\"ACC-{random.Next(1000, 9999)}\",\"amount\":{random.Next(1, 99999) / 100.0}}}\n");
        }

        return text.ToString();
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
