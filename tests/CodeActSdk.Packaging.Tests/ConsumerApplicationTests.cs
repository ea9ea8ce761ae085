using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Packaging.Tests;

/// <summary>
/// Applications outside the repository, restored from the packed packages: the example of every package's README
/// (built as printed, and run unless it needs a model endpoint), and one application that uses every package at once.
/// They are built together, once.
/// </summary>
[TestFixture]
public sealed class ConsumerApplicationTests
{
    private const string AllPackages = "AllPackages";

    private ConsumerWorkspace _workspace = null!;
    private CommandResult _build = null!;
    private readonly Dictionary<string, ReadmeExample> _examples = [];

    public static IEnumerable<string> Packages() =>
        PackedPackages.LibraryProjects().Select(Path.GetFileNameWithoutExtension).Select(id => id!);

    [OneTimeSetUp]
    public async Task BuildAsync()
    {
        var packed = PackedPackages.Current;
        _workspace = new ConsumerWorkspace(packed, "consumers");
        foreach (var id in packed.Ids)
        {
            var example = ReadmeExample.Read(id, Path.Combine(TestEnvironment.RepositoryRoot(), "src", id, "README.md"));
            if (example is not null)
            {
                _examples[id] = example;
                _workspace.AddApplication(ProjectName(id), example.Packages, example.Program);
            }
        }

        var program = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Consumers", AllPackages, "Program.cs"));
        _workspace.AddApplication(AllPackages, packed.Ids, program);
        _build = await _workspace.BuildAllAsync();
    }

    [TestCaseSource(nameof(Packages))]
    public async Task The_readme_example_builds_from_the_packages_and_runs(string package)
    {
        File.Exists(Path.Combine(TestEnvironment.RepositoryRoot(), "src", package, "README.md")).Should().BeTrue($"every package has a README.md in its folder, and {package} has none");
        if (!_examples.TryGetValue(package, out var example))
        {
            Assert.Fail($"{package}'s README has no ```csharp example.");
            return;
        }

        var name = ProjectName(package);
        _workspace.WasBuilt(name).Should().BeTrue($"the example of {package}'s README should build as printed:\n{ConsumerWorkspace.LinesAbout(_build, name)}");
        if (example.CompileOnlyBecause is { } reason)
        {
            Assert.Pass($"Built; not run: {reason}.");
        }

        var run = await _workspace.RunAsync(name);
        run.ExitCode.Should().Be(0, $"the example of {package}'s README should run:\n{run.Output}");
        run.Output.Should().NotBeNullOrWhiteSpace("an example prints what it computed");
        TestContext.Out.WriteLine(run.Output);
    }

    [Test]
    public async Task One_application_uses_every_package_at_once()
    {
        _workspace.WasBuilt(AllPackages).Should().BeTrue($"an application referencing every package should build:\n{ConsumerWorkspace.LinesAbout(_build, AllPackages)}");

        var run = await _workspace.RunAsync(AllPackages);

        run.ExitCode.Should().Be(0, run.Output);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().Contain(
        [
            "jint: 14", "v8: 9", "csharp: 25", "isolation: 42", "mcp: 1024", "sqlite: 121", "semantic-kernel: 10", "agent-framework: 120",
        ]);
    }

    [Test]
    public async Task A_jint_only_application_gets_the_jint_backend_and_its_runtime_and_nothing_else()
    {
        var name = ProjectName("CodeActSdk.Jint");
        _workspace.WasBuilt(name).Should().BeTrue(ConsumerWorkspace.LinesAbout(_build, name));
        var output = Path.Combine(_workspace.Folder, name, "publish");

        var publish = await Command.DotnetAsync(Path.Combine(_workspace.Folder, name), "publish", "--configuration", "Release", "--no-restore", "--output", output);

        publish.Succeeded.Should().BeTrue(publish.Output);
        var assemblies = Directory.GetFiles(output, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        assemblies.Where(a => a!.StartsWith("CodeActSdk.", StringComparison.Ordinal)).Should().BeEquivalentTo(
            ["CodeActSdk.Abstractions.dll", "CodeActSdk.Sandboxing.dll", "CodeActSdk.Jint.dll"],
            "a Jint-only application references neither the agent nor another backend");
        var bytes = Directory.GetFiles(output).Sum(f => new FileInfo(f).Length);
        TestContext.Out.WriteLine($"Jint-only application: {assemblies.Count} assemblies (the application's own included), {bytes:#,0} bytes published: {string.Join(", ", assemblies)}");
    }

    private static string ProjectName(string package) => package.Replace('.', '_') + "_Readme";
}
