namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// A JavaScript session is a REPL for let, const and class too: what one step declares at the top level the next
/// steps read, reassign (let) or are refused to reassign (const), and the state digest lists it. Declaring such a name
/// again in a later step is refused before any of that step runs, with a message that says what to do instead.
/// </summary>
public class LexicalDeclarationStateTests(Backend backend) : JavaScriptConformanceTest(backend)
{
    [TestCase("let kept = 41;", "kept + 1")]
    [TestCase("const kept = 41;", "kept + 1")]
    [TestCase("class Kept { static value = 41; }", "Kept.value + 1")]
    [TestCase("const kept = () => 41;", "kept() + 1")]
    public async Task A_top_level_declaration_is_readable_in_the_next_step(string declaration, string use)
    {
        await using var session = await NewSessionAsync();
        (await RunAsync(session, declaration)).Status.Should().Be(ExecutionStatus.Completed);

        Json(await RunAsync(session, use)).Should().Be("42");
    }

    [Test]
    public async Task A_let_can_be_reassigned_in_a_later_step()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "let x = 1;");
        (await RunAsync(session, "x = 5;")).Status.Should().Be(ExecutionStatus.Completed);

        Json(await RunAsync(session, "x")).Should().Be("5");
    }

    [Test]
    public async Task Assigning_to_a_const_in_a_later_step_is_a_type_error_and_keeps_the_value()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "const limit = 3;");

        var result = await RunAsync(session, "limit = 4;");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.TypeError);
        Json(await RunAsync(session, "limit")).Should().Be("3");
    }

    [Test]
    public async Task The_digest_lists_let_const_and_class_alongside_var()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "var total = 1; let count = 2;");
        await RunAsync(session, "const label = 'north'; class Shape { }");

        var digest = await session.DescribeVariablesAsync();

        digest.Select(v => v.Name).Should().Equal("total", "count", "label", "Shape");
        digest[1].Preview.Should().Be("2");
        digest[2].Preview.Should().Be("\"north\"");
    }

    [Test]
    public async Task The_digest_shows_a_let_reassigned_in_a_later_step_and_no_block_or_function_scoped_names()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "let counter = 1; function bump() { let local = 1; return local; } { let inBlock = 2; }");
        await RunAsync(session, "counter = [counter, bump()];");

        var digest = await session.DescribeVariablesAsync();

        digest.Select(v => v.Name).Should().Equal("counter", "bump");
        digest[0].Preview.Should().Be("[1,1]");
    }

    [TestCase("const data = [1];", "const data = [2];", "data")]
    [TestCase("let data = [1];", "let data = [2];", "data")]
    [TestCase("class Data { }", "class Data { }", "Data")]
    [TestCase("let data = [1];", "const data = [2];", "data")]
    [TestCase("const data = [1];", "var data = [2];", "data")]
    public async Task Declaring_a_name_of_an_earlier_step_again_is_a_syntax_error_that_says_what_to_do(string earlier, string later, string name)
    {
        await using var session = await NewSessionAsync();
        (await RunAsync(session, earlier)).Status.Should().Be(ExecutionStatus.Completed);

        var result = await RunAsync(session, later);

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Kind.Should().Be(ErrorKind.SyntaxError);
        result.Error.Message.Should().Contain(name)
            .And.ContainEquivalentOf("earlier step", "it says where the name was declared")
            .And.ContainEquivalentOf("assign", "it says to assign to the name")
            .And.ContainEquivalentOf("without", "it says to assign without the keyword")
            .And.ContainEquivalentOf("another name", "it says to choose another name");
    }

    [Test]
    public async Task Nothing_of_a_step_that_declares_a_name_again_runs()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "const data = [1];");

        var result = await RunAsync(session, "console.log('before'); var sideEffect = 1; const data = [2];");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Stdout.Should().BeEmpty();
        Json(await RunAsync(session, "typeof sideEffect")).Should().Be("\"undefined\"");
        (await session.DescribeVariablesAsync()).Select(v => v.Name).Should().Equal("data");
    }

    [Test]
    public async Task The_earlier_value_is_intact_after_a_refused_declaration()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "const data = [1];");
        await RunAsync(session, "const data = [2];");

        Json(await RunAsync(session, "data")).Should().Be("[1]");
    }

    [Test]
    public async Task Assigning_without_the_keyword_works_after_a_refused_declaration()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "let rows = [1];");
        (await RunAsync(session, "let rows = [2];")).Status.Should().Be(ExecutionStatus.SyntaxError);

        Json(await RunAsync(session, "rows = [2]; rows")).Should().Be("[2]");
    }
}
