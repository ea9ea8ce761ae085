using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>The scratch area's quotas refuse a write and leave what was there.</summary>
public class QuotaTests
{
    [Test]
    public void The_scratch_quota_refuses_a_write_and_keeps_earlier_files()
    {
        var files = Scratch(quota: 100, maxFile: 100);
        files.WriteBytes("a.bin", new byte[60]);

        Refusal(() => files.WriteBytes("b.bin", new byte[41])).Should().Contain("'b.bin'").And.Contain("quota of 100 bytes").And.Contain("60 used");

        files.Exists("b.bin").Should().BeFalse();
        files.ReadBytes("a.bin").Should().HaveCount(60);
        files.WriteBytes("b.bin", new byte[40]);
        files.WriteBytes("a.bin", new byte[55]);
        Refusal(() => files.WriteBytes("a.bin", new byte[61]));
        files.ReadBytes("a.bin").Should().HaveCount(55, "a refused overwrite leaves the old content");
    }

    [Test]
    public void Deleting_frees_quota()
    {
        var files = Scratch(quota: 100, maxFile: 100);
        files.WriteBytes("a.bin", new byte[100]);
        Refusal(() => files.WriteBytes("b.bin", [1]));

        files.Delete("a.bin");

        files.WriteBytes("b.bin", new byte[100]);
        files.ReadBytes("b.bin").Should().HaveCount(100);
    }

    [Test]
    public void The_file_count_limit_refuses_new_files_but_allows_overwrites()
    {
        var files = Scratch(maxFiles: 2);
        files.WriteText("a.txt", "a");
        files.WriteText("b/c.txt", "c");

        Refusal(() => files.WriteText("d.txt", "d")).Should().Contain("at most 2 files");

        files.List().Select(e => e.Path).Should().Equal("a.txt", "b", "out");
        files.WriteText("a.txt", "again");
        files.ReadText("a.txt").Should().Be("again");
        files.Delete("a.txt");
        files.WriteText("d.txt", "d");
    }

    [Test]
    public void Max_file_bytes_refuses_big_writes()
    {
        var files = Scratch(quota: 1000, maxFile: 10);
        files.WriteBytes("ok.bin", new byte[10]);

        Refusal(() => files.WriteBytes("big.bin", new byte[11])).Should().Contain("11 bytes").And.Contain("more than the 10");
        Refusal(() => files.WriteText("big.txt", "ééééé!")).Should().Contain("11 bytes");
        files.Exists("big.bin").Should().BeFalse();
    }
}
