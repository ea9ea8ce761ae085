using System.Text.RegularExpressions;

namespace CodeActSdk.Jint;

/// <summary>
/// Checks made on the source before Jint parses it: its size and nesting depth (Jint's parser is recursive, and a
/// .NET stack overflow would kill the host), and hints for syntax newer than ES5.1 when parsing fails.
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

    /// <summary>What to write instead of the ES2015+ syntax the code uses, for a syntax error's message.</summary>
    public static IEnumerable<string> Es5Hints(string code)
    {
        if (ArrowFunction().IsMatch(code))
        {
            yield return "arrow functions are not supported: write function (x) { return x * 2; } instead of x => x * 2";
        }

        if (code.Contains('`'))
        {
            yield return "template literals are not supported: write 'Total: ' + total instead of `Total: ${total}`";
        }

        if (ClassDeclaration().IsMatch(code))
        {
            yield return "classes are not supported: write a constructor function and add methods to its prototype";
        }

        if (LetOrConst().IsMatch(code))
        {
            yield return "let and const are not supported: declare variables with var";
        }

        if (code.Contains("...", StringComparison.Ordinal))
        {
            yield return "spread and rest (...) are not supported: use Array.prototype.concat, fn.apply(null, args) or the arguments object";
        }

        if (ForOf().IsMatch(code))
        {
            yield return "for...of is not supported: loop with for (var i = 0; i < items.length; i++)";
        }

        if (AsyncAwait().IsMatch(code))
        {
            yield return "async and await are not supported: tools return their results directly, so call them without await";
        }

        if (Destructuring().IsMatch(code))
        {
            yield return "destructuring is not supported: write var a = obj.a; var b = obj.b;";
        }
    }

    [GeneratedRegex(@"(\([^()]*\)|\b[A-Za-z_$][\w$]*)\s*=>")]
    private static partial Regex ArrowFunction();

    [GeneratedRegex(@"\bclass\s+[A-Za-z_$]")]
    private static partial Regex ClassDeclaration();

    [GeneratedRegex(@"\b(let|const)\s+[A-Za-z_$\[{]")]
    private static partial Regex LetOrConst();

    [GeneratedRegex(@"\bfor\s*\(\s*(var\s+|let\s+|const\s+)?[A-Za-z_$][\w$]*\s+of\b")]
    private static partial Regex ForOf();

    [GeneratedRegex(@"\basync\s+function\b|\bawait\s+[A-Za-z_$(]")]
    private static partial Regex AsyncAwait();

    [GeneratedRegex(@"\bvar\s*[\[{]")]
    private static partial Regex Destructuring();
}
