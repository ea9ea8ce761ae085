using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodeActSdk;

/// <summary>Turns execution results into the observation text the model reads next.</summary>
internal static class ObservationFormatter
{
    public const string NoOutput = "(no output; the code ran without printing anything)";

    /// <summary>Formats the results of the blocks that ran; <paramref name="notRun"/> blocks after them were skipped.</summary>
    public static string Format(IReadOnlyList<ExecutionResult> results, int notRun)
    {
        var text = new StringBuilder();
        var numbered = results.Count > 1 || notRun > 0;
        for (var i = 0; i < results.Count; i++)
        {
            if (numbered)
            {
                if (i > 0)
                {
                    text.Append("\n\n");
                }

                text.Append(CultureInfo.InvariantCulture, $"[code block {i + 1}]\n");
            }

            text.Append(FormatOne(results[i]));
        }

        if (notRun > 0 && results.Count > 0)
        {
            var last = results[^1];
            var reason = last.FinalAnswer is not null ? "final_answer was called" : $"code block {results.Count} failed";
            text.Append(CultureInfo.InvariantCulture, $"\n\n({notRun} later code block{(notRun == 1 ? " was" : "s were")} not run because {reason}.)");
        }

        return text.ToString();
    }

    /// <summary>
    /// <paramref name="output"/> truncated so that, followed by the <paramref name="extras"/> that are not null (the state
    /// digest, the plan), the observation stays within <paramref name="maxChars"/>. Extras that would leave the output
    /// less than <see cref="CodeActOptions.MinObservationChars"/> are left out, the first ones first.
    /// </summary>
    public static string WithExtras(string output, IReadOnlyList<string?> extras, int maxChars)
    {
        var kept = extras.Where(e => e is not null).Select(e => e!).ToList();
        while (kept.Count > 0 && maxChars - kept.Sum(e => e.Length + 2) < CodeActOptions.MinObservationChars)
        {
            kept.RemoveAt(0);
        }

        var room = maxChars - kept.Sum(e => e.Length + 2);
        return string.Concat([Truncate(output, room), .. kept.Select(e => "\n\n" + e)]);
    }

    /// <summary>
    /// The state digest as the model reads it: <c>[variables]</c>, then <c>name: Type = preview</c> per line, the newest
    /// <paramref name="maxEntries"/> of them; null when there are none.
    /// </summary>
    public static string? FormatDigest(IReadOnlyList<VariableSummary> variables, int maxEntries)
    {
        if (variables.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder("[variables]");
        var hidden = Math.Max(0, variables.Count - maxEntries);
        if (hidden > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n({hidden} earlier ones not shown)");
        }

        foreach (var variable in variables.Skip(hidden))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{variable.Name}: {variable.Type} = {variable.Preview}");
        }

        return text.ToString();
    }

    /// <summary>Formats one result: its output, then its value, then its error, then its final answer.</summary>
    public static string FormatOne(ExecutionResult result)
    {
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(result.Stdout))
        {
            parts.Add(result.Stdout.TrimEnd());
        }

        if (result.Value is { } value && value.ValueKind != JsonValueKind.Undefined)
        {
            parts.Add("Value: " + value.GetRawText());
        }

        if (result.Error is { } error)
        {
            parts.Add(FormatError(error));
        }
        else if (!result.IsSuccess)
        {
            parts.Add($"{result.Status}: the execution did not complete.");
        }

        if (result.FinalAnswer is { } answer)
        {
            parts.Add("final_answer received: " + answer.GetRawText());
        }

        return parts.Count == 0 ? NoOutput : string.Join('\n', parts);
    }

    /// <summary><c>Kind: Message (line L, column C)</c>, leaving out the position parts that are unknown.</summary>
    public static string FormatError(ExecutionError error)
    {
        var position = (error.Line, error.Column) switch
        {
            ({ } line, { } column) => string.Create(CultureInfo.InvariantCulture, $" (line {line}, column {column})"),
            ({ } line, null) => string.Create(CultureInfo.InvariantCulture, $" (line {line})"),
            _ => "",
        };
        return $"{error.Kind}: {error.Message}{position}";
    }

    /// <summary>
    /// Shortens <paramref name="text"/> to at most <paramref name="maxChars"/> characters, keeping its start and end
    /// around a note saying how many characters were cut.
    /// </summary>
    public static string Truncate(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        // The note's length depends on the number it holds; size it for the largest possible cut first.
        var available = maxChars - Note(text.Length).Length;
        var head = Math.Max(0, available / 2);
        var tail = Math.Max(0, available - head);

        // Never split a surrogate pair.
        if (head > 0 && char.IsHighSurrogate(text[head - 1]))
        {
            head--;
        }

        if (tail > 0 && char.IsLowSurrogate(text[text.Length - tail]))
        {
            tail--;
        }

        var cut = text.Length - head - tail;
        return string.Concat(text.AsSpan(0, head), Note(cut), text.AsSpan(text.Length - tail));
    }

    private static string Note(int cut) =>
        string.Create(CultureInfo.InvariantCulture, $"\n[... {cut} characters cut from the middle of this observation; print less, or print a summary ...]\n");
}
