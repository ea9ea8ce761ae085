using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeActSdk.Tests.Agent;

public class ObservationFormatterTests
{
    [Test]
    public void Shows_stdout_then_value_then_error()
    {
        var result = new ExecutionResult
        {
            Status = ExecutionStatus.RuntimeError,
            Stdout = "hello\n",
            Value = JsonDocument.Parse("[1,2]").RootElement,
            Error = new ExecutionError(ErrorKind.TypeError, "x is not a function", 3, 7),
        };

        ObservationFormatter.FormatOne(result).Should().Be("hello\nValue: [1,2]\nTypeError: x is not a function (line 3, column 7)");
    }

    [Test]
    public void An_empty_successful_run_says_so()
    {
        ObservationFormatter.FormatOne(new ExecutionResult { Status = ExecutionStatus.Completed }).Should().Be(ObservationFormatter.NoOutput);
    }

    [TestCase(null, null, "Timeout: too slow")]
    [TestCase(4, null, "Timeout: too slow (line 4)")]
    [TestCase(4, 2, "Timeout: too slow (line 4, column 2)")]
    public void The_error_position_shows_what_is_known(int? line, int? column, string expected)
    {
        ObservationFormatter.FormatError(new ExecutionError(ErrorKind.Timeout, "too slow", line, column)).Should().Be(expected);
    }

    [Test]
    public void Short_text_is_not_truncated()
    {
        ObservationFormatter.Truncate("short", 200).Should().Be("short");
    }

    [Test]
    public void Long_text_keeps_its_head_and_tail_and_says_how_much_was_cut()
    {
        var text = "HEAD" + new string('x', 10_000) + "TAIL";

        var truncated = ObservationFormatter.Truncate(text, 300);

        truncated.Length.Should().BeLessThanOrEqualTo(300);
        truncated.Should().StartWith("HEAD").And.EndWith("TAIL");
        var match = Regex.Match(truncated, @"\n\[\.\.\. (\d+) characters cut[^\]]*\]\n");
        match.Success.Should().BeTrue(truncated);
        var cut = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        (truncated.Length - match.Length + cut).Should().Be(text.Length, "the note counts exactly the characters removed");
    }

    [Test]
    public void Truncation_never_splits_a_surrogate_pair()
    {
        var text = string.Concat(Enumerable.Repeat("\U0001F600", 1000));

        var truncated = ObservationFormatter.Truncate(text, 251);

        for (var i = 0; i < truncated.Length; i++)
        {
            if (char.IsHighSurrogate(truncated[i]))
            {
                char.IsLowSurrogate(truncated[i + 1]).Should().BeTrue("a high surrogate must be followed by its low surrogate");
                i++;
            }
            else
            {
                char.IsLowSurrogate(truncated[i]).Should().BeFalse("a low surrogate must follow its high surrogate");
            }
        }
    }
}
