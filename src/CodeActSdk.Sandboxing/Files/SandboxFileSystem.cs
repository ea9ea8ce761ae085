using System.Text;

namespace CodeActSdk.Files;

/// <summary>
/// The virtual file system of one session (see <see cref="FileSystemOptions"/>): an in-memory scratch area plus the
/// host folders mounted into it. Backends call the operations below on the code's behalf; every path is normalised
/// and confined first (<see cref="SandboxPath"/>), links are followed only while they stay inside their mount, and
/// only regular files and folders are ever opened. Failures are <see cref="SandboxFileException"/>s whose messages are
/// for the code and never name a host path.
/// </summary>
/// <remarks>Thread-safe: one lock guards the scratch area, so the host may add files while the code runs.</remarks>
public sealed class SandboxFileSystem : ISessionFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Lock _gate = new();
    private readonly FileSystemOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, MountRoot> _mounts = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, ScratchFile> _scratch = new(StringComparer.Ordinal);
    private readonly List<SandboxFileInfo> _uploads = [];
    private readonly HashSet<string> _changedArtifacts = new(StringComparer.Ordinal);
    private long _scratchBytes;

    /// <summary>Creates the file system of a new session.</summary>
    /// <param name="options">The quotas and mounts.</param>
    /// <param name="time">The clock for modification times; the system clock by default.</param>
    /// <exception cref="ArgumentException">The options are invalid, or a mount's host folder does not exist.</exception>
    public SandboxFileSystem(FileSystemOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _time = time ?? TimeProvider.System;
        foreach (var mount in options.Mounts)
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mount.HostPath));
            if (!Directory.Exists(full))
            {
                throw new ArgumentException($"The host folder of mount '{mount.Name}' does not exist: {full}", nameof(options));
            }

            var root = HostFiles.RealPath(full) ?? throw new ArgumentException($"The host folder of mount '{mount.Name}' goes through a loop of links: {full}", nameof(options));
            _mounts.Add(mount.Name, new MountRoot(mount, root));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<FileMount> Mounts => _options.Mounts;

    /// <inheritdoc/>
    public IReadOnlyList<SandboxFileInfo> Uploads
    {
        get
        {
            lock (_gate)
            {
                return [.. _uploads];
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<Artifact> Artifacts
    {
        get
        {
            lock (_gate)
            {
                return [.. _scratch.Where(f => IsArtifact(f.Key)).Select(f => ToArtifact(f.Key, f.Value))];
            }
        }
    }

    /// <summary>The quotas and mounts this file system was made with.</summary>
    public FileSystemOptions Options => _options;

    /// <inheritdoc/>
    public async Task<SandboxFileInfo> AddAsync(string path, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var normalized = SandboxPath.Normalize(path);
        var (first, _) = SandboxPath.Split(normalized);
        if (_mounts.ContainsKey(first) || first == FileSystemOptions.ArtifactFolder || normalized.Length == 0)
        {
            throw new SandboxFileException($"Files can be added only to the scratch area, not to '{SandboxPath.Show(normalized)}' (a mount, or the code's out/ folder).");
        }

        var bytes = await ReadBoundedAsync(content, normalized, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var info = WriteScratch(normalized, bytes);
            _uploads.RemoveAll(u => u.Path == normalized);
            _uploads.Add(info);
            return info;
        }
    }

    /// <summary>Reads a file as UTF-8 text (a byte-order mark is dropped).</summary>
    /// <exception cref="SandboxFileException">The path is refused, the file is missing or too large, or it is not UTF-8 text.</exception>
    public string ReadText(string path)
    {
        var bytes = ReadBytes(path);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            var at = e.Index >= 0 ? $" (an invalid byte at offset {e.Index + start:N0})" : "";
            throw new SandboxFileException($"'{SandboxPath.Show(SandboxPath.Normalize(path))}' is not UTF-8 text{at}; read it as bytes instead.");
        }
    }

    /// <summary>Reads a file's bytes.</summary>
    /// <exception cref="SandboxFileException">The path is refused, or the file is missing, not a regular file, or too large.</exception>
    public byte[] ReadBytes(string path)
    {
        var normalized = SandboxPath.Normalize(path);
        if (Mount(normalized) is { } mounted)
        {
            var (mount, relative) = mounted;
            var host = mount.Resolve(relative, normalized);
            RequireKind(host, normalized, HostFileKind.RegularFile);
            return Host(normalized, "read", () =>
            {
                var length = new FileInfo(host).Length;
                RequireSize(normalized, length);
                return File.ReadAllBytes(host);
            });
        }

        lock (_gate)
        {
            if (_scratch.TryGetValue(normalized, out var file))
            {
                return file.Content.ToArray();
            }

            throw IsScratchFolder(normalized)
                ? new SandboxFileException($"'{SandboxPath.Show(normalized)}' is a folder; list it to see its files.")
                : Missing(normalized);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8, replacing the file.</summary>
    /// <exception cref="SandboxFileException">The path is refused, the mount is read-only, or a quota would be exceeded.</exception>
    public SandboxFileInfo WriteText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WriteBytes(path, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Writes <paramref name="content"/>, replacing the file; missing folders are created.</summary>
    /// <exception cref="SandboxFileException">The path is refused, the mount is read-only, or a quota would be exceeded.</exception>
    public SandboxFileInfo WriteBytes(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var normalized = SandboxPath.Normalize(path);
        RequireSize(normalized, content.Length);
        if (Mount(normalized) is { } mounted)
        {
            return WriteMount(mounted.Mount, mounted.Relative, normalized, content);
        }

        lock (_gate)
        {
            return WriteScratch(normalized, content);
        }
    }

    /// <summary>Deletes a file. Returns whether there was one.</summary>
    /// <exception cref="SandboxFileException">The path is refused or is a folder, or the mount is read-only.</exception>
    public bool Delete(string path)
    {
        var normalized = SandboxPath.Normalize(path);
        if (Mount(normalized) is { } mounted)
        {
            var (mount, relative) = mounted;
            RequireWritable(mount, normalized);
            var host = mount.Resolve(relative, normalized);
            switch (HostFiles.KindOf(host))
            {
                case HostFileKind.Missing:
                    return false;
                case HostFileKind.RegularFile:
                    Host(normalized, "delete", () => File.Delete(host));
                    return true;
                default:
                    throw new SandboxFileException($"'{SandboxPath.Show(normalized)}' is not a file; only files can be deleted.");
            }
        }

        lock (_gate)
        {
            if (_scratch.Remove(normalized, out var file))
            {
                _scratchBytes -= file.Content.Length;
                NoteChange(normalized);
                return true;
            }

            return IsScratchFolder(normalized)
                ? throw new SandboxFileException($"'{SandboxPath.Show(normalized)}' is a folder; only files can be deleted.")
                : false;
        }
    }

    /// <summary>Whether a file or folder exists at <paramref name="path"/>.</summary>
    /// <exception cref="SandboxFileException">The path is refused.</exception>
    public bool Exists(string path)
    {
        var normalized = SandboxPath.Normalize(path);
        if (Mount(normalized) is { } mounted)
        {
            var kind = HostFiles.KindOf(mounted.Mount.Resolve(mounted.Relative, normalized));
            return kind is HostFileKind.RegularFile or HostFileKind.Directory;
        }

        lock (_gate)
        {
            return _scratch.ContainsKey(normalized) || IsScratchFolder(normalized);
        }
    }

    /// <summary>Describes the file or folder at <paramref name="path"/>.</summary>
    /// <exception cref="SandboxFileException">The path is refused, or nothing is there.</exception>
    public SandboxFileInfo Stat(string path)
    {
        var normalized = SandboxPath.Normalize(path);
        if (Mount(normalized) is { } mounted)
        {
            var host = mounted.Mount.Resolve(mounted.Relative, normalized);
            return HostFiles.KindOf(host) switch
            {
                HostFileKind.RegularFile => Host(normalized, "stat", () => mounted.Mount.Describe(normalized, host, isDirectory: false)),
                HostFileKind.Directory => Host(normalized, "stat", () => mounted.Mount.Describe(normalized, host, isDirectory: true)),
                HostFileKind.Special => throw NotRegular(normalized),
                _ => throw Missing(normalized),
            };
        }

        lock (_gate)
        {
            if (_scratch.TryGetValue(normalized, out var file))
            {
                return new SandboxFileInfo(normalized, file.Content.Length, false, false, file.Modified);
            }

            return IsScratchFolder(normalized) ? ScratchFolder(normalized) : throw Missing(normalized);
        }
    }

    /// <summary>The files and folders directly inside the folder at <paramref name="path"/> (the root by default), by name.</summary>
    /// <exception cref="SandboxFileException">The path is refused, or is not a folder.</exception>
    public IReadOnlyList<SandboxFileInfo> List(string path = "")
    {
        var normalized = SandboxPath.Normalize(path);
        if (Mount(normalized) is { } mounted)
        {
            var host = mounted.Mount.Resolve(mounted.Relative, normalized);
            RequireKind(host, normalized, HostFileKind.Directory);
            return Host(normalized, "list", () => mounted.Mount.List(normalized, host));
        }

        lock (_gate)
        {
            if (!IsScratchFolder(normalized))
            {
                throw _scratch.ContainsKey(normalized)
                    ? new SandboxFileException($"'{SandboxPath.Show(normalized)}' is a file, not a folder.")
                    : Missing(normalized);
            }

            var entries = new SortedDictionary<string, SandboxFileInfo>(StringComparer.Ordinal);
            if (normalized.Length == 0)
            {
                foreach (var mount in _mounts.Values)
                {
                    entries[mount.Mount.Name] = new SandboxFileInfo(mount.Mount.Name, 0, true, mount.Mount.Access == MountAccess.ReadOnly, DateTimeOffset.MinValue);
                }

                entries[FileSystemOptions.ArtifactFolder] = ScratchFolder(FileSystemOptions.ArtifactFolder);
            }

            var prefix = normalized.Length == 0 ? "" : normalized + "/";
            foreach (var (filePath, file) in _scratch)
            {
                if (!filePath.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var (name, rest) = SandboxPath.Split(filePath[prefix.Length..]);
                var child = prefix + name;
                entries[name] = rest.Length == 0 ? new SandboxFileInfo(child, file.Content.Length, false, false, file.Modified) : ScratchFolder(child);
            }

            return [.. entries.Values];
        }
    }

    /// <summary>
    /// The artifacts written or deleted since the last call (that is, during the execution that just ended), as they
    /// are now; deleted ones are left out. Backends call this once at the end of each execution.
    /// </summary>
    public IReadOnlyList<Artifact> TakeChangedArtifacts()
    {
        lock (_gate)
        {
            if (_changedArtifacts.Count == 0)
            {
                return [];
            }

            var changed = _changedArtifacts.Order(StringComparer.Ordinal)
                .Where(_scratch.ContainsKey)
                .Select(p => ToArtifact(p, _scratch[p]))
                .ToArray();
            _changedArtifacts.Clear();
            return changed;
        }
    }

    /// <summary>The media type hosts should serve a file of this name with.</summary>
    public static string MediaTypeOf(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".vl.json", StringComparison.Ordinal))
        {
            return "application/vnd.vegalite.v5+json";
        }

        return Path.GetExtension(name) switch
        {
            ".csv" => "text/csv",
            ".json" => "application/json",
            ".txt" or ".log" => "text/plain",
            ".md" => "text/markdown",
            ".html" or ".htm" => "text/html",
            ".svg" => "image/svg+xml",
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            _ => "application/octet-stream",
        };
    }

    private static bool IsArtifact(string path) => path.StartsWith(FileSystemOptions.ArtifactFolder + "/", StringComparison.Ordinal);

    private static Artifact ToArtifact(string path, ScratchFile file) => new(path, MediaTypeOf(path), file.Content);

    private (MountRoot Mount, string Relative)? Mount(string normalized)
    {
        var (first, rest) = SandboxPath.Split(normalized);
        return _mounts.TryGetValue(first, out var mount) ? (mount, rest) : null;
    }

    private SandboxFileInfo WriteScratch(string path, byte[] content)
    {
        var shown = SandboxPath.Show(path);
        if (path.Length == 0 || path == FileSystemOptions.ArtifactFolder || IsScratchFolder(path))
        {
            throw new SandboxFileException($"'{shown}' is a folder; write to a file inside it, for example '{SandboxPath.Join(path, "result.txt")}'.");
        }

        for (var parent = SandboxPath.Parent(path); parent.Length > 0; parent = SandboxPath.Parent(parent))
        {
            if (_scratch.ContainsKey(parent))
            {
                throw new SandboxFileException($"'{SandboxPath.Show(parent)}' is a file, so '{shown}' cannot be inside it.");
            }
        }

        var old = _scratch.TryGetValue(path, out var existing) ? existing.Content.Length : 0;
        if (_scratchBytes - old + content.Length > _options.ScratchQuotaBytes)
        {
            throw new SandboxFileException($"Writing '{shown}' ({content.Length:N0} bytes) would take the scratch area past its quota of {_options.ScratchQuotaBytes:N0} bytes ({_scratchBytes:N0} used). Delete files you no longer need.");
        }

        if (existing is null && _scratch.Count >= _options.MaxScratchFiles)
        {
            throw new SandboxFileException($"The scratch area holds at most {_options.MaxScratchFiles:N0} files. Delete files you no longer need.");
        }

        var file = new ScratchFile(content.ToArray(), _time.GetUtcNow());
        _scratch[path] = file;
        _scratchBytes += content.Length - old;
        NoteChange(path);
        return new SandboxFileInfo(path, content.Length, false, false, file.Modified);
    }

    private static SandboxFileInfo WriteMount(MountRoot mount, string relative, string normalized, byte[] content)
    {
        RequireWritable(mount, normalized);
        if (relative.Length == 0)
        {
            throw new SandboxFileException($"'{normalized}' is a mounted folder; write to a file inside it.");
        }

        var host = mount.Resolve(relative, normalized);
        var kind = HostFiles.KindOf(host);
        if (kind is HostFileKind.Directory or HostFileKind.Special)
        {
            throw kind == HostFileKind.Directory
                ? new SandboxFileException($"'{SandboxPath.Show(normalized)}' is a folder; write to a file inside it.")
                : NotRegular(normalized);
        }

        return Host(normalized, "write", () =>
        {
            var old = kind == HostFileKind.RegularFile ? new FileInfo(host).Length : 0;
            var used = mount.UsedBytes();
            if (used - old + content.Length > mount.Mount.QuotaBytes)
            {
                throw new SandboxFileException($"Writing '{SandboxPath.Show(normalized)}' ({content.Length:N0} bytes) would take mount '{mount.Mount.Name}' past its quota of {mount.Mount.QuotaBytes:N0} bytes ({used:N0} used).");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(host)!);
            File.WriteAllBytes(host, content);
            return mount.Describe(normalized, host, isDirectory: false);
        });
    }

    private void NoteChange(string path)
    {
        if (IsArtifact(path))
        {
            _changedArtifacts.Add(path);
        }
    }

    private bool IsScratchFolder(string path)
    {
        if (path.Length == 0 || path == FileSystemOptions.ArtifactFolder)
        {
            return true;
        }

        var prefix = path + "/";
        foreach (var key in _scratch.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private SandboxFileInfo ScratchFolder(string path)
    {
        var prefix = path.Length == 0 ? "" : path + "/";
        var modified = _scratch.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(f => f.Value.Modified).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        return new SandboxFileInfo(path, 0, true, false, modified);
    }

    private async Task<byte[]> ReadBoundedAsync(Stream content, string path, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > _options.MaxFileBytes)
            {
                throw new SandboxFileException($"The upload '{SandboxPath.Show(path)}' is larger than the {_options.MaxFileBytes:N0} bytes a file may have (FileSystemOptions.MaxFileBytes); nothing was added.");
            }

            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    private void RequireSize(string path, long length)
    {
        if (length > _options.MaxFileBytes)
        {
            throw new SandboxFileException($"'{SandboxPath.Show(path)}' has {length:N0} bytes, more than the {_options.MaxFileBytes:N0} a file may have in this sandbox. Work with a smaller file.");
        }
    }

    private static void RequireWritable(MountRoot mount, string path)
    {
        if (mount.Mount.Access != MountAccess.ReadWrite)
        {
            throw new SandboxFileException($"'{SandboxPath.Show(path)}' is in the read-only mount '{mount.Mount.Name}'. Write your results under out/ instead.");
        }
    }

    private static void RequireKind(string host, string path, HostFileKind expected)
    {
        var kind = HostFiles.KindOf(host);
        if (kind == expected)
        {
            return;
        }

        throw kind switch
        {
            HostFileKind.Missing => Missing(path),
            HostFileKind.Special => NotRegular(path),
            HostFileKind.Directory => new SandboxFileException($"'{SandboxPath.Show(path)}' is a folder; list it to see its files."),
            _ => new SandboxFileException($"'{SandboxPath.Show(path)}' is a file, not a folder."),
        };
    }

    private static SandboxFileException Missing(string path) =>
        new($"There is no file or folder '{SandboxPath.Show(path)}'. List its folder to see what it holds.");

    private static SandboxFileException NotRegular(string path) =>
        new($"'{SandboxPath.Show(path)}' is a device, pipe or socket, not a regular file; only regular files can be opened.");

    private static void Host(string path, string verb, Action action) => Host<object?>(path, verb, () =>
    {
        action();
        return null;
    });

    /// <summary>Runs a host operation, turning the host's errors into messages that do not name host paths.</summary>
    private static T Host<T>(string path, string verb, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SandboxFileException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e switch
            {
                UnauthorizedAccessException => "the host denied access",
                FileNotFoundException or DirectoryNotFoundException => "it is no longer there",
                _ => "the host reported an I/O error",
            };
            throw new SandboxFileException($"Could not {verb} '{SandboxPath.Show(path)}': {why}.", e);
        }
    }

    private sealed record ScratchFile(byte[] Content, DateTimeOffset Modified);

    /// <summary>A mounted host folder, with its real (link-free) root.</summary>
    private sealed record MountRoot(FileMount Mount, string Root)
    {
        /// <summary>
        /// The real host path of <paramref name="relative"/> inside the mount: every link on the way, and every link
        /// inside a link's target, is resolved, and the result must stay inside the mount; the mount must still exist.
        /// </summary>
        public string Resolve(string relative, string path)
        {
            if (!Directory.Exists(Root))
            {
                throw new SandboxFileException($"The mount '{Mount.Name}' is no longer available: its host folder is gone. Ask the user to provide the files again.");
            }

            var real = HostFiles.RealPath(Path.Join(Root, relative))
                ?? throw new SandboxFileException($"'{SandboxPath.Show(path)}' goes through a loop of links, or too many links.");
            return IsInside(real)
                ? real
                : throw new SandboxFileException($"'{SandboxPath.Show(path)}' goes through a link that leads outside the mount '{Mount.Name}'; such links are refused.");
        }

        /// <summary>Describes a host file or folder whose kind the caller has just read.</summary>
        public SandboxFileInfo Describe(string path, string host, bool isDirectory)
        {
            var info = isDirectory ? (FileSystemInfo)new DirectoryInfo(host) : new FileInfo(host);
            var size = info is FileInfo file ? file.Length : 0;
            return new SandboxFileInfo(path, size, info is DirectoryInfo, Mount.Access == MountAccess.ReadOnly, info.LastWriteTimeUtc);
        }

        public IReadOnlyList<SandboxFileInfo> List(string path, string host)
        {
            var entries = new List<SandboxFileInfo>();
            foreach (var entry in new DirectoryInfo(host).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var child = SandboxPath.Join(path, entry.Name);
                var resolved = entry.LinkTarget is null ? entry.FullName : HostFiles.RealPath(entry.FullName);
                if (resolved is null || !IsInside(resolved))
                {
                    continue; // not reachable, so not shown
                }

                var kind = HostFiles.KindOf(resolved);
                if (kind is HostFileKind.RegularFile or HostFileKind.Directory)
                {
                    entries.Add(Describe(child, resolved, kind == HostFileKind.Directory));
                }
            }

            return entries;
        }

        /// <summary>The bytes of the regular files under the mount, links not followed.</summary>
        public long UsedBytes() => new DirectoryInfo(Root)
            .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Sum(f => f.Length);

        /// <summary>Whether a real (link-free) host path is the mount's root or under it.</summary>
        private bool IsInside(string realPath) =>
            realPath == Root || realPath.StartsWith(Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
