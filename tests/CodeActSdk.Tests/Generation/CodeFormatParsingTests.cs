using System.Text.Json;
using CodeActSdk.Jint;
using FluentAssertions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Generation;

/// <summary>How each format reads the answer shapes that the parse-failure corpus showed to fail at first.</summary>
public sealed class CodeFormatParsingTests
{
    private static readonly CodeLanguage JavaScript = new JintInterpreter().Language;

    private static ModelTurn Parse(CodeFormat format, string text) => CodeFormats.Parse(format, [new ChatMessage(ChatRole.Assistant, text)]);

    private static IEnumerable<string> Runnable(ModelTurn turn) => CodeBlockExtractor.SelectRunnable(turn.CodeBlocks, JavaScript).Select(b => b.Code);

    [Test]
    public void A_bare_fence_after_tagged_code_is_output_and_does_not_run()
    {
        Runnable(Parse(CodeFormat.Fenced, "```js\nconsole.log(12);\n```\nExpected output:\n```\n12\n```")).Should().Equal("console.log(12);");
        Runnable(Parse(CodeFormat.Fenced, "```js\nconst a = 12;\n```\nThen:\n```\nconsole.log(a);\n```")).Should().Equal(["const a = 12;", "console.log(a);"], "a bare fence not introduced as output still runs");
    }

    [TestCase("```<end_code>")]
    [TestCase("```.")]
    public void A_closing_fence_followed_by_a_marker_closes_the_block(string closing)
    {
        Runnable(Parse(CodeFormat.Fenced, $"```js\nconsole.log(1);\n{closing}\nThen I will read it.")).Should().Equal("console.log(1);");
    }

    [Test]
    public void Json_followed_by_prose_is_read_up_to_the_end_of_the_object()
    {
        Runnable(Parse(CodeFormat.Json, """{"thought": "sum", "code": "console.log(1);"}""" + "\nLet me know if that helps {ok}.")).Should().Equal("console.log(1);");
    }

    [Test]
    public void Raw_line_breaks_inside_json_strings_are_read_as_escaped()
    {
        var turn = Parse(CodeFormat.Json, "{\"thought\": \"two lines\", \"code\": \"const a = 1;\n\tconsole.log(a);\"}");

        turn.FormatError.Should().BeNull();
        Runnable(turn).Should().Equal("const a = 1;\n\tconsole.log(a);");
    }

    [Test]
    public void Json_encoded_twice_and_markdown_instead_of_json_are_still_read()
    {
        var twice = JsonSerializer.Serialize("""{"thought": "x", "code": "console.log(2);"}""");
        Runnable(Parse(CodeFormat.Json, twice)).Should().Equal("console.log(2);");
        Runnable(Parse(CodeFormat.Json, "I'll do it.\n```js\nconst o = {};\nconsole.log(o);\n```")).Should().Equal("const o = {};\nconsole.log(o);");
    }

    [Test]
    public void Truncated_json_is_a_format_error_that_names_where_it_broke()
    {
        var turn = Parse(CodeFormat.Json, """{"thought": "x", "code": "const rows = files.readCsv(""");

        turn.CodeBlocks.Should().BeEmpty();
        turn.FormatError.Should().StartWith("Your answer is not valid JSON (line 1, position").And.NotContain("LineNumber:").And.EndWith("(newlines written as \\n).");
    }

    [Test]
    public void A_tool_call_with_a_prefixed_name_code_encoded_twice_or_a_fence_inside_is_read()
    {
        var turn = CodeFormats.Parse(CodeFormat.ToolCall,
        [
            new ChatMessage(ChatRole.Assistant,
            [
                new FunctionCallContent("a", "functions.execute_code", new Dictionary<string, object?> { ["code"] = """{"code": "console.log(1);"}""" }),
                new FunctionCallContent("b", "execute_code", new Dictionary<string, object?> { ["script"] = "```javascript\nconsole.log(2);\n```" }),
            ]),
        ]);

        turn.FormatError.Should().BeNull();
        turn.CodeBlocks.Select(b => b.Code).Should().Equal("console.log(1);", "console.log(2);");
        turn.CallIds.Should().Equal("a", "b");
        turn.ObservationMessage("done").Contents.OfType<FunctionResultContent>().Select(r => r.CallId).Should().Equal("a", "b");
    }
}
