using System.Text.Json;

namespace CodeActSdk.Conformance.Tests;

/// <summary>The value of the last expression comes back as JSON, the same shape whichever language made it.</summary>
public class ValueTests(Backend backend) : ConformanceTest(backend)
{
    [Test]
    public async Task Numbers_strings_booleans_and_null_inside_arrays()
    {
        var result = await RunAsync("[1, 2.5, -3, 'text', true, null]", "new object[] { 1, 2.5, -3, \"text\", true, null }");

        Json(result).Should().Be("""[1,2.5,-3,"text",true,null]""");
    }

    [Test]
    public async Task Objects_and_maps_become_json_objects()
    {
        var result = await RunAsync(
            "({ name: 'a', nested: { list: [1, 2] } })",
            "new Dictionary<string, object> { [\"name\"] = \"a\", [\"nested\"] = new { list = new[] { 1, 2 } } }");

        Json(result).Should().Be("""{"name":"a","nested":{"list":[1,2]}}""");
    }

    [Test]
    public async Task Strings_keep_unicode_and_escapes()
    {
        var result = await RunAsync("'h\\u00e9llo \"q\" \\\\ \\ud83d\\ude00'", "\"h\\u00e9llo \\\"q\\\" \\\\ \\U0001F600\"");

        JsonDocument.Parse(Json(result)).RootElement.GetString().Should().Be("héllo \"q\" \\ 😀");
    }

    [Test]
    public async Task Dates_become_iso_8601_strings()
    {
        var result = await RunAsync("new Date(Date.UTC(2024, 0, 2, 3, 4, 5))", "new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc)");

        var text = JsonDocument.Parse(Json(result)).RootElement.GetString();
        DateTimeOffset.Parse(text!, System.Globalization.CultureInfo.InvariantCulture).Should().Be(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));
    }

    [Test]
    public async Task Non_finite_numbers_become_null()
    {
        var result = await RunAsync("[NaN, Infinity, -Infinity, 1]", "new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1 }");

        Json(result).Should().Be("[null,null,null,1]");
    }

    [Test]
    public async Task Big_integers_keep_every_digit()
    {
        var result = await RunAsync("2n ** 70n", "BigInteger.Pow(2, 70)");

        Json(result).Should().Be("1180591620717411303424");
    }

    [Test]
    public async Task In_javascript_a_trailing_declaration_keeps_the_value_of_the_statement_before()
    {
        if (Backend.IsCSharp)
        {
            Assert.Pass("C# takes the value of a final expression without a semicolon only.");
        }

        Json(await RunAsync("var a = {}; a.b = 2; var c = 1; function f() { }", "")).Should().Be("2");
    }

    [Test]
    public async Task Statements_give_no_value()
    {
        (await RunAsync("var x = 1;", "var x = 1;")).Value.Should().BeNull();
    }
}
