using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>The journal entries the journal benchmarks append: deterministic, of the sizes a real run writes.</summary>
internal static class JournalSamples
{
    public static double PayloadSize(JournalEntry[] entries, JournalEntryKind kind) =>
        entries.Where(e => e.Kind == kind).Average(e => JournalCodec.Encode(e).Payload.Length);

    /// <summary>Deterministic entries of the sizes a real run journals, three per step.</summary>
    public static JournalEntry[] CreateEntries(int count)
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
