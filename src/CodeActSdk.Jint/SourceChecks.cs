using System.Text.RegularExpressions;

namespace CodeActSdk.Jint;

/// <summary>
/// Checks made on the source before Jint parses it: its size and nesting depth (the parser is recursive, and a
/// .NET stack overflow would kill the host; it runs before any constraint), and hints for syntax errors a model
/// commonly makes.
/// </summary>
internal static partial class SourceChecks
{
    public const int MaxSourceChars = 200_000;
    public const int MaxNestingDepth = 500;

    /// <summary>Returns why the source cannot be parsed safely, or <see langword="null"/> when it can.</summary>
    public static string? Refuse(string code)
    {
        if (code.Length > MaxSourceChars)
        {
            return $"The code is {code.Length:N0} characters long; the limit is {MaxSourceChars:N0}. Split the work across several steps.";
        }

        var depth = MaxDepth(code);
        return depth > MaxNestingDepth
            ? $"The code nests brackets or operators {depth:N0} levels deep; the limit is {MaxNestingDepth}. Flatten the code or build nested data in a loop."
            : null;
    }

    /// <summary>The deepest nesting of brackets, or of prefix and conditional operators, outside strings and comments.</summary>
    public static int MaxDepth(string code)
    {
        int depth = 0, max = 0, run = 0;
        for (var i = 0; i < code.Length; i++)
        {
            var c = code[i];
            switch (c)
            {
                case '(' or '[' or '{':
                    max = Math.Max(max, ++depth + run);
                    break;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    run = 0;
                    break;
                case '"' or '\'':
                    i = SkipString(code, i, c);
                    run = 0;
                    break;
                case '/' when i + 1 < code.Length && code[i + 1] == '/':
                    i = code.IndexOf('\n', i) is var end and >= 0 ? end : code.Length;
                    break;
                case '/' when i + 1 < code.Length && code[i + 1] == '*':
                    i = code.IndexOf("*/", i + 2, StringComparison.Ordinal) is var close and >= 0 ? close + 1 : code.Length;
                    break;
                case '!' or '~' or '-' or '+' or '?' or '=':
                    // Runs like !!!!x, - - -x, a=b=c=... and a?b?c:... recurse in the parser too.
                    max = Math.Max(max, depth + ++run);
                    break;
                default:
                    if (!char.IsWhiteSpace(c))
                    {
                        run = 0;
                    }

                    break;
            }
        }

        return max;
    }

    private static int SkipString(string code, int start, char quote)
    {
        for (var i = start + 1; i < code.Length; i++)
        {
            if (code[i] == '\\')
            {
                i++;
            }
            else if (code[i] == quote || code[i] == '\n')
            {
                return i;
            }
        }

        return code.Length;
    }

    /// <summary>What to write instead, for syntax a script engine refuses but a model often writes.</summary>
    public static IEnumerable<string> Hints(string code, string parserMessage)
    {
        if (parserMessage.Contains("await", StringComparison.Ordinal) && TopLevelAwait().IsMatch(code))
        {
            yield return "Top-level await is not available: tools and files return their results directly, so call them without await; " +
                         "or put the code in an async function and make its promise the step's last expression, which the sandbox awaits: (async () => { ... })()";
        }

        if (ImportOrRequire().IsMatch(code))
        {
            yield return "There are no modules in this sandbox: import and require are not available; use the built-ins, files and the tools";
        }
    }

    [GeneratedRegex(@"(^|[;{}\n]|=)\s*await\s")]
    private static partial Regex TopLevelAwait();

    [GeneratedRegex(@"^\s*import\s|\brequire\s*\(", RegexOptions.Multiline)]
    private static partial Regex ImportOrRequire();
}
