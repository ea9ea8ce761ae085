using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodeActSdk;

/// <summary>
/// Keeps output too long to show in the session as a string variable, so that the model reads it in code instead of
/// in its context (see <see cref="CodeActOptions.LargeOutputChars"/>).
/// </summary>
internal static class LargeOutput
{
    private const int HeadLines = 10;
    private const int TailLines = 5;
    private const int LineChars = 200;

    /// <summary>
    /// Returns <paramref name="executions"/> as the observation should show them: each output longer than
    /// <paramref name="threshold"/> is stored in a variable (<c>output_3</c>, or <c>output_3_2</c> for a later block) and
    /// replaced by its size, first and last lines and the variable's name. An output that cannot be stored is left
    /// as it is (the observation's own truncation then applies). When no output is that long, the same list is returned.
    /// </summary>
    public static async Task<IReadOnlyList<ExecutionResult>> KeepInSessionAsync(IInterpreterSession session, IReadOnlyList<ExecutionResult> executions, int step, int threshold, CancellationToken cancellationToken)
    {
        if (executions.All(e => e.Stdout.Length <= threshold))
        {
            return executions;
        }

        var shown = new List<ExecutionResult>(executions.Count);
        for (var i = 0; i < executions.Count; i++)
        {
            var result = executions[i];
            if (result.Stdout.Length <= threshold)
            {
                shown.Add(result);
                continue;
            }

            var name = executions.Count == 1 ? $"output_{step}" : $"output_{step}_{i + 1}";

            // A JSON string literal is also a string literal in JavaScript and in C#.
            var stored = await session.ExecuteAsync($"var {name} = {JsonSerializer.Serialize(result.Stdout)};", cancellationToken).ConfigureAwait(false);
            shown.Add(stored.IsSuccess ? result with { Stdout = Summary(result.Stdout, name) } : result);
        }

        return shown;
    }

    private static string Summary(string output, string name)
    {
        var lines = output.TrimEnd('\n').Split('\n');
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"[the output is {output.Length:N0} characters in {lines.Length:N0} lines, too long to show: it is kept in the variable {name} (a string). Read the parts you need in code instead of printing it all.]");
        text.Append("\nfirst lines:");
        foreach (var line in lines.Take(HeadLines))
        {
            text.Append('\n').Append(Cut(line));
        }

        if (lines.Length > HeadLines)
        {
            text.Append("\n…\nlast lines:");
            foreach (var line in lines.Skip(Math.Max(HeadLines, lines.Length - TailLines)))
            {
                text.Append('\n').Append(Cut(line));
            }
        }

        return text.ToString();
    }

    private static string Cut(string line) => line.Length <= LineChars ? line : line[..LineChars] + "…";
}
