using System.Collections.Concurrent;

namespace CodeActSdk.Isolation;

/// <summary>
/// The host's view of an isolated session's files: uploads go to the worker (and are kept, so a fresh worker after
/// a crash gets them again); artifacts are mirrored from each execution's result.
/// </summary>
internal sealed class IsolatedSessionFiles(IsolatedSession session, FileSystemOptions options) : ISessionFiles
{
    private readonly List<(SandboxFileInfo Info, byte[] Content)> _uploads = [];
    private readonly ConcurrentDictionary<string, Artifact> _artifacts = new(StringComparer.Ordinal);

    public IReadOnlyList<FileMount> Mounts => options.Mounts;

    public IReadOnlyList<SandboxFileInfo> Uploads
    {
        get
        {
            lock (_uploads)
            {
                return _uploads.Select(u => u.Info).ToList();
            }
        }
    }

    public IReadOnlyList<Artifact> Artifacts => _artifacts.Values.OrderBy(a => a.Path, StringComparer.Ordinal).ToList();

    public async Task<SandboxFileInfo> AddAsync(string path, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(content);
        using var buffer = new MemoryStream();
        // Never read past the limit: one byte more is enough for the worker to refuse the file.
        var limit = options.MaxFileBytes + 1;
        var chunk = new byte[81920];
        int read;
        while (buffer.Length < limit && (read = await content.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        var info = await session.UploadAsync(path, bytes, cancellationToken).ConfigureAwait(false);
        lock (_uploads)
        {
            _uploads.RemoveAll(u => u.Info.Path == info.Path);
            _uploads.Add((info, bytes));
        }

        return info;
    }

    /// <summary>The uploads to copy into a fresh worker.</summary>
    public IReadOnlyList<(string Path, byte[] Content)> Replay()
    {
        lock (_uploads)
        {
            return _uploads.Select(u => (u.Info.Path, u.Content)).ToList();
        }
    }

    /// <summary>Takes in an execution's artifacts; <paramref name="currentPaths"/> are all those that still exist.</summary>
    public void Mirror(IReadOnlyList<Artifact> changed, IReadOnlyCollection<string> currentPaths)
    {
        foreach (var artifact in changed)
        {
            _artifacts[artifact.Path] = artifact;
        }

        foreach (var path in _artifacts.Keys.Where(p => !currentPaths.Contains(p)).ToList())
        {
            _artifacts.TryRemove(path, out _);
        }
    }

    /// <summary>The worker's files are gone with it.</summary>
    public void ForgetArtifacts() => _artifacts.Clear();
}
