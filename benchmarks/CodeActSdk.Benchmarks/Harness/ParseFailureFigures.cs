using System.Globalization;
using System.Text.Json;
using CodeActSdk.Jint;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// Parse failures per 1,000 model answers for each code format, over the hand-written corpus of answer shapes in
/// <c>benchmarks/corpus/model-answers.json</c>. An answer fails when the code the agent would run differs from what the
/// corpus expects: other or missing code, code run from a broken answer that should have been sent back, or an answer
/// sent back (a format error) although its code was recoverable. Tool-call arguments are read as
/// Microsoft.Extensions.AI's OpenAI client reads them (a failed parse leaves the call with an exception, not its text).
/// </summary>
public static class ParseFailureFigures
{
    public static Task RunAsync()
    {
        var path = FindCorpus();
        using var interpreter = new JintInterpreter();
        var language = interpreter.Language;
        var entries = JsonSerializer.Deserialize<List<CorpusAnswer>>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Console.WriteLine($"Parse failures per 1,000 model answers ({entries.Count} answers from {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)})");
        var failures = new List<string>();
        var rows = new List<(string Format, string Class, int Answers, int Failed)>();
        foreach (var group in entries.GroupBy(e => (e.Format, e.Class)))
        {
            var failed = 0;
            foreach (var entry in group)
            {
                if (Check(entry, language) is { } why)
                {
                    failed++;
                    failures.Add($"{entry.Format} / {entry.Class}: {why}");
                }
            }

            rows.Add((group.Key.Format, group.Key.Class, group.Count(), failed));
        }

        foreach (var format in rows.Select(r => r.Format).Distinct())
        {
            var mine = rows.Where(r => r.Format == format).ToList();
            Console.WriteLine();
            Console.WriteLine($"| {format} shape | answers | failures | per 1,000 |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var row in mine)
            {
                Console.WriteLine($"| {row.Class} | {row.Answers} | {row.Failed} | {PerThousand(row.Failed, row.Answers)} |");
            }

            var answers = mine.Sum(r => r.Answers);
            var failedAll = mine.Sum(r => r.Failed);
            Console.WriteLine($"| **all {format}** | {answers} | {failedAll} | **{PerThousand(failedAll, answers)}** |");
        }

        Console.WriteLine();
        Console.WriteLine($"Overall: {rows.Sum(r => r.Failed)} failures in {rows.Sum(r => r.Answers)} answers = {PerThousand(rows.Sum(r => r.Failed), rows.Sum(r => r.Answers))} per 1,000.");
        foreach (var failure in failures)
        {
            Console.WriteLine("  failed: " + failure);
        }

        return Task.CompletedTask;
    }

    private static string PerThousand(int failed, int answers) => (1000.0 * failed / answers).ToString("0", CultureInfo.InvariantCulture);

    /// <summary>Why <paramref name="entry"/> is read wrongly, or null when it is read as expected.</summary>
    private static string? Check(CorpusAnswer entry, CodeLanguage language)
    {
        var format = Enum.Parse<CodeFormat>(entry.Format);
        List<AIContent> contents = entry.Answer.Length > 0 ? [new TextContent(entry.Answer)] : [];
        foreach (var call in entry.Calls ?? [])
        {
            contents.Add(FunctionCallContent.CreateFromParsedArguments(call.Arguments, call.Id, call.Name,
                static json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json, AIJsonUtilities.DefaultOptions)!));
        }

        ModelTurn turn;
        try
        {
            turn = CodeFormats.Parse(format, [new ChatMessage(ChatRole.Assistant, contents)]);
        }
        catch (Exception e)
        {
            return $"the parser threw {e.GetType().Name}: {e.Message}";
        }

        var runnable = CodeBlockExtractor.SelectRunnable(turn.CodeBlocks, language).Select(b => b.Code.Trim()).ToList();
        if (entry.Expected is null)
        {
            return turn.FormatError is not null && runnable.Count == 0 ? null : $"a broken answer was not sent back (ran {runnable.Count} block(s))";
        }

        if (turn.FormatError is not null)
        {
            return $"recoverable code was sent back: {turn.FormatError.Split('\n')[0]}";
        }

        var expected = entry.Expected.Select(c => c.Replace("\r\n", "\n", StringComparison.Ordinal).Trim()).ToList();
        return runnable.SequenceEqual(expected)
            ? null
            : $"expected {expected.Count} block(s), read {runnable.Count}: {Preview(runnable)}";
    }

    private static string Preview(List<string> blocks) =>
        string.Join(" | ", blocks.Select(b => JsonSerializer.Serialize(b.Length <= 60 ? b : b[..60] + "…")));

    private static string FindCorpus()
    {
        for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "benchmarks", "corpus", "model-answers.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("benchmarks/corpus/model-answers.json was not found above the current folder; run the harness from the repository.");
    }

    private sealed record CorpusAnswer(string Format, string Class, string Answer, List<string>? Expected, List<CorpusCall>? Calls);

    private sealed record CorpusCall(string Id, string Name, string Arguments);
}
