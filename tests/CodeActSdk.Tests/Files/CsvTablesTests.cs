using System.Text.Json.Nodes;
using CodeActSdk.Files;
using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>CSV text to rows keyed by the header, and back.</summary>
public class CsvTablesTests
{
    [Test]
    public void Fields_with_commas_newlines_and_quotes_round_trip()
    {
        var rows = new JsonArray(
            new JsonObject { ["name"] = "Smith, John", ["note"] = "line one\nline two", ["quote"] = "say \"hi\"" },
            new JsonObject { ["name"] = "  padded  ", ["note"] = "", ["quote"] = "'single'" });

        var text = CsvTables.Write(rows, "out/t.csv");
        var parsed = CsvTables.Parse(text, "out/t.csv");

        text.Should().StartWith("name,note,quote\n").And.Contain("\"Smith, John\"").And.Contain("\"say \"\"hi\"\"\"");
        parsed.ToJsonString().Should().Be(rows.ToJsonString());
    }

    [Test]
    public void Every_field_is_read_as_a_string()
    {
        var rows = CsvTables.Parse("zip,amount,flag\n01234,12.50,true\n", "a.csv");

        rows.ToJsonString().Should().Be("""[{"zip":"01234","amount":"12.50","flag":"true"}]""");
    }

    [Test]
    public void Blank_and_duplicate_headers_get_usable_names()
    {
        var rows = CsvTables.Parse("name,,name, name ,\na,b,c,d,e\n", "a.csv");

        rows.Single()!.AsObject().Select(p => p.Key).Should().Equal("name", "column_2", "name_2", "name_3", "column_5");
        rows.Single()!["name_3"]!.GetValue<string>().Should().Be("d");
    }

    [Test]
    public void Short_rows_give_null_fields_and_blank_lines_are_skipped()
    {
        var rows = CsvTables.Parse("a,b,c\n1\n\n1,2\n1,2,3\n", "a.csv");

        rows.ToJsonString().Should().Be("""[{"a":"1","b":null,"c":null},{"a":"1","b":"2","c":null},{"a":"1","b":"2","c":"3"}]""");
    }

    [Test]
    public void Windows_line_endings_are_read_like_unix_ones() =>
        CsvTables.Parse("a,b\r\n1,2\r\n3,4\r\n", "a.csv").ToJsonString()
            .Should().Be("""[{"a":"1","b":"2"},{"a":"3","b":"4"}]""");

    [Test]
    public void A_quoted_last_field_with_windows_line_endings_is_read() =>
        CsvTables.Parse("a,b\r\n1,\"x, y\"\r\n", "a.csv").ToJsonString()
            .Should().Be("""[{"a":"1","b":"x, y"}]""");

    [TestCase("")]
    [TestCase("a,b\n")]
    public void Text_without_rows_gives_no_rows(string text) =>
        CsvTables.Parse(text, "a.csv").Should().BeEmpty();

    [Test]
    public void A_row_with_more_fields_than_the_header_is_refused()
    {
        var message = Refusal(() => CsvTables.Parse("a,b\n1,2\n1,2,3\n", "data/t.csv"));

        message.Should().Contain("Line 3 of 'data/t.csv' has 3 fields but the header has 2");
    }

    [TestCase("a,b\n\"x\"y,z\n")]
    [TestCase("a,b\nx\"y\"z,1\n")]
    public void Malformed_quotes_are_refused(string text) =>
        Refusal(() => CsvTables.Parse(text, "data/t.csv")).Should().Contain("'data/t.csv' is not valid CSV").And.Contain("quotes");

    [Test]
    public void Writing_takes_columns_in_first_seen_order_with_nested_values_as_json_and_null_as_empty()
    {
        var rows = new JsonArray(
            new JsonObject { ["id"] = 1, ["tags"] = new JsonArray("a", "b") },
            new JsonObject { ["id"] = 2.5, ["owner"] = new JsonObject { ["name"] = "x" }, ["tags"] = null },
            new JsonObject { ["flag"] = true });

        var text = CsvTables.Write(rows, "out/t.csv");

        text.Should().Be("id,tags,owner,flag\n1,\"[\"\"a\"\",\"\"b\"\"]\",,\n2.5,,\"{\"\"name\"\":\"\"x\"\"}\",\n,,,true\n");
        CsvTables.Parse(text, "out/t.csv")[1]!["owner"]!.GetValue<string>().Should().Be("{\"name\":\"x\"}");
    }

    [Test]
    public void No_rows_write_an_empty_table() =>
        CsvTables.Parse(CsvTables.Write([], "out/t.csv"), "out/t.csv").Should().BeEmpty();

    [TestCase("[1]")]
    [TestCase("[{\"a\":1},\"text\"]")]
    [TestCase("[{\"a\":1},[1,2]]")]
    [TestCase("[{\"a\":1},null]")]
    public void A_row_that_is_not_an_object_is_refused(string rows) =>
        Refusal(() => CsvTables.Write(JsonNode.Parse(rows)!.AsArray(), "out/t.csv")).Should().Contain("for 'out/t.csv' is not an object");
}
