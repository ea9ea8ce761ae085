namespace CodeActSdk;

/// <summary>
/// The host's view of a session's virtual file system (configured by <see cref="SandboxOptions.Files"/>): add files
/// for the code to work on, and take the artifacts it wrote. Thread-safe: files may be added while code runs.
/// </summary>
public interface ISessionFiles
{
    /// <summary>The host folders the code can reach.</summary>
    IReadOnlyList<FileMount> Mounts { get; }

    /// <summary>The files the host has added so far, in the order added.</summary>
    IReadOnlyList<SandboxFileInfo> Uploads { get; }

    /// <summary>Every file now under the scratch area's <c>out/</c> folder, by path.</summary>
    IReadOnlyList<Artifact> Artifacts { get; }

    /// <summary>
    /// Copies <paramref name="content"/> into the scratch area at <paramref name="path"/> (replacing a file there), for
    /// the code to read. The stream is read to its end but never past <see cref="FileSystemOptions.MaxFileBytes"/>.
    /// </summary>
    /// <param name="path">A relative path such as <c>sales.csv</c> or <c>in/sales.csv</c>; not under a mount or <c>out/</c>.</param>
    /// <param name="content">The file's content.</param>
    /// <param name="cancellationToken">Stops the copy; nothing is added.</param>
    /// <returns>The file as the code sees it.</returns>
    /// <exception cref="SandboxFileException">The path is invalid, or the file is larger than a file or the scratch quota may be; nothing is added.</exception>
    Task<SandboxFileInfo> AddAsync(string path, Stream content, CancellationToken cancellationToken = default);
}

/// <summary>A file or folder of a session's virtual file system.</summary>
/// <param name="Path">Its path as the code writes it, for example <c>data/sales.csv</c>.</param>
/// <param name="Size">Its size in bytes (0 for a folder).</param>
/// <param name="IsDirectory">Whether it is a folder.</param>
/// <param name="ReadOnly">Whether the code may not change it.</param>
/// <param name="Modified">When it last changed.</param>
public sealed record SandboxFileInfo(string Path, long Size, bool IsDirectory, bool ReadOnly, DateTimeOffset Modified);

/// <summary>A file the code wrote under <c>out/</c>, for the host to offer (a table, a report, a Vega-Lite chart).</summary>
/// <param name="Path">
/// Its path, for example <c>out/chart.vl.json</c>: always under <c>out/</c>, with plain names separated by <c>/</c>, so
/// a host can join it to a folder of its own without checking it again.
/// </param>
/// <param name="MediaType">Its media type, from its extension (<c>application/vnd.vegalite.v5+json</c> for <c>.vl.json</c>).</param>
/// <param name="Content">Its bytes as they were when the artifact was taken.</param>
/// <exception cref="ArgumentException">The path is not a plain relative path under <c>out/</c>.</exception>
public sealed record Artifact(string Path, string MediaType, ReadOnlyMemory<byte> Content)
{
    /// <summary>Its path, for example <c>out/chart.vl.json</c>; checked as the constructor's is.</summary>
    public string Path { get; init => field = CheckPath(value); } = CheckPath(Path);

    /// <summary>Its file name without the folder, for example <c>chart.vl.json</c>.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Its size in bytes.</summary>
    public long Size => Content.Length;

    /// <summary>A read-only stream over the content.</summary>
    public Stream OpenRead() => new MemoryStream(Content.ToArray(), writable: false);

    /// <summary>The content as UTF-8 text.</summary>
    public string ReadText() => System.Text.Encoding.UTF8.GetString(Content.Span);

    // Artifacts may come from another process (an isolated worker) and hosts write them to disk under their path.
    private static string CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var names = path.Split('/');
        var plain = names.Length >= 2
            && names[0] == FileSystemOptions.ArtifactFolder
            && names.All(name => name.Length > 0 && name is not ("." or "..") && !name.Any(c => char.IsControl(c) || c == '\\'));
        return plain
            ? path
            : throw new ArgumentException(
                $"An artifact's path is a relative path under {FileSystemOptions.ArtifactFolder}/ made of plain names separated by '/', for example 'out/chart.vl.json'; '{string.Concat(path.Take(200).Select(c => char.IsControl(c) ? '?' : c))}' is not.",
                nameof(Path));
    }
}

/// <summary>
/// A file operation was refused or failed: a path outside the file system, a quota, a read-only mount, a missing file,
/// text that is not UTF-8. The message is written for the code (it never names host paths).
/// </summary>
public sealed class SandboxFileException : IOException
{
    /// <summary>Creates the exception with a message for the code.</summary>
    public SandboxFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the code and its cause.</summary>
    public SandboxFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
