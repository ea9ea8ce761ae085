using System.Globalization;

namespace CodeActSdk.V8;

/// <summary>
/// The identifiers a script mentions: the candidates for its top-level <c>let</c>, <c>const</c> and <c>class</c>
/// declarations, which V8 keeps in the script scope rather than on the global object. The scan needs no parser
/// because it only has to find a superset: words in strings, comments and nested scopes are candidates too, and
/// probing each one in the session (see <see cref="V8Session.DescribeVariablesAsync"/>) decides which are bindings.
/// </summary>
internal static class ScriptIdentifiers
{
    /// <summary>The distinct identifiers in <paramref name="code"/>, in order of first appearance.</summary>
    public static IEnumerable<string> In(string code)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < code.Length)
        {
            if (!IsPart(code[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < code.Length && IsPart(code[i]))
            {
                i++;
            }

            // Words that start with a digit are numbers (1e5, 0x1f); a name after a single dot is a property
            // (a.b, a?.b), never a declaration; a name after "..." is a rest element and may be one.
            if (!IsStart(code[start]) || FollowsMemberDot(code, start))
            {
                continue;
            }

            var name = code[start..i];
            if (seen.Add(name))
            {
                yield return name;
            }
        }
    }

    private static bool FollowsMemberDot(string code, int start)
    {
        var j = start - 1;
        while (j >= 0 && char.IsWhiteSpace(code[j]))
        {
            j--;
        }

        return j >= 0 && code[j] == '.' && (j == 0 || code[j - 1] != '.');
    }

    private static bool IsStart(char c) =>
        c is '$' or '_' || char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber;

    private static bool IsPart(char c) =>
        IsStart(c) || c is '\u200C' or '\u200D' || char.GetUnicodeCategory(c) is UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation;
}
