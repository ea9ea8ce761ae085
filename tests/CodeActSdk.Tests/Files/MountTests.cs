using CodeActSdk.Files;
using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>Host folders mounted into the sandbox: access, quotas, links and special files.</summary>
public class MountTests
{
    private TempFolder _host = null!;
    private TempFolder _outside = null!;

    [SetUp]
    public void CreateFolders()
    {
        _host = new TempFolder();
        _outside = new TempFolder();
        _host.Write("sales.csv", "region,total\nnorth,10\n");
        _host.Write("2025/q1.txt", "q1");
        _outside.Write("secret.txt", "top secret");
    }

    [TearDown]
    public void DeleteFolders()
    {
        _host.Dispose();
        _outside.Dispose();
    }

    private string[] HostPaths => [_host.Path, _outside.Path];

    [Test]
    public void A_read_only_mount_is_read_listed_and_described()
    {
        var files = WithMounts(FileMount.ReadOnly("data", _host.Path));

        files.ReadText("data/sales.csv").Should().StartWith("region,total");
        files.ReadText("data/2025/q1.txt").Should().Be("q1");
        files.List("data").Select(e => (e.Path, e.IsDirectory, e.ReadOnly)).Should().Equal(("data/2025", true, true), ("data/sales.csv", false, true));
        files.List("data/2025").Single().Should().Match<SandboxFileInfo>(e => e.Path == "data/2025/q1.txt" && e.Size == 2);
        files.Stat("data/sales.csv").Size.Should().Be(new FileInfo(_host["sales.csv"]).Length);
        files.Stat("data").IsDirectory.Should().BeTrue();
        files.Exists("data/sales.csv").Should().BeTrue();
        files.Exists("data/missing.csv").Should().BeFalse();
        Refusal(() => files.ReadText("data/missing.csv"), HostPaths).Should().Contain("no file or folder 'data/missing.csv'");
        Refusal(() => files.ReadText("data/2025"), HostPaths).Should().Contain("is a folder");
        Refusal(() => files.List("data/sales.csv"), HostPaths).Should().Contain("is a file, not a folder");
    }

    [Test]
    public void A_read_only_mount_refuses_writes_and_deletes()
    {
        var files = WithMounts(FileMount.ReadOnly("data", _host.Path));

        Refusal(() => files.WriteText("data/sales.csv", "x"), HostPaths).Should().Contain("read-only");
        Refusal(() => files.WriteText("data/new.txt", "x"), HostPaths).Should().Contain("read-only");
        Refusal(() => files.WriteBytes("data/new/deep.bin", [1]), HostPaths).Should().Contain("read-only");
        Refusal(() => files.Delete("data/sales.csv"), HostPaths).Should().Contain("read-only");
        Refusal(() => files.Delete("data/missing.txt"), HostPaths).Should().Contain("read-only");

        File.ReadAllText(_host["sales.csv"]).Should().StartWith("region,total");
        File.Exists(_host["new.txt"]).Should().BeFalse();
        Directory.Exists(_host["new"]).Should().BeFalse();
    }

    [Test]
    public void A_read_write_mount_writes_creating_folders_and_deletes()
    {
        var files = WithMounts(FileMount.ReadWrite("work", _host.Path));

        var info = files.WriteText("work/reports/2025/summary.txt", "done");

        info.Should().Match<SandboxFileInfo>(i => i.Path == "work/reports/2025/summary.txt" && i.Size == 4 && !i.ReadOnly && !i.IsDirectory);
        File.ReadAllText(_host["reports/2025/summary.txt"]).Should().Be("done");
        files.ReadText("work/reports/2025/summary.txt").Should().Be("done");

        files.WriteText("work/sales.csv", "replaced");
        File.ReadAllText(_host["sales.csv"]).Should().Be("replaced");

        files.Delete("work/sales.csv").Should().BeTrue();
        files.Delete("work/sales.csv").Should().BeFalse();
        File.Exists(_host["sales.csv"]).Should().BeFalse();
        Refusal(() => files.Delete("work/2025"), HostPaths).Should().Contain("not a file");
        Refusal(() => files.Delete("work"), HostPaths).Should().Contain("not a file");
        Refusal(() => files.WriteText("work", "x"), HostPaths).Should().Contain("mounted folder");
        Refusal(() => files.WriteText("work/2025", "x"), HostPaths).Should().Contain("is a folder");
        Directory.Exists(_host["2025"]).Should().BeTrue();
    }

    [Test]
    public void A_read_write_mount_keeps_within_its_quota()
    {
        using var empty = new TempFolder();
        var files = WithMounts(FileMount.ReadWrite("work", empty.Path, quotaBytes: 100));
        files.WriteBytes("work/a.bin", new byte[60]);

        Refusal(() => files.WriteBytes("work/b.bin", new byte[41]), empty.Path).Should().Contain("quota of 100 bytes").And.Contain("60 used");
        File.Exists(empty["b.bin"]).Should().BeFalse();

        files.WriteBytes("work/b.bin", new byte[40]);
        files.WriteBytes("work/a.bin", new byte[10]);
        files.WriteBytes("work/sub/c.bin", new byte[50]);
        Refusal(() => files.WriteBytes("work/sub/c.bin", new byte[51]), empty.Path).Should().Contain("quota");
        File.ReadAllBytes(empty["sub/c.bin"]).Should().HaveCount(50, "a refused write leaves the file as it was");
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void Links_leading_outside_the_mount_are_refused_and_not_listed()
    {
        File.CreateSymbolicLink(_host["leak.txt"], _outside["secret.txt"]);
        File.CreateSymbolicLink(_host["relative-leak.txt"], Path.Join("..", Path.GetFileName(_outside.Path), "secret.txt"));
        Directory.CreateSymbolicLink(_host["elsewhere"], _outside.Path);
        File.CreateSymbolicLink(_host["passwd"], "/etc/passwd");
        Directory.CreateSymbolicLink(_host["2025/up"], _host.Path + "/..");
        var files = WithMounts(FileMount.ReadWrite("data", _host.Path));

        foreach (var path in new[] { "data/leak.txt", "data/relative-leak.txt", "data/elsewhere/secret.txt", "data/passwd", "data/2025/up/" + Path.GetFileName(_outside.Path) + "/secret.txt" })
        {
            Refusal(() => files.ReadText(path), HostPaths).Should().Contain("outside the mount 'data'");
            Refusal(() => files.Stat(path), HostPaths).Should().Contain("outside the mount");
            Refusal(() => files.WriteText(path, "overwritten"), HostPaths).Should().Contain("outside the mount");
            Refusal(() => files.Delete(path), HostPaths).Should().Contain("outside the mount");
        }

        Refusal(() => files.List("data/elsewhere"), HostPaths).Should().Contain("outside the mount");
        Refusal(() => files.WriteText("data/elsewhere/new.txt", "x"), HostPaths).Should().Contain("outside the mount");
        files.List("data").Select(e => e.Path).Should().Equal("data/2025", "data/sales.csv");
        files.List("data/2025").Select(e => e.Path).Should().Equal("data/2025/q1.txt");
        File.ReadAllText(_outside["secret.txt"]).Should().Be("top secret");
        File.Exists(_outside["new.txt"]).Should().BeFalse();
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void A_link_whose_target_goes_through_an_outside_folder_link_is_refused()
    {
        Directory.CreateSymbolicLink(_host["elsewhere"], _outside.Path);
        File.CreateSymbolicLink(_host["innocent.txt"], "elsewhere/secret.txt");
        File.CreateSymbolicLink(_host["drop.txt"], "elsewhere/dropped.txt");
        var files = WithMounts(FileMount.ReadWrite("data", _host.Path));

        Refusal(() => files.ReadText("data/innocent.txt"), HostPaths).Should().Contain("outside the mount");
        Refusal(() => files.Stat("data/innocent.txt"), HostPaths).Should().Contain("outside the mount");
        Refusal(() => files.WriteText("data/drop.txt", "planted"), HostPaths).Should().Contain("outside the mount");
        Refusal(() => files.Delete("data/innocent.txt"), HostPaths).Should().Contain("outside the mount");
        files.List("data").Select(e => e.Path).Should().NotContain("data/innocent.txt");
        File.Exists(_outside["dropped.txt"]).Should().BeFalse();
        File.Exists(_outside["secret.txt"]).Should().BeTrue();
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void Links_staying_inside_the_mount_are_followed()
    {
        File.CreateSymbolicLink(_host["latest.csv"], "sales.csv");
        File.CreateSymbolicLink(_host["2025/back.csv"], "../sales.csv");
        Directory.CreateSymbolicLink(_host["current"], _host["2025"]);
        var files = WithMounts(FileMount.ReadOnly("data", _host.Path));

        files.ReadText("data/latest.csv").Should().StartWith("region,total");
        files.ReadText("data/2025/back.csv").Should().StartWith("region,total");
        files.ReadText("data/current/q1.txt").Should().Be("q1");
        files.List("data/current").Select(e => e.Path).Should().Equal("data/current/back.csv", "data/current/q1.txt");
        files.List("data").Select(e => (e.Path, e.IsDirectory)).Should().Equal(
            ("data/2025", true), ("data/current", true), ("data/latest.csv", false), ("data/sales.csv", false));
        files.Stat("data/latest.csv").Size.Should().Be(new FileInfo(_host["sales.csv"]).Length);
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void A_dangling_link_or_a_link_loop_is_missing_or_refused()
    {
        File.CreateSymbolicLink(_host["dangling.txt"], "nowhere.txt");
        File.CreateSymbolicLink(_host["loop-a"], "loop-b");
        File.CreateSymbolicLink(_host["loop-b"], "loop-a");
        var files = WithMounts(FileMount.ReadOnly("data", _host.Path));

        Refusal(() => files.ReadText("data/dangling.txt"), HostPaths).Should().Contain("no file or folder");
        files.Exists("data/dangling.txt").Should().BeFalse();
        Refusal(() => files.ReadText("data/loop-a"), HostPaths).Should().Contain("loop of links");
    }

    [Test]
    [Platform("Linux")]
    public void A_pipe_is_refused_as_not_a_regular_file_without_blocking()
    {
        MakeFifo(_host["pipe"]);
        File.CreateSymbolicLink(_host["pipe-link"], "pipe");
        var files = WithMounts(FileMount.ReadWrite("data", _host.Path));

        foreach (var path in new[] { "data/pipe", "data/pipe-link" })
        {
            RefusalWithoutBlocking(() => files.ReadBytes(path)).Should().Contain("not a regular file");
            RefusalWithoutBlocking(() => files.ReadText(path)).Should().Contain("not a regular file");
            RefusalWithoutBlocking(() => files.WriteText(path, "x")).Should().Contain("not a regular file");
            RefusalWithoutBlocking(() => files.Stat(path)).Should().Contain("not a regular file");
            RefusalWithoutBlocking(() => files.List(path)).Should().Contain("not a regular file");
            RefusalWithoutBlocking(() => files.Delete(path)).Should().Contain("not a file");
            files.Exists(path).Should().BeFalse();
        }

        files.List("data").Select(e => e.Path).Should().NotContain(p => p.StartsWith("data/pipe", StringComparison.Ordinal));
        File.Exists(_host["pipe"]).Should().BeTrue("the pipe was not deleted");
    }

    [Test]
    [Platform("Linux")]
    public void A_link_to_a_device_is_refused_without_blocking()
    {
        File.CreateSymbolicLink(_host["null"], "/dev/null");
        File.CreateSymbolicLink(_host["random"], "/dev/urandom");
        var files = WithMounts(FileMount.ReadWrite("data", _host.Path));

        RefusalWithoutBlocking(() => files.ReadBytes("data/null"));
        RefusalWithoutBlocking(() => files.ReadBytes("data/random"));
        RefusalWithoutBlocking(() => files.WriteText("data/null", "x"));
        RefusalWithoutBlocking(() => files.Exists("data/random"));
        files.List("data").Select(e => e.Path).Should().Equal("data/2025", "data/sales.csv");
    }

    [Test]
    public void A_mount_whose_host_folder_is_deleted_says_it_is_no_longer_available()
    {
        var files = WithMounts(FileMount.ReadWrite("data", _host.Path));
        files.ReadText("data/sales.csv");
        Directory.Delete(_host.Path, recursive: true);

        Refusal(() => files.ReadText("data/sales.csv"), HostPaths).Should().Contain("mount 'data' is no longer available");
        Refusal(() => files.List("data"), HostPaths).Should().Contain("no longer available");
        Refusal(() => files.WriteText("data/new.txt", "x"), HostPaths).Should().Contain("no longer available");
        Refusal(() => files.Stat("data"), HostPaths).Should().Contain("no longer available");
        Directory.Exists(_host.Path).Should().BeFalse("a write must not recreate the host folder");
        files.List().Select(e => e.Path).Should().Contain("data");
    }

    [Test]
    public void A_mount_whose_host_folder_does_not_exist_is_refused_at_creation()
    {
        var missing = Path.Join(_host.Path, "missing");

        FluentActions.Invoking(() => WithMounts(FileMount.ReadOnly("data", missing)))
            .Should().Throw<ArgumentException>().WithMessage("*mount 'data' does not exist*");
        FluentActions.Invoking(() => WithMounts(FileMount.ReadOnly("data", _host["sales.csv"])))
            .Should().Throw<ArgumentException>().WithMessage("*does not exist*");
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void A_mount_given_as_a_link_to_a_folder_works_on_the_real_folder()
    {
        var link = Path.Join(_outside.Path, "data-link");
        Directory.CreateSymbolicLink(link, _host.Path);
        File.CreateSymbolicLink(_host["absolute.csv"], _host["sales.csv"]);
        var files = WithMounts(FileMount.ReadOnly("data", link));

        files.ReadText("data/sales.csv").Should().StartWith("region");
        files.ReadText("data/absolute.csv").Should().StartWith("region");
    }

    [Test]
    public void Files_in_mounts_count_against_max_file_bytes()
    {
        _host.Write("big.txt", new string('x', 101));
        var files = new SandboxFileSystem(new FileSystemOptions { MaxFileBytes = 100, Mounts = [FileMount.ReadWrite("data", _host.Path)] });

        Refusal(() => files.ReadBytes("data/big.txt"), HostPaths).Should().Contain("101 bytes").And.Contain("more than the 100");
        Refusal(() => files.ReadText("data/big.txt"), HostPaths).Should().Contain("101 bytes");
        Refusal(() => files.WriteBytes("data/new.bin", new byte[101]), HostPaths).Should().Contain("101 bytes");
        File.Exists(_host["new.bin"]).Should().BeFalse();
        files.Stat("data/big.txt").Size.Should().Be(101, "a big file can still be described");
    }

    [Test]
    public void Mounted_text_drops_a_byte_order_mark_and_refuses_binary()
    {
        File.WriteAllBytes(_host["bom.txt"], [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i']);
        File.WriteAllBytes(_host["binary.dat"], [0x00, 0xFF, 0xC0, 0x80]);
        var files = WithMounts(FileMount.ReadOnly("data", _host.Path));

        files.ReadText("data/bom.txt").Should().Be("hi");
        Refusal(() => files.ReadText("data/binary.dat"), HostPaths).Should().Contain("not UTF-8").And.Contain("bytes");
    }
}
