using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Testing;

public class ScriptedChatClientTests
{
    private const string Script = """
        # A demo script
        This header is ignored.

        ## turn
        First I look at the data.
        ```js
        console.log(1);
        ```

          ## TURN  
        ```js
        final_answer(2);
        ```
        """;

    [Test]
    public void Parses_turns_ignoring_the_header_and_the_case_of_the_marker()
    {
        ScriptedChatClient.Parse(Script).Should().Equal(
            "First I look at the data.\n```js\nconsole.log(1);\n```",
            "```js\nfinal_answer(2);\n```");
    }

    [Test]
    public void A_line_that_only_starts_with_the_marker_is_text()
    {
        ScriptedChatClient.Parse("## turn\n## turning point\ntext").Should().Equal("## turning point\ntext");
    }

    [Test]
    public async Task Returns_the_turns_in_order_and_records_what_it_was_sent()
    {
        var client = ScriptedChatClient.FromText(Script);

        var first = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "task one")]);
        var second = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "task two")]);

        first.Text.Should().StartWith("First I look at the data.");
        second.Text.Should().Be("```js\nfinal_answer(2);\n```");
        first.Messages.Single().Role.Should().Be(ChatRole.Assistant);
        client.CallCount.Should().Be(2);
        client.ReceivedMessages.Select(m => m.Single().Text).Should().Equal("task one", "task two");
    }

    [Test]
    public async Task Past_the_end_it_says_which_turn_was_missing_and_how_many_there_are()
    {
        var client = new ScriptedChatClient(["one", "two"]);
        await client.GetResponseAsync("a");
        await client.GetResponseAsync("b");

        var act = () => client.GetResponseAsync("c");

        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("The script has no turn 3; it has 2 turns.*");
    }

    [Test]
    public async Task Streaming_returns_the_turn_as_one_update_with_usage()
    {
        var client = new ScriptedChatClient(["hello world"]);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("hi"))
        {
            updates.Add(update);
        }

        updates.Should().ContainSingle().Which.Text.Should().Be("hello world");
        updates[0].Contents.OfType<UsageContent>().Should().ContainSingle();
    }

    [Test]
    public async Task Reports_an_estimated_usage_of_about_four_characters_per_token()
    {
        var client = new ScriptedChatClient([new string('a', 400)]);

        var response = await client.GetResponseAsync(new string('q', 800));

        response.Usage!.InputTokenCount.Should().Be(200);
        response.Usage.OutputTokenCount.Should().Be(100);
        response.Usage.TotalTokenCount.Should().Be(300);
    }

    [Test]
    public void Describes_itself_as_the_scripted_model()
    {
        var client = new ScriptedChatClient(["x"]);

        client.GetService<ChatClientMetadata>()!.DefaultModelId.Should().Be(ScriptedChatClient.ModelId);
        client.GetService<ScriptedChatClient>().Should().BeSameAs(client);
    }

    [Test]
    public void Reads_a_script_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"codeact-script-{Guid.NewGuid():N}.md");
        File.WriteAllText(path, Script);
        try
        {
            ScriptedChatClient.FromFile(path).Turns.Should().HaveCount(2);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_file_without_turns_is_an_error_that_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"codeact-empty-{Guid.NewGuid():N}.md");
        File.WriteAllText(path, "# Only a header\nno turns here\n");
        try
        {
            var act = () => ScriptedChatClient.FromFile(path);

            act.Should().Throw<FormatException>().Which.Message.Should().Contain(path).And.Contain("## turn");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Text_without_turns_and_an_empty_turn_list_are_errors()
    {
        FluentActions.Invoking(() => ScriptedChatClient.FromText("nothing")).Should().Throw<FormatException>();
        FluentActions.Invoking(() => new ScriptedChatClient(Array.Empty<string>())).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new ScriptedChatClient(Array.Empty<ChatMessage>())).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new ScriptedChatClient(new ChatMessage[] { null! })).Should().Throw<ArgumentException>();
    }
}
