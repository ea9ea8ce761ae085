using System.Text;
using System.Text.RegularExpressions;

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
/// at least as many times, and nothing else but punctuation or a marker such as <c>&lt;end_code&gt;</c>. When the answer ends inside a block, the rest of the answer is the
/// block's code, because a model cut off by a stop sequence or a token limit often omits the closing fence.
/// </para>
/// <para>
/// A bare fence after a tagged block, introduced by the line before it as what the code prints ("Expected output:",
/// "should print"), gets the tag <see cref="OutputTag"/>, so that the agent does not run a model's sample output.
/// </para>
/// <para>The extractor holds no state and is safe to use from any number of threads.</para>
/// </remarks>
public static partial class CodeBlockExtractor
{
    /// <summary>
    /// The tag given to a bare fence that follows a tagged block and that the line before it introduces as output
    /// ("Output:", "should print", "Expected result:"): it shows what the code prints, so it does not run.
    /// </summary>
    public const string OutputTag = "output";

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
        var lastProse = "";
        while (index < lines.Length)
        {
            if (!TryReadOpeningFence(lines[index], out var fence))
            {
                if (!string.IsNullOrWhiteSpace(lines[index]))
                {
                    lastProse = lines[index];
                }

                index++;
                continue;
            }

            // A bare fence that the prose introduces as what the code above prints ("Expected output:") is output.
            if (fence.Tag.Length == 0 && blocks.Any(b => b.Tag.Length > 0) && IntroducesOutput().IsMatch(lastProse))
            {
                fence = fence with { Tag = OutputTag };
            }

            lastProse = "";

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

    [GeneratedRegex(@"\b(output|outputs|prints|printed|(should|will|would)\s+(print|show|output|return|give)|expected\s+result|result\s*:)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IntroducesOutput();

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
        if (length < fence.Length)
        {
            return false;
        }

        // Nothing may follow, except a marker some prompts ask for (```<end_code>) or punctuation (```.): text that
        // cannot start an info string, so the line cannot open a block.
        var rest = line[(indentation + length)..].Trim();
        return rest.Length == 0 || !(char.IsLetterOrDigit(rest[0]) || rest[0] is '{' or '_' or '-' or '+' or '#' || rest[0] == fence.Character);
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
