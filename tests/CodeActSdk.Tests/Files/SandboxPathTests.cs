using CodeActSdk.Files;
using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>Paths are confined to the sandbox: nothing that could name a place outside it is accepted.</summary>
public class SandboxPathTests
{
    [TestCase("..", "climbs")]
    [TestCase("../secret.txt", "climbs")]
    [TestCase("a/../../b", "climbs")]
    [TestCase("out/..", "climbs")]
    [TestCase("/etc/passwd", "absolute")]
    [TestCase("//server/share", "absolute")]
    [TestCase("C:/x", "absolute")]
    [TestCase("c:x", "absolute")]
    [TestCase("~/x", "absolute")]
    [TestCase("a\\b.txt", "backslash")]
    [TestCase("..\\..\\x", "backslash")]
    [TestCase("a\0b", "NUL")]
    [TestCase("a.txt\0.png", "NUL")]
    [TestCase("a\nb", "control character")]
    [TestCase("a/\u001b[31m", "control character")]
    public async Task Refused_paths_are_refused_by_every_operation(string path, string reason)
    {
        var files = Scratch();
        files.WriteText("b", "keep");

        Refusal(() => files.WriteText(path, "x")).Should().Contain(reason);
        Refusal(() => files.ReadText(path)).Should().Contain(reason);
        Refusal(() => files.ReadBytes(path)).Should().Contain(reason);
        Refusal(() => files.Exists(path)).Should().Contain(reason);
        Refusal(() => files.Stat(path)).Should().Contain(reason);
        Refusal(() => files.List(path)).Should().Contain(reason);
        Refusal(() => files.Delete(path)).Should().Contain(reason);
        (await FluentActions.Awaiting(() => files.AddAsync(path, new MemoryStream([1]))).Should().ThrowAsync<SandboxFileException>())
            .Which.Message.Should().Contain(reason);
        files.List().Select(e => e.Path).Should().Equal("b", "out");
    }

    [Test]
    public void Control_characters_are_escaped_in_messages()
    {
        var message = Refusal(() => SandboxPath.Normalize("a\u001bb"));

        message.Should().Contain("a\\u001bb").And.NotContain("\u001b");
    }

    [Test]
    public void Over_long_names_and_paths_are_refused()
    {
        var files = Scratch();

        Refusal(() => files.WriteText(new string('n', 256), "x")).Should().Contain("longer than 255");
        Refusal(() => files.WriteText(string.Join('/', Enumerable.Repeat(new string('n', 200), 6)), "x")).Should().Contain("longer than 1024");
        files.WriteText(new string('n', 255), "x").Path.Should().HaveLength(255);
    }

    [Test]
    public void Quoted_paths_are_cut_short_in_messages()
    {
        var message = Refusal(() => SandboxPath.Normalize("../" + new string('n', 5000)));

        message.Length.Should().BeLessThan(400);
    }

    [TestCase("./a//b/", "a/b")]
    [TestCase("a/./b", "a/b")]
    [TestCase("a", "a")]
    [TestCase(".", "")]
    [TestCase("", "")]
    [TestCase("...", "...")]
    [TestCase("a..b/..c", "a..b/..c")]
    public void Paths_are_normalised(string path, string normalized) =>
        SandboxPath.Normalize(path).Should().Be(normalized);

    [Test]
    public void A_normalised_path_names_the_same_file()
    {
        var files = Scratch();

        files.WriteText("./a//b/", "x").Path.Should().Be("a/b");

        files.ReadText("a/b").Should().Be("x");
        files.List("a").Single().Path.Should().Be("a/b");
    }

    [Test]
    public void A_missing_path_is_refused() =>
        Refusal(() => SandboxPath.Normalize(null)).Should().Contain("path is required");
}
