namespace CodeActSdk.Tests.Extraction;

public class CodeBlockExtractorTests
{
    [Test]
    public void Finds_a_tagged_block_between_prose()
    {
        var blocks = CodeBlockExtractor.Extract("I will add them.\n```js\nvar x = 1 + 2;\nconsole.log(x);\n```\nThat prints 3.");

        blocks.Should().Equal(new CodeBlock("js", "var x = 1 + 2;\nconsole.log(x);"));
    }

    [Test]
    public void An_untagged_block_has_an_empty_tag()
    {
        CodeBlockExtractor.Extract("```\nconsole.log(1);\n```").Should().Equal(new CodeBlock("", "console.log(1);"));
    }

    [Test]
    public void Tilde_fences_are_blocks()
    {
        CodeBlockExtractor.Extract("~~~javascript\nvar a = [1, 2];\n~~~").Should().Equal(new CodeBlock("javascript", "var a = [1, 2];"));
    }

    [Test]
    public void Several_blocks_are_returned_in_order()
    {
        var text = """
            First I define the data:
            ```js
            var data = [1, 2, 3];
            ```
            Then a helper in another block:
            ```
            function sum(a) { return a.reduce(function (s, x) { return s + x; }, 0); }
            ```
            And I print it:
            ~~~js
            console.log(sum(data));
            ~~~
            """;

        CodeBlockExtractor.Extract(text).Should().Equal(
            new CodeBlock("js", "var data = [1, 2, 3];"),
            new CodeBlock("", "function sum(a) { return a.reduce(function (s, x) { return s + x; }, 0); }"),
            new CodeBlock("js", "console.log(sum(data));"));
    }

    [Test]
    public void An_unclosed_final_fence_takes_the_rest_as_code()
    {
        var blocks = CodeBlockExtractor.Extract("Let me compute.\n```js\nvar total = 0;\nfor (var i = 0; i < 3; i++) { total += i; }\nfinal_answer(total);\n");

        blocks.Should().Equal(new CodeBlock("js", "var total = 0;\nfor (var i = 0; i < 3; i++) { total += i; }\nfinal_answer(total);"));
    }

    [Test]
    public void A_closed_block_followed_by_an_unclosed_one_gives_both()
    {
        var blocks = CodeBlockExtractor.Extract("```js\nvar a = 1;\n```\ntext\n```js\nvar b = 2;");

        blocks.Should().Equal(new CodeBlock("js", "var a = 1;"), new CodeBlock("js", "var b = 2;"));
    }

    [TestCase("```js title=\"x.js\"", "js")]
    [TestCase("```JavaScript", "javascript")]
    [TestCase("```  Python   linenos", "python")]
    [TestCase("```{.js}", "js")]
    [TestCase("```js,linenos", "js")]
    public void The_tag_is_the_first_word_in_lower_case(string opening, string tag)
    {
        CodeBlockExtractor.Extract(opening + "\nx();\n```").Should().Equal(new CodeBlock(tag, "x();"));
    }

    [Test]
    public void Indented_fences_are_found_and_their_indentation_removed()
    {
        var text = "1. Compute the total:\n   ```js\n   var t = 1;\n   if (t) {\n       t++;\n   }\n   ```\n2. Done.";

        CodeBlockExtractor.Extract(text).Should().Equal(new CodeBlock("js", "var t = 1;\nif (t) {\n    t++;\n}"));
    }

    [Test]
    public void A_longer_fence_is_not_closed_by_a_shorter_one()
    {
        var text = "````md\nExample:\n```js\nx();\n```\n````";

        CodeBlockExtractor.Extract(text).Should().Equal(new CodeBlock("md", "Example:\n```js\nx();\n```"));
    }

    [Test]
    public void A_tilde_fence_is_not_closed_by_backticks()
    {
        CodeBlockExtractor.Extract("~~~js\nvar s = 1;\n```\n~~~").Should().Equal(new CodeBlock("js", "var s = 1;\n```"));
    }

    [Test]
    public void Windows_line_endings_are_normalised()
    {
        CodeBlockExtractor.Extract("Text\r\n```js\r\nvar a = 1;\r\nvar b = 2;\r\n```\r\n").Should().Equal(new CodeBlock("js", "var a = 1;\nvar b = 2;"));
    }

    [Test]
    public void Inline_triple_backticks_are_not_a_block()
    {
        CodeBlockExtractor.Extract("```final_answer(1)``` is how you finish.").Should().BeEmpty();
    }

    [Test]
    public void A_block_in_another_language_keeps_its_tag()
    {
        CodeBlockExtractor.Extract("```python\nprint(1)\n```").Should().Equal(new CodeBlock("python", "print(1)"));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("The answer is 42. No code needed.")]
    public void Prose_without_fences_has_no_blocks(string? text)
    {
        CodeBlockExtractor.Extract(text).Should().BeEmpty();
    }

    [Test]
    public void Blank_lines_around_the_code_are_trimmed_but_inner_ones_kept()
    {
        CodeBlockExtractor.Extract("```js\n\n\nvar a = 1;\n\nvar b = 2;\n\n```").Should().Equal(new CodeBlock("js", "var a = 1;\n\nvar b = 2;"));
    }

    [Test]
    public void An_empty_block_has_empty_code()
    {
        CodeBlockExtractor.Extract("```js\n```").Should().Equal(new CodeBlock("js", ""));
    }
}
