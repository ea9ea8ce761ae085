using CodeActSdk.Files;
using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>What the code writes under out/ comes back to the host as artifacts.</summary>
public class ArtifactTests
{
    [Test]
    public void Changed_artifacts_are_taken_once()
    {
        var files = Scratch();
        files.WriteText("out/table.csv", "a,b\n");
        files.WriteText("out/charts/sales.vl.json", "{}");
        files.WriteText("notes.txt", "not an artifact");

        files.TakeChangedArtifacts().Select(a => a.Path).Should().Equal("out/charts/sales.vl.json", "out/table.csv");
        files.TakeChangedArtifacts().Should().BeEmpty();

        files.WriteText("out/table.csv", "a,b\n1,2\n");
        files.TakeChangedArtifacts().Should().ContainSingle().Which.ReadText().Should().Be("a,b\n1,2\n");
    }

    [Test]
    public void Deleted_artifacts_are_dropped()
    {
        var files = Scratch();
        files.WriteText("out/draft.txt", "x");
        files.WriteText("out/final.txt", "y");
        files.Delete("out/draft.txt");

        files.TakeChangedArtifacts().Select(a => a.Path).Should().Equal("out/final.txt");

        files.Delete("out/final.txt");
        files.TakeChangedArtifacts().Should().BeEmpty();
        files.Artifacts.Should().BeEmpty();
    }

    [Test]
    public void Artifacts_lists_every_current_file_under_out()
    {
        var files = Scratch();
        files.WriteText("out/b.txt", "b");
        files.WriteText("out/a/c.txt", "c");
        files.WriteText("outside.txt", "no");
        files.WriteText("output/x.txt", "no");
        files.TakeChangedArtifacts();

        files.Artifacts.Select(a => a.Path).Should().Equal("out/a/c.txt", "out/b.txt");
        files.TakeChangedArtifacts().Should().BeEmpty();
        files.Artifacts.Select(a => a.Path).Should().Equal("out/a/c.txt", "out/b.txt");
    }

    [Test]
    public void An_artifact_keeps_the_content_it_was_taken_with()
    {
        var files = Scratch();
        files.WriteText("out/report.md", "first");
        var taken = files.TakeChangedArtifacts().Single();

        files.WriteText("out/report.md", "second");

        taken.ReadText().Should().Be("first");
        files.Artifacts.Single().ReadText().Should().Be("second");
    }

    [Test]
    public void An_artifact_offers_its_name_size_text_and_a_read_only_stream()
    {
        var files = Scratch();
        files.WriteText("out/charts/sales.vl.json", "{\"mark\":\"bar\"}");

        var artifact = files.Artifacts.Single();

        artifact.Name.Should().Be("sales.vl.json");
        artifact.Size.Should().Be(14);
        artifact.MediaType.Should().Be("application/vnd.vegalite.v5+json");
        artifact.ReadText().Should().Be("{\"mark\":\"bar\"}");
        using var stream = artifact.OpenRead();
        stream.CanWrite.Should().BeFalse();
        new StreamReader(stream).ReadToEnd().Should().Be("{\"mark\":\"bar\"}");
    }

    [TestCase("out/t.csv", "text/csv")]
    [TestCase("out/T.CSV", "text/csv")]
    [TestCase("out/chart.vl.json", "application/vnd.vegalite.v5+json")]
    [TestCase("out/Chart.VL.JSON", "application/vnd.vegalite.v5+json")]
    [TestCase("out/data.json", "application/json")]
    [TestCase("out/notes.txt", "text/plain")]
    [TestCase("out/report.md", "text/markdown")]
    [TestCase("out/page.html", "text/html")]
    [TestCase("out/plot.svg", "image/svg+xml")]
    [TestCase("out/plot.png", "image/png")]
    [TestCase("out/photo.jpeg", "image/jpeg")]
    [TestCase("out/archive.xyz", "application/octet-stream")]
    [TestCase("out/no-extension", "application/octet-stream")]
    public void Media_types_follow_the_extension(string path, string mediaType)
    {
        SandboxFileSystem.MediaTypeOf(path).Should().Be(mediaType);
        var files = Scratch();
        files.WriteText(path, "x");
        files.Artifacts.Single().MediaType.Should().Be(mediaType);
    }

    [TestCase("out/chart.vl.json")]
    [TestCase("out/reports/q3/table.csv")]
    public void An_artifact_takes_a_plain_path_under_out(string path)
    {
        new Artifact(path, "text/plain", Array.Empty<byte>()).Path.Should().Be(path);
    }

    [TestCase("out")]
    [TestCase("out/")]
    [TestCase("data/x.csv")]
    [TestCase("/out/x")]
    [TestCase("out/../../.bashrc")]
    [TestCase("out/./x")]
    [TestCase("out//x")]
    [TestCase("out/a\\b")]
    [TestCase("out/a\nb")]
    public void An_artifact_refuses_any_other_path_also_through_with(string path)
    {
        var create = () => new Artifact(path, "text/plain", Array.Empty<byte>());
        var change = () => new Artifact("out/ok.txt", "text/plain", Array.Empty<byte>()) with { Path = path };

        create.Should().Throw<ArgumentException>().WithMessage("*relative path under out/*");
        change.Should().Throw<ArgumentException>().WithMessage("*relative path under out/*");
    }
}
