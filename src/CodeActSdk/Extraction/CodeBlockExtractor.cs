using System.Text;

namespace CodeActSdk;

/// <summary>
/// Finds the fenced code blocks in a model's answer. It is written for real model output rather than strict
/// Markdown: fences of backticks or tildes, with or without a language tag, indented fences (for example inside a
/// list item), prose around and between blocks, and an answer that ends before its last fence is closed.
/// </summary>
/// <remarks>
/// <para>
/// A fence is a line made of optional indentation and at least three backticks or three tildes, followed by an
/// optional info string. The block's tag is the first word of the info string, lower-cased, so
/// <c>```JS title="x"</c> has the tag <c>js</c>. A block is closed by a line holding the same fence character
/// at least as many times, and nothing else. When the answer ends inside a block, the rest of the answer is the
/// block's code, because a model cut off by a stop sequence or a token limit often omits the closing fence.
/// </para>
/// <para>The extractor holds no state and is safe to use from any number of threads.</para>
/// </remarks>
public static class CodeBlockExtractor
{
    /// <summary>Returns the code blocks of <paramref name="text"/>, in the order they appear.</summary>
    /// <param name="text">The model's answer. <see langword="null"/> or empty gives no blocks.</param>
    /// <returns>The blocks found; empty when the answer has no fence.</returns>
    public static IReadOnlyList<CodeBlock> Extract(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var blocks = new List<CodeBlock>();
        var index = 0;
        while (index < lines.Length)
        {
            if (!TryReadOpeningFence(lines[index], out var fence))
            {
                index++;
                continue;
            }

            var code = new StringBuilder();
            var first = true;
            index++;
            while (index < lines.Length && !IsClosingFence(lines[index], fence))
            {
                if (!first)
                {
                    code.Append('\n');
                }

                code.Append(RemoveIndentation(lines[index], fence.Indentation));
                first = false;
                index++;
            }

            // Skip the closing fence; when there is none, the loop above consumed the rest of the answer.
            index++;
            blocks.Add(new CodeBlock(fence.Tag, TrimBlankLines(code.ToString())));
        }

        return blocks;
    }

    /// <summary>
    /// The blocks of a turn that run in <paramref name="language"/>, in order: those tagged with one of its fence tags,
    /// and untagged ones; blank blocks never run.
    /// </summary>
    /// <param name="blocks">The turn's blocks.</param>
    /// <param name="language">The interpreter's language.</param>
    /// <returns>The blocks to run.</returns>
    public static IReadOnlyList<CodeBlock> SelectRunnable(IReadOnlyList<CodeBlock> blocks, CodeLanguage language)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(language);
        return [.. blocks.Where(b => !string.IsNullOrWhiteSpace(b.Code) && (b.Tag.Length == 0 || language.Matches(b.Tag)))];
    }

    private readonly record struct Fence(char Character, int Length, int Indentation, string Tag);

    private static bool TryReadOpeningFence(string line, out Fence fence)
    {
        fence = default;
        var indentation = CountIndentation(line);
        if (indentation == line.Length)
        {
            return false;
        }

        var character = line[indentation];
        if (character is not ('`' or '~'))
        {
            return false;
        }

        var length = CountRun(line, indentation, character);
        if (length < 3)
        {
            return false;
        }

        var info = line[(indentation + length)..].Trim();

        // A backtick "fence" whose info string holds a backtick is inline code (```x```), not a block.
        if (character == '`' && info.Contains('`', StringComparison.Ordinal))
        {
            return false;
        }

        fence = new Fence(character, length, indentation, ReadTag(info));
        return true;
    }

    private static bool IsClosingFence(string line, Fence fence)
    {
        var indentation = CountIndentation(line);
        if (indentation == line.Length || line[indentation] != fence.Character)
        {
            return false;
        }

        var length = CountRun(line, indentation, fence.Character);
        return length >= fence.Length && string.IsNullOrWhiteSpace(line[(indentation + length)..]);
    }

    /// <summary>The first word of the info string, lower case, without Pandoc-style braces or a trailing comma.</summary>
    private static string ReadTag(string info)
    {
        if (info.Length == 0)
        {
            return "";
        }

        var end = 0;
        while (end < info.Length && !char.IsWhiteSpace(info[end]))
        {
            end++;
        }

        var word = info[..end].TrimStart('{', '.').TrimEnd('}', ',', ':', ';');
        var comma = word.IndexOfAny([',', '{', '}']);
        if (comma >= 0)
        {
            word = word[..comma];
        }

        return word.ToLowerInvariant();
    }

    private static int CountIndentation(string line)
    {
        var count = 0;
        while (count < line.Length && line[count] is ' ' or '\t')
        {
            count++;
        }

        return count;
    }

    private static int CountRun(string line, int start, char character)
    {
        var end = start;
        while (end < line.Length && line[end] == character)
        {
            end++;
        }

        return end - start;
    }

    /// <summary>Removes up to <paramref name="indentation"/> leading blanks, so an indented block's code starts at column 1.</summary>
    private static string RemoveIndentation(string line, int indentation)
    {
        var remove = 0;
        while (remove < indentation && remove < line.Length && line[remove] is ' ' or '\t')
        {
            remove++;
        }

        return line[remove..];
    }

    private static string TrimBlankLines(string code)
    {
        var lines = code.Split('\n');
        var start = 0;
        var end = lines.Length;
        while (start < end && string.IsNullOrWhiteSpace(lines[start]))
        {
            start++;
        }

        while (end > start && string.IsNullOrWhiteSpace(lines[end - 1]))
        {
            end--;
        }

        return string.Join('\n', lines[start..end]).TrimEnd();
    }
}
