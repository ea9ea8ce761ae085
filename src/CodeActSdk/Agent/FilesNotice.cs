using System.Globalization;
using System.Text;

namespace CodeActSdk;

/// <summary>
/// What the model is told about the session's files: the mount table and the uploads with the task, then after each
/// step the artifacts the code wrote and the files the host added meanwhile. Remembers which uploads it has told.
/// </summary>
/// <remarks>Used by one run at a time.</remarks>
internal sealed class FilesNotice(ISessionFiles files)
{
    private readonly HashSet<(string Path, DateTimeOffset Modified)> _told = [];

    /// <summary>
    /// The section appended to a run's task, or null when there are neither mounts nor uploads. Every upload is listed,
    /// also those told in an earlier run of the session: each run starts a new conversation.
    /// </summary>
    public string? ForTask()
    {
        var uploads = files.Uploads;
        _told.UnionWith(uploads.Select(u => (u.Path, u.Modified)));
        if (files.Mounts.Count == 0 && uploads.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder("[files]");
        foreach (var mount in files.Mounts)
        {
            var access = mount.Access == MountAccess.ReadOnly ? "read-only" : $"read-write, at most {Size(mount.QuotaBytes)}";
            text.Append(CultureInfo.InvariantCulture, $"\n- {mount.Name}/: a mounted folder ({access})");
        }

        foreach (var upload in uploads)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {upload.Path}: a file the user added ({Size(upload.Size)})");
        }

        text.Append("\nWrite what the user should receive under out/.");
        return text.ToString();
    }

    /// <summary>The note after a step, or null when nothing changed: artifacts written and files added since the last note.</summary>
    public string? ForStep(IReadOnlyList<ExecutionResult> executions)
    {
        var written = executions.SelectMany(e => e.Artifacts).GroupBy(a => a.Path).Select(g => g.Last()).ToList();
        var uploads = Untold();
        if (written.Count == 0 && uploads.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder("[files]");
        foreach (var artifact in written)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {artifact.Path}: written ({artifact.MediaType}, {Size(artifact.Size)}); the user receives it");
        }

        foreach (var upload in uploads)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {upload.Path}: added by the user just now ({Size(upload.Size)})");
        }

        return text.ToString();
    }

    private List<SandboxFileInfo> Untold() => [.. files.Uploads.Where(u => _told.Add((u.Path, u.Modified)))];

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
    };
}
