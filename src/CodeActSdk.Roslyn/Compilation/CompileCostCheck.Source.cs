namespace CodeActSdk.Roslyn.Compilation;

/// <summary>Before parsing: how deeply brackets and interpolated strings nest in the text.</summary>
internal sealed partial class CompileCostCheck
{
    /// <summary>
    /// Before parsing: refuses text whose brackets and interpolated strings nest more than <see cref="MaxBracketDepth"/>
    /// deep. A light scan that skips comments, character literals and the text of strings, and enters the holes of
    /// interpolated strings (regular, verbatim and raw).
    /// </summary>
    public static CompileCostProblem? CheckSource(string code)
    {
        var open = new Stack<Opening>();
        var depth = 0;
        var i = 0;
        while (i < code.Length)
        {
            var c = code[i];
            var next = i + 1 < code.Length ? code[i + 1] : '\0';
            if (open.TryPeek(out var top) && top.Kind == OpeningKind.String)
            {
                i = StringText(code, i, top, open, ref depth);
                continue;
            }

            switch (c)
            {
                case '/' when next == '/':
                    i = code.IndexOf('\n', i) is var end and >= 0 ? end : code.Length;
                    continue;
                case '/' when next == '*':
                    var close = code.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    i = close >= 0 ? close + 2 : code.Length;
                    continue;
                case '\'':
                    i++;
                    while (i < code.Length && code[i] is not ('\'' or '\n'))
                    {
                        i += code[i] == '\\' ? 2 : 1;
                    }

                    i++;
                    continue;
                case '"' or '@' or '$' when StringStart(code, i) is { } start:
                    if (start.Dollars == 0)
                    {
                        i = SkipPlainString(code, start.TextStart, start);
                        continue;
                    }

                    open.Push(start);
                    i = start.TextStart;
                    break;
                case '(' or '[' or '{':
                    open.Push(new Opening(OpeningKind.Bracket));
                    i++;
                    break;
                case ')' or ']':
                    if (open.TryPeek(out var bracket) && bracket.Kind == OpeningKind.Bracket)
                    {
                        open.Pop();
                        depth--;
                    }

                    i++;
                    continue;
                case '}':
                    if (open.TryPeek(out var closing))
                    {
                        open.Pop();
                        if (closing.Kind == OpeningKind.Bracket)
                        {
                            depth--;
                        }
                        else
                        {
                            // The end of a hole: back in the text of its string, after the hole's closing braces.
                            i += Math.Max(0, open.Peek().Dollars - 1);
                        }
                    }

                    i++;
                    continue;
                default:
                    i++;
                    continue;
            }

            if (++depth > MaxBracketDepth)
            {
                var line = code.AsSpan(0, i).Count('\n') + 1;
                var column = i - code.LastIndexOf('\n', i - 1);
                return new CompileCostProblem(
                    $"line {line}, column {column}: brackets and interpolated strings are nested more than {MaxBracketDepth} deep here; the compiler's parser slows down with the square of the depth. Compute inner parts into variables first.",
                    line, column);
            }
        }

        return null;
    }

    /// <summary>Reads the text of the interpolated string on top of <paramref name="open"/> from <paramref name="i"/>, up to its end or the next hole.</summary>
    private static int StringText(string code, int i, Opening text, Stack<Opening> open, ref int depth)
    {
        var c = code[i];
        if (text.Quotes >= 3)
        {
            if (c == '"' && Run(code, i, '"') >= text.Quotes)
            {
                open.Pop();
                depth--;
                return i + text.Quotes;
            }

            if (c == '{' && Run(code, i, '{') is var braces && braces >= text.Dollars)
            {
                open.Push(new Opening(OpeningKind.Hole));
                return i + braces;
            }

            return i + 1;
        }

        switch (c)
        {
            case '\\' when !text.Verbatim:
                return i + 2;
            case '"' when text.Verbatim && i + 1 < code.Length && code[i + 1] == '"':
                return i + 2;
            case '"':
            case '\n' when !text.Verbatim:
                open.Pop();
                depth--;
                return i + 1;
            case '{' when i + 1 < code.Length && code[i + 1] == '{':
                return i + 2;
            case '{':
                open.Push(new Opening(OpeningKind.Hole));
                return i + 1;
            default:
                return i + 1;
        }
    }

    /// <summary>The string literal that starts at <paramref name="i"/> (its prefix: <c>$</c>s, <c>@</c>, quotes), or null if none does.</summary>
    private static Opening? StringStart(string code, int i)
    {
        var dollars = 0;
        var verbatim = false;
        for (; i < code.Length && code[i] is '$' or '@'; i++)
        {
            dollars += code[i] == '$' ? 1 : 0;
            verbatim |= code[i] == '@';
        }

        if (i >= code.Length || code[i] != '"')
        {
            return null;
        }

        var quotes = Run(code, i, '"');
        // Two quotes are an empty string, three or more open a raw string.
        quotes = quotes >= 3 ? quotes : 1;
        return new Opening(OpeningKind.String, dollars, verbatim, quotes, i + quotes);
    }

    private static int SkipPlainString(string code, int i, Opening literal)
    {
        if (literal.Quotes >= 3)
        {
            var end = code.IndexOf(new string('"', literal.Quotes), i, StringComparison.Ordinal);
            return end >= 0 ? end + literal.Quotes : code.Length;
        }

        while (i < code.Length)
        {
            var c = code[i];
            if (c == '\\' && !literal.Verbatim)
            {
                i += 2;
            }
            else if (c == '"' && literal.Verbatim && i + 1 < code.Length && code[i + 1] == '"')
            {
                i += 2;
            }
            else if (c == '"' || (c == '\n' && !literal.Verbatim))
            {
                return i + 1;
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    private static int Run(string code, int i, char c)
    {
        var start = i;
        while (i < code.Length && code[i] == c)
        {
            i++;
        }

        return i - start;
    }

    private enum OpeningKind
    {
        Bracket,
        String,
        Hole,
    }

    /// <summary>Something open in the text: a bracket, an interpolated string (with its <c>$</c>s, whether verbatim, its quotes), or a hole of one.</summary>
    private readonly record struct Opening(OpeningKind Kind, int Dollars = 0, bool Verbatim = false, int Quotes = 0, int TextStart = 0);
}
