using CodeActSdk.Files;
using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>The host adds files to the scratch area for the code to read.</summary>
public class UploadTests
{
    [Test]
    public async Task An_upload_is_in_the_scratch_area_and_in_uploads()
    {
        var files = Scratch();

        var info = await files.AddAsync("in/sales.csv", new MemoryStream("a,b\n1,2\n"u8.ToArray()));

        info.Should().Match<SandboxFileInfo>(i => i.Path == "in/sales.csv" && i.Size == 8 && !i.IsDirectory && !i.ReadOnly);
        files.ReadText("in/sales.csv").Should().Be("a,b\n1,2\n");
        files.Uploads.Should().Equal(info);
    }

    [Test]
    public async Task Adding_the_same_path_again_replaces_the_file_and_its_upload_entry()
    {
        var files = Scratch(quota: 10);
        await files.AddAsync("a.txt", new MemoryStream(new byte[10]));

        var second = await files.AddAsync("./a.txt", new MemoryStream([1, 2]));
        await files.AddAsync("b.txt", new MemoryStream(new byte[8]));

        files.Uploads.Select(u => u.Path).Should().Equal("a.txt", "b.txt");
        files.Uploads[0].Should().Be(second);
        files.ReadBytes("a.txt").Should().Equal(1, 2);
    }

    [TestCase("data/x.csv")]
    [TestCase("data")]
    [TestCase("out/x.csv")]
    [TestCase("out")]
    [TestCase("")]
    [TestCase("../x.csv")]
    public async Task An_upload_outside_the_scratch_area_is_refused(string path)
    {
        using var host = new TempFolder();
        var files = new SandboxFileSystem(new FileSystemOptions { Mounts = [FileMount.ReadWrite("data", host.Path)] });

        await FluentActions.Awaiting(() => files.AddAsync(path, new MemoryStream([1]))).Should().ThrowAsync<SandboxFileException>();

        files.Uploads.Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(host.Path).Should().BeEmpty();
        files.Artifacts.Should().BeEmpty();
    }

    [Test]
    public async Task An_endless_upload_is_refused_after_max_file_bytes_without_reading_or_keeping_more()
    {
        const int maxFileBytes = 1024 * 1024;
        var files = Scratch(quota: 4 * maxFileBytes, maxFile: maxFileBytes);
        var twoGigabytes = new EndlessStream();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var upload = files.AddAsync("huge.bin", twoGigabytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        (await FluentActions.Awaiting(() => upload).Should().ThrowAsync<SandboxFileException>())
            .Which.Message.Should().Contain("'huge.bin' is larger than the 1,048,576 bytes").And.Contain("nothing was added");
        twoGigabytes.BytesRead.Should().BeLessThanOrEqualTo(maxFileBytes + (128 * 1024), "reading stops at the first buffer past the limit");
        allocated.Should().BeLessThan(8L * maxFileBytes, "the upload is never held beyond the limit");
        files.Exists("huge.bin").Should().BeFalse();
        files.Uploads.Should().BeEmpty();
        files.WriteBytes("fits.bin", new byte[maxFileBytes]);
    }

    [Test]
    public async Task An_upload_of_exactly_max_file_bytes_is_accepted()
    {
        var files = Scratch(maxFile: 200_000);

        var info = await files.AddAsync("exact.bin", new EndlessStream(length: 200_000));

        info.Size.Should().Be(200_000);
    }

    [Test]
    public async Task An_upload_past_the_scratch_quota_is_refused_and_nothing_is_added()
    {
        var files = Scratch(quota: 100, maxFile: 1000);
        files.WriteBytes("kept.bin", new byte[50]);

        (await FluentActions.Awaiting(() => files.AddAsync("big.bin", new MemoryStream(new byte[51]))).Should().ThrowAsync<SandboxFileException>())
            .Which.Message.Should().Contain("quota");

        files.Exists("big.bin").Should().BeFalse();
        files.Uploads.Should().BeEmpty();
        files.ReadBytes("kept.bin").Should().HaveCount(50);
    }

    [Test]
    public async Task A_cancelled_upload_adds_nothing()
    {
        var files = Scratch();
        using var cancellation = new CancellationTokenSource();
        var stream = new EndlessStream(onRead: reads =>
        {
            if (reads == 3)
            {
                cancellation.Cancel();
            }
        });

        await FluentActions.Awaiting(() => files.AddAsync("a.bin", stream, cancellation.Token)).Should().ThrowAsync<OperationCanceledException>();

        stream.BytesRead.Should().BeLessThan(512 * 1024);
        files.Exists("a.bin").Should().BeFalse();
        files.Uploads.Should().BeEmpty();
        await FluentActions.Awaiting(() => files.AddAsync("b.bin", new MemoryStream([1]), cancellation.Token)).Should().ThrowAsync<OperationCanceledException>();
        files.Exists("b.bin").Should().BeFalse();
    }
}
