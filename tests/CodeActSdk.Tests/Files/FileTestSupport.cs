using System.Diagnostics;
using CodeActSdk.Files;

namespace CodeActSdk.Tests.Files;

/// <summary>A host folder for one test, deleted afterwards (links inside are removed, never followed).</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("codeact-files-").FullName;

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Join(Path, relative);

    public string Write(string relative, string text)
    {
        var full = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

internal static class FileTestSupport
{
    /// <summary>Runs <paramref name="action"/>, expects a refusal, and checks it does not leak <paramref name="hostPaths"/>.</summary>
    public static string Refusal(Action action, params string[] hostPaths)
    {
        var message = FluentActions.Invoking(action).Should().Throw<SandboxFileException>().Which.Message;
        foreach (var hostPath in hostPaths)
        {
            message.Should().NotContain(hostPath);
        }

        return message;
    }

    public static SandboxFileSystem Scratch(long quota = 1024 * 1024, long maxFile = 512 * 1024, int maxFiles = 1000) =>
        new(new FileSystemOptions { ScratchQuotaBytes = quota, MaxFileBytes = maxFile, MaxScratchFiles = maxFiles });

    public static SandboxFileSystem WithMounts(params FileMount[] mounts) => new(new FileSystemOptions { Mounts = mounts });

    public static void MakeFifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        process.ExitCode.Should().Be(0, "mkfifo must create the pipe");
    }

    /// <summary>Runs an operation that must not block (on a pipe, say) and returns its refusal message.</summary>
    public static string RefusalWithoutBlocking(Action action)
    {
        var task = Task.Run(() => Refusal(action));
        task.Wait(TimeSpan.FromSeconds(10)).Should().BeTrue("the operation must not block on a special file");
        return task.Result;
    }
}

/// <summary>A clock that stands still unless moved.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// An upload that never ends (up to <paramref name="length"/> bytes, 2 GiB by default), counting what was read; every
/// read completes synchronously so allocations can be measured on the calling thread.
/// </summary>
internal sealed class EndlessStream(long length = 2L * 1024 * 1024 * 1024, Action<int>? onRead = null) : Stream
{
    private int _reads;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Fill(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Fill(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Fill(Span<byte> span)
    {
        var count = (int)Math.Min(span.Length, length - BytesRead);
        span[..count].Fill((byte)'x');
        BytesRead += count;
        onRead?.Invoke(++_reads);
        return count;
    }
}
