using System.Text;
using CodeActSdk.Files;
using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>The in-memory scratch area: what the code writes, reads, lists and deletes.</summary>
public class ScratchAreaTests
{
    [Test]
    public void Text_and_bytes_written_are_read_back_and_overwritten()
    {
        var files = Scratch();

        files.WriteText("notes.txt", "héllo").Size.Should().Be(Encoding.UTF8.GetByteCount("héllo"));
        files.ReadText("notes.txt").Should().Be("héllo");
        files.WriteBytes("blob.bin", [0, 1, 255]);
        files.ReadBytes("blob.bin").Should().Equal(0, 1, 255);

        files.WriteText("notes.txt", "second");
        files.ReadText("notes.txt").Should().Be("second");
        files.Stat("notes.txt").Size.Should().Be(6);
    }

    [Test]
    public void The_bytes_given_and_returned_are_copies()
    {
        var files = Scratch();
        var content = new byte[] { 1, 2, 3 };
        files.WriteBytes("a.bin", content);
        content[0] = 9;
        files.ReadBytes("a.bin")[1] = 9;

        files.ReadBytes("a.bin").Should().Equal(1, 2, 3);
    }

    [Test]
    public void Delete_says_whether_there_was_a_file()
    {
        var files = Scratch();
        files.WriteText("a/b.txt", "x");

        files.Delete("a/b.txt").Should().BeTrue();
        files.Delete("a/b.txt").Should().BeFalse();
        files.Delete("never.txt").Should().BeFalse();
        files.Exists("a/b.txt").Should().BeFalse();
        files.Exists("a").Should().BeFalse("a folder exists only while it holds files");
        Refusal(() => files.ReadText("a/b.txt")).Should().Contain("no file or folder 'a/b.txt'");
    }

    [Test]
    public void A_folder_cannot_be_deleted_like_a_file()
    {
        var files = Scratch();
        files.WriteText("a/b.txt", "x");

        Refusal(() => files.Delete("a")).Should().Contain("'a' is a folder");
        files.Exists("a/b.txt").Should().BeTrue();
    }

    [Test]
    public void Exists_and_stat_describe_files_and_implicit_folders()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var files = new SandboxFileSystem(new FileSystemOptions(), clock);
        files.WriteText("reports/2025/march.txt", "12345");

        files.Exists("reports/2025/march.txt").Should().BeTrue();
        files.Exists("reports/2025").Should().BeTrue();
        files.Exists("reports").Should().BeTrue();
        files.Exists("reports/2024").Should().BeFalse();
        files.Exists("").Should().BeTrue("the root always exists");

        files.Stat("reports/2025/march.txt").Should().Be(new SandboxFileInfo("reports/2025/march.txt", 5, false, false, clock.Now));
        var folder = files.Stat("reports");
        folder.IsDirectory.Should().BeTrue();
        folder.Size.Should().Be(0);
        folder.Modified.Should().Be(clock.Now);
        Refusal(() => files.Stat("reports/2024")).Should().Contain("no file or folder 'reports/2024'");
    }

    [Test]
    public void The_root_lists_mounts_as_read_only_or_read_write_folders_and_the_empty_out_folder()
    {
        using var readOnly = new TempFolder();
        using var readWrite = new TempFolder();
        var files = WithMounts(FileMount.ReadOnly("data", readOnly.Path), FileMount.ReadWrite("work", readWrite.Path));
        files.WriteText("notes.txt", "x");
        files.WriteText("in/a.csv", "x");

        var root = files.List();

        root.Select(e => e.Path).Should().Equal("data", "in", "notes.txt", "out", "work");
        root.Single(e => e.Path == "data").Should().Match<SandboxFileInfo>(e => e.IsDirectory && e.ReadOnly);
        root.Single(e => e.Path == "work").Should().Match<SandboxFileInfo>(e => e.IsDirectory && !e.ReadOnly);
        root.Single(e => e.Path == "out").Should().Match<SandboxFileInfo>(e => e.IsDirectory && !e.ReadOnly);
        root.Single(e => e.Path == "in").IsDirectory.Should().BeTrue();
        root.Single(e => e.Path == "notes.txt").Should().Match<SandboxFileInfo>(e => !e.IsDirectory && e.Size == 1);
        files.List("out").Should().BeEmpty();
        files.List(".").Should().BeEquivalentTo(root);
    }

    [Test]
    public void Listing_a_folder_shows_its_direct_children_only()
    {
        var files = Scratch();
        files.WriteText("a/one.txt", "1");
        files.WriteText("a/b/two.txt", "22");
        files.WriteText("a/b/c/three.txt", "333");
        files.WriteText("ab.txt", "x");

        files.List("a").Select(e => (e.Path, e.IsDirectory)).Should().Equal(("a/b", true), ("a/one.txt", false));
        files.List("a/b/").Select(e => e.Path).Should().Equal("a/b/c", "a/b/two.txt");
        Refusal(() => files.List("a/one.txt")).Should().Contain("is a file, not a folder");
        Refusal(() => files.List("nothing")).Should().Contain("no file or folder 'nothing'");
    }

    [Test]
    public void A_file_cannot_be_inside_a_file()
    {
        var files = Scratch();
        files.WriteText("a/b.txt", "x");

        Refusal(() => files.WriteText("a/b.txt/c.txt", "y")).Should().Contain("'a/b.txt' is a file");
        Refusal(() => files.WriteText("a/b.txt/c/d.txt", "y")).Should().Contain("'a/b.txt' is a file");
        files.List("a").Should().ContainSingle();
    }

    [Test]
    public void A_folder_cannot_be_written_as_a_file()
    {
        var files = Scratch();
        files.WriteText("a/b.txt", "x");

        Refusal(() => files.WriteText("a", "y")).Should().Contain("'a' is a folder");
        Refusal(() => files.WriteText("out", "y")).Should().Contain("'out' is a folder");
        Refusal(() => files.WriteText("", "y")).Should().Contain("is a folder");
        Refusal(() => files.ReadText("a")).Should().Contain("'a' is a folder");
        files.ReadText("a/b.txt").Should().Be("x");
    }

    [Test]
    public void Text_that_is_not_utf8_is_refused_with_advice_to_read_bytes()
    {
        var files = Scratch();
        files.WriteBytes("image.png", [0x89, 0x50, 0x4E, 0x47, 0xFF, 0xFE, 0x00, 0xC3]);

        var message = Refusal(() => files.ReadText("image.png"));

        message.Should().Contain("'image.png' is not UTF-8").And.Contain("bytes");
        files.ReadBytes("image.png").Should().HaveCount(8);
    }

    [Test]
    public void A_utf8_byte_order_mark_is_dropped()
    {
        var files = Scratch();
        files.WriteBytes("bom.csv", [0xEF, 0xBB, 0xBF, (byte)'a', (byte)',', (byte)'b']);

        files.ReadText("bom.csv").Should().Be("a,b");
        files.ReadBytes("bom.csv").Should().HaveCount(6);
    }
}
