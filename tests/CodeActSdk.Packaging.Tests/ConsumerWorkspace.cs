using System.Security;
using System.Text;
using System.Xml.Linq;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Packaging.Tests;

/// <summary>
/// A folder outside the repository with console applications that reference packages by id and version, as a user's
/// would: CodeActSdk packages at the packed version, other packages at the version the repository builds with
/// (its Directory.Packages.props) or, when it names none, the newest (as <c>dotnet add package</c> takes).
/// </summary>
internal sealed class ConsumerWorkspace
{
    private readonly PackedPackages _packages;
    private readonly Dictionary<string, string> _repositoryVersions;
    private readonly List<string> _projects = [];

    public ConsumerWorkspace(PackedPackages packages, string name)
    {
        _packages = packages;
        Folder = Directory.CreateDirectory(Path.Combine(packages.Scratch, name)).FullName;
        packages.WriteNuGetConfig(Folder);
        _repositoryVersions = RepositoryVersions();
    }

    /// <summary>The workspace's folder.</summary>
    public string Folder { get; }

    /// <summary>Writes the project <paramref name="name"/>: a console application with <paramref name="program"/> as its Program.cs.</summary>
    /// <returns>The project's folder.</returns>
    public string AddApplication(string name, IEnumerable<string> packages, string program, string extraProperties = "")
    {
        var folder = Directory.CreateDirectory(Path.Combine(Folder, name)).FullName;
        var references = string.Join("\n", packages.Select(id => $"""    <PackageReference Include="{SecurityElement.Escape(id)}" Version="{SecurityElement.Escape(VersionOf(id))}" />"""));
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- This machine's registry is a partial mirror: an exact lower bound is sometimes missing and the next version restores (NU1603). -->
                <NoWarn>$(NoWarn);NU1603</NoWarn>{extraProperties}
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), program);
        _projects.Add(Path.Combine(name, name + ".csproj"));
        return folder;
    }

    /// <summary>Builds every application in one run (a failing project does not stop the others).</summary>
    public async Task<CommandResult> BuildAllAsync()
    {
        var solution = new XElement("Solution", _projects.Select(p => new XElement("Project", new XAttribute("Path", p))));
        solution.Save(Path.Combine(Folder, "consumers.slnx"));
        return await Command.DotnetAsync(Folder, "build", "consumers.slnx", "--configuration", "Release");
    }

    /// <summary>Runs the built application <paramref name="name"/> in its folder.</summary>
    public Task<CommandResult> RunAsync(string name) =>
        Command.DotnetAsync(Path.Combine(Folder, name), Path.Combine(Folder, name, "bin", "Release", "net10.0", name + ".dll"));

    /// <summary>Whether the application <paramref name="name"/> was built.</summary>
    public bool WasBuilt(string name) => File.Exists(Path.Combine(Folder, name, "bin", "Release", "net10.0", name + ".dll"));

    /// <summary>The lines of a build's output that concern the project <paramref name="name"/>.</summary>
    public static string LinesAbout(CommandResult build, string name)
    {
        var lines = build.Output.Split('\n').Where(line => line.Contains($"/{name}/", StringComparison.Ordinal) || line.Contains($"{name}.csproj", StringComparison.Ordinal));
        var text = new StringBuilder();
        foreach (var line in lines.Distinct().Take(40))
        {
            text.AppendLine(line.TrimEnd());
        }

        return text.Length > 0 ? text.ToString() : build.Output;
    }

    private string VersionOf(string id) =>
        id.StartsWith("CodeActSdk", StringComparison.Ordinal) ? _packages.Version
        : _repositoryVersions.TryGetValue(id, out var version) ? version
        : "*";

    private static Dictionary<string, string> RepositoryVersions()
    {
        var document = XDocument.Load(Path.Combine(TestEnvironment.RepositoryRoot(), "Directory.Packages.props"));
        var properties = document.Descendants("PropertyGroup").Elements().ToDictionary(e => e.Name.LocalName, e => e.Value);
        return document.Descendants("PackageVersion").ToDictionary(
            e => (string)e.Attribute("Include")!,
            e => properties.Aggregate((string)e.Attribute("Version")!, (version, p) => version.Replace($"$({p.Key})", p.Value, StringComparison.Ordinal)),
            StringComparer.OrdinalIgnoreCase);
    }
}
