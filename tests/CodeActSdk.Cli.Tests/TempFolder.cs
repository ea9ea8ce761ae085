namespace CodeActSdk.Cli.Tests;

/// <summary>A temporary folder for one test, deleted with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("codeact-cli-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
