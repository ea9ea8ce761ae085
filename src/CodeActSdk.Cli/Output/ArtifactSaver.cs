using System.Globalization;

namespace CodeActSdk.Cli.Output;

/// <summary>Saves artifacts into the folder given with <c>--out</c>, keeping their paths below <c>out/</c>.</summary>
internal static class ArtifactSaver
{
    /// <summary>Writes each artifact and reports one line per file to <paramref name="report"/>.</summary>
    /// <exception cref="IOException">The folder or a file could not be written.</exception>
    public static async Task SaveAsync(IReadOnlyList<Artifact> artifacts, DirectoryInfo folder, TextWriter report, CancellationToken cancellationToken)
    {
        foreach (var artifact in artifacts)
        {
            // Artifact checks its own path, whatever made it (an isolated worker too): plain names under out/, no "..".
            var relative = artifact.Path[(FileSystemOptions.ArtifactFolder.Length + 1)..];
            var target = Path.Join(folder.FullName, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, artifact.Content, cancellationToken).ConfigureAwait(false);
            await report.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"artifact: {Path.GetRelativePath(Environment.CurrentDirectory, target)} ({artifact.MediaType}, {artifact.Size:N0} bytes)")).ConfigureAwait(false);
        }
    }
}
