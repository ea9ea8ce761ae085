using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>How far <see cref="StepCompactor"/> shortens an observation.</summary>
internal sealed record CompactionLimits(int HeadLines, int TailLines, int MaxLineChars, int MaxChars);

/// <summary>
/// Reduces a step to its essential messages: the model's text and code as written, and a short observation (its
/// first and last lines, long lines cut, the whole cut to a size). Tool calls and results carried as message contents
/// (rather than as printed text) are replaced by a one-line note, so that their payloads are not repeated.
/// </summary>
internal static class StepCompactor
{
    /// <summary>The compact form of <paramref name="message"/>; the same object when it is already compact.</summary>
    public static ChatMessage Compact(ChatMessage message, CompactionLimits limits)
    {
        var text = EssentialText(message, out var changed);
        if (message.Role != ChatRole.Assistant)
        {
            var shortened = ShortenObservation(text, limits);
            changed |= !ReferenceEquals(shortened, text);
            text = shortened;
        }

        // A tool result whose call was compacted away too reads as a user message: a tool message must answer a call.
        return changed ? new ChatMessage(message.Role == ChatRole.Tool ? ChatRole.User : message.Role, text) { AuthorName = message.AuthorName } : message;
    }

    /// <summary>
    /// <paramref name="message"/> with its text replaced by <paramref name="text"/>. The results of function calls keep
    /// their call ids (the first carries the text), so that the call they answer, still in the history, stays answered.
    /// </summary>
    public static ChatMessage WithText(ChatMessage message, string text)
    {
        var results = message.Contents.OfType<FunctionResultContent>().ToList();
        if (results.Count == 0)
        {
            return new ChatMessage(message.Role, text) { AuthorName = message.AuthorName };
        }

        return new ChatMessage(message.Role, [new FunctionResultContent(results[0].CallId, text), .. results.Skip(1)]) { AuthorName = message.AuthorName };
    }

    /// <summary>
    /// Keeps the first <see cref="CompactionLimits.HeadLines"/> and last <see cref="CompactionLimits.TailLines"/>
    /// lines, cuts each line to <see cref="CompactionLimits.MaxLineChars"/> and the whole to
    /// <see cref="CompactionLimits.MaxChars"/>. Returns <paramref name="text"/> itself when nothing had to change.
    /// </summary>
    public static string ShortenObservation(string text, CompactionLimits limits)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var keepAllLines = lines.Length <= limits.HeadLines + limits.TailLines;
        if (keepAllLines && text.Length <= limits.MaxChars && lines.All(l => l.Length <= limits.MaxLineChars))
        {
            return text;
        }

        var result = new StringBuilder();
        void Add(string line)
        {
            if (result.Length > 0)
            {
                result.Append('\n');
            }

            result.Append(CutLine(line, limits.MaxLineChars));
        }

        if (keepAllLines)
        {
            foreach (var line in lines)
            {
                Add(line);
            }
        }
        else
        {
            for (var i = 0; i < limits.HeadLines; i++)
            {
                Add(lines[i]);
            }

            var omitted = lines.Length - limits.HeadLines - limits.TailLines;
            Add(string.Create(CultureInfo.InvariantCulture, $"[... {omitted} line{(omitted == 1 ? "" : "s")} left out ...]"));
            for (var i = lines.Length - limits.TailLines; i < lines.Length; i++)
            {
                Add(lines[i]);
            }
        }

        return CutMiddle(result.ToString(), limits.MaxChars);
    }

    /// <summary>
    /// Shortens <paramref name="text"/> to at most <paramref name="maxChars"/> characters, keeping its start and end
    /// around a note that says how much was cut.
    /// </summary>
    public static string CutMiddle(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        var note = Note(text.Length);
        if (maxChars <= note.Length)
        {
            return text[..SafeLength(text, maxChars)];
        }

        var available = maxChars - note.Length;
        var head = SafeLength(text, available / 2);
        var tailStart = text.Length - (available - (available / 2));
        if (tailStart < text.Length && char.IsLowSurrogate(text[tailStart]))
        {
            tailStart++;
        }

        return string.Concat(text.AsSpan(0, head), Note(tailStart - head), text.AsSpan(tailStart));
    }

    /// <summary>The first line of <paramref name="text"/> that says something: not blank and not a code fence.</summary>
    public static string FirstLine(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length > 0 && !line.StartsWith("```", StringComparison.Ordinal))
            {
                return line;
            }
        }

        return "";
    }

    /// <summary>The text of <paramref name="message"/>, with a note in place of each non-text content.</summary>
    public static string EssentialText(ChatMessage message, out bool changed)
    {
        changed = false;
        if (message.Contents.All(c => c is TextContent))
        {
            return message.Text;
        }

        changed = true;
        var text = new StringBuilder();
        foreach (var content in message.Contents)
        {
            var note = content switch
            {
                TextContent part => null,
                FunctionCallContent call => $"[called the tool {call.Name}; the arguments are left out]",
                FunctionResultContent => "[a tool result was left out]",
                ToolCallContent => "[a tool call was left out]",
                ToolResultContent => "[a tool result was left out]",

                // Reasoning and usage are not part of what the model needs to read again.
                TextReasoningContent or UsageContent => "",
                _ => $"[{content.GetType().Name} left out]",
            };
            if (note is null)
            {
                text.Append(((TextContent)content).Text);
            }
            else if (note.Length > 0)
            {
                if (text.Length > 0 && text[^1] != '\n')
                {
                    text.Append('\n');
                }

                text.Append(note).Append('\n');
            }
        }

        return text.ToString().TrimEnd('\n');
    }

    private static string CutLine(string line, int maxChars) =>
        line.Length <= maxChars
            ? line
            : string.Concat(line.AsSpan(0, SafeLength(line, maxChars)), string.Create(CultureInfo.InvariantCulture, $" [... {line.Length - SafeLength(line, maxChars)} more characters]"));

    /// <summary><paramref name="length"/>, one less if that would split a surrogate pair.</summary>
    private static int SafeLength(string text, int length) =>
        length > 0 && length < text.Length && char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;

    private static string Note(int cut) =>
        string.Create(CultureInfo.InvariantCulture, $"\n[... {cut} characters left out ...]\n");
}
