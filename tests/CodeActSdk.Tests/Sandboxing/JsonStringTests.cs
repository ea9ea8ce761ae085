using System.Text;
using System.Text.Json;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Tests.Sandboxing;

/// <summary>Strings are written as JSON.stringify writes them, and the text is valid JSON for the same string.</summary>
public class JsonStringTests
{
    [TestCase("plain", "\"plain\"")]
    [TestCase("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"")]
    [TestCase("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"")]
    [TestCase("\u0000\u0001\u001f", "\"\\u0000\\u0001\\u001f\"")]
    [TestCase("<a href='x'> + é ✓ \u007f", "\"<a href='x'> + é ✓ \u007f\"")]
    [TestCase("", "\"\"")]
    public void A_string_is_quoted_as_JSON_stringify_quotes_it(string text, string expected)
    {
        JsonString.Quote(text).Should().Be(expected);
        JsonSerializer.Deserialize<string>(expected).Should().Be(text);
    }

    [Test]
    public void AppendQuoted_appends_to_what_the_builder_holds()
    {
        var builder = new StringBuilder("[");

        JsonString.AppendQuoted(builder, "a\nb").Append(']');

        builder.ToString().Should().Be("[\"a\\nb\"]");
    }
}
