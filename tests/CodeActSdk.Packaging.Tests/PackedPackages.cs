using System.Xml.Linq;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Packaging.Tests;

/// <summary>
/// Packs every library package of the repository once for all the tests of this assembly, from the Release build the
/// test run already made (<c>--no-build</c>, so nothing the other test assemblies run is rebuilt), under a version
/// of its own. That version exists nowhere else, so an application restored against it gets these packages and no
/// earlier ones from a cache.
/// </summary>
[SetUpFixture]
public sealed class PackedPackages
{
    /// <summary>The command-line tool, packed on its own (it is a RID-specific tool package, see ToolPackageTests).</summary>
    public const string ToolProject = "CodeActSdk.Cli";

    private static PackedPackages? _current;

    /// <summary>The folder the packages were written to.</summary>
    public string Folder { get; private set; } = "";

    /// <summary>The version every package was packed under, for example <c>0.1.0-pack.p3f9a0c12</c>.</summary>
    public string Version { get; private set; } = "";

    /// <summary>A scratch folder outside the repository, deleted after the tests.</summary>
    public string Scratch { get; private set; } = "";

    /// <summary>The package ids packed, one per project under src/ except the tool.</summary>
    public IReadOnlyList<string> Ids { get; private set; } = [];

    /// <summary>The packed packages of this test run.</summary>
    public static PackedPackages Current => _current ?? throw new InvalidOperationException("The packages are packed by the assembly's set-up fixture.");

    /// <summary>The library projects, as src/&lt;Id&gt;/&lt;Id&gt;.csproj paths.</summary>
    public static IEnumerable<string> LibraryProjects() =>
        Directory.GetDirectories(Path.Combine(TestEnvironment.RepositoryRoot(), "src"))
            .Select(folder => Path.Combine(folder, Path.GetFileName(folder) + ".csproj"))
            .Where(File.Exists)
            .Where(project => Path.GetFileNameWithoutExtension(project) != ToolProject)
            .Order(StringComparer.Ordinal);

    [OneTimeSetUp]
    public async Task PackAsync()
    {
        Scratch = Directory.CreateTempSubdirectory("codeact-packaging-").FullName;
        Folder = Directory.CreateDirectory(Path.Combine(Scratch, "packages")).FullName;
        Version = "0.1.0-pack.p" + Guid.NewGuid().ToString("N")[..8];

        // One solution filter over the libraries, so that one MSBuild run packs them all.
        var root = TestEnvironment.RepositoryRoot();
        var projects = LibraryProjects().ToList();
        var filter = Path.Combine(Scratch, "libraries.slnf");
        File.WriteAllText(filter, System.Text.Json.JsonSerializer.Serialize(new
        {
            solution = new { path = Path.Combine(root, "CodeActSdk.sln"), projects = projects.Select(p => Path.GetRelativePath(root, p)).ToArray() },
        }));
        var pack = await Command.DotnetAsync(root, "pack", filter, "--configuration", "Release", "--no-build", "--output", Folder, $"-p:PackageVersion={Version}");
        if (!pack.Succeeded)
        {
            Assert.Fail($"dotnet pack failed:\n{pack.Output}");
        }

        Ids = [.. projects.Select(Path.GetFileNameWithoutExtension).Select(id => id!)];
        _current = this;
    }

    [OneTimeTearDown]
    public void Delete()
    {
        _current = null;
        if (Scratch.Length > 0 && Directory.Exists(Scratch))
        {
            Directory.Delete(Scratch, recursive: true);
        }
    }

    /// <summary>The path of the packed <c>.nupkg</c> (or, with <paramref name="symbols"/>, <c>.snupkg</c>) of <paramref name="id"/>.</summary>
    public string PackagePath(string id, bool symbols = false) => Path.Combine(Folder, $"{id}.{Version}.{(symbols ? "snupkg" : "nupkg")}");

    /// <summary>
    /// A nuget.config for an application outside the repository: these packages first, then the sources the repository
    /// restores from; packages already in this machine's global folder are read from there (a fallback folder), and
    /// what is restored is kept under the scratch folder, so the machine's cache gets none of these test versions.
    /// </summary>
    public string WriteNuGetConfig(string folder)
    {
        var sources = XDocument.Load(Path.Combine(TestEnvironment.RepositoryRoot(), "nuget.config"))
            .Descendants("packageSources").Elements("add")
            .Select(add => (Key: (string?)add.Attribute("key"), Value: (string?)add.Attribute("value")))
            .Where(source => source.Key is not null && source.Value is not null);
        var globalFolder = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var config = new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", Path.Combine(Scratch, "nuget-packages")))),
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "packed"), new XAttribute("value", Folder)),
                sources.Select(source => new XElement("add", new XAttribute("key", source.Key!), new XAttribute("value", source.Value!)))),
            new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", globalFolder))));
        var path = Path.Combine(folder, "nuget.config");
        config.Save(path);
        return path;
    }
}
