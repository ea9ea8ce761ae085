using Microsoft.Extensions.AI;

namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// Every backend reports the state digest: what the code defined, with short previews; never the sandbox's own names;
/// also after a limit stopped the code. (The type names are each language's own: see each backend's tests.)
/// </summary>
public class StateDigestTests(Backend backend) : ConformanceTest(backend)
{
    private static readonly AIFunction Add = AIFunctionFactory.Create((int a, int b) => a + b, "add");

    [Test]
    public async Task A_fresh_session_with_tools_has_nothing_to_describe()
    {
        await using var session = await NewSessionAsync(new SandboxOptions { Tools = [Add] });

        (await session.DescribeVariablesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task What_the_code_defined_is_listed_in_order_with_previews()
    {
        await using var session = await NewSessionAsync(new SandboxOptions { Tools = [Add] });
        await RunAsync(session, "var total = add(40, 2); console.log(total);", "var total = tools.Add(40, 2); Console.WriteLine(total);");
        await RunAsync(session, "var name = 'north'; var items = [1, 2, 3];", "var name = \"north\"; var items = new List<int> { 1, 2, 3 };");

        var digest = await session.DescribeVariablesAsync();

        digest.Select(v => v.Name).Should().Equal("total", "name", "items");
        digest[0].Preview.Should().Be("42");
        digest[1].Preview.Should().Be("\"north\"");
        digest[2].Preview.Should().Contain(Backend.Code("[1,2,3]", "[1, 2, 3]"));
    }

    [Test]
    public async Task The_digest_works_after_a_limit_stopped_the_code()
    {
        await using var session = await NewSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(300), MaxOperations = long.MaxValue });
        await RunAsync(session, "var kept = 'yes';", "var kept = \"yes\";");
        (await RunAsync(session, "while (true) { }", "while (true) { }")).Status.Should().Be(ExecutionStatus.Timeout);

        (await session.DescribeVariablesAsync()).Should().ContainSingle(v => v.Name == "kept").Which.Preview.Should().Be("\"yes\"");
    }

    [Test]
    public async Task A_disposed_session_refuses()
    {
        var session = await NewSessionAsync();
        await session.DisposeAsync();

        await FluentActions.Awaiting(async () => await session.DescribeVariablesAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }
}
