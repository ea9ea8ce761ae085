using System.IO.Compression;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Packaging.Tests;

/// <summary>
/// The <c>codeact</c> tool is one RID-specific package (linux-x64, framework-dependent) behind a pointer package: it
/// carries that platform's native V8 and SQLite and no other platform's. Packing it publishes for the RID, so it is
/// packed from a copy of the working tree (the other test assemblies keep running on this checkout's build), installed
/// with <c>dotnet tool install</c> and run.
/// </summary>
[TestFixture]
public sealed class ToolPackageTests
{
    private string _tools = "";
    private string _packages = "";
    private CommandResult _pack = null!;

    [OneTimeSetUp]
    public async Task PackAsync()
    {
        var packed = PackedPackages.Current;
        var copy = Path.Combine(packed.Scratch, "repository");
        await CopyWorkingTreeAsync(TestEnvironment.RepositoryRoot(), copy);
        _packages = Directory.CreateDirectory(Path.Combine(packed.Scratch, "tool-packages")).FullName;
        _tools = Path.Combine(packed.Scratch, "tools");
        _pack = await Command.DotnetAsync(copy, "pack", "src/CodeActSdk.Cli", "--configuration", "Release", "--output", _packages, $"-p:PackageVersion={packed.Version}");
    }

    [Test]
    public void The_tool_is_a_pointer_package_and_one_linux_x64_package_without_other_platforms_natives()
    {
        _pack.Succeeded.Should().BeTrue(_pack.Output);
        var version = PackedPackages.Current.Version;
        Directory.GetFiles(_packages, "*.nupkg").Select(Path.GetFileName).Should().BeEquivalentTo(
            $"CodeActSdk.Cli.{version}.nupkg", $"CodeActSdk.Cli.linux-x64.{version}.nupkg");

        using var tool = ZipFile.OpenRead(Path.Combine(_packages, $"CodeActSdk.Cli.linux-x64.{version}.nupkg"));
        var files = tool.Entries.Select(e => e.FullName).ToList();
        files.Should().NotContain(f => f.Contains("/runtimes/", StringComparison.Ordinal), "a RID-specific tool has its natives next to it, for its platform only");
        files.Should().Contain("tools/net10.0/linux-x64/libe_sqlite3.so").And.Contain("tools/net10.0/linux-x64/ClearScriptV8.linux-x64.so");
        files.Should().Contain("tools/net10.0/linux-x64/CodeActSdk.Worker.dll");
        TestContext.Out.WriteLine($"CodeActSdk.Cli.linux-x64: {new FileInfo(Path.Combine(_packages, $"CodeActSdk.Cli.linux-x64.{version}.nupkg")).Length:#,0} bytes");
    }

    [TestCase("jint", "[1, 2, 3].reduce((a, b) => a + b)", "inprocess")]
    [TestCase("v8", "[1, 2, 3].reduce((a, b) => a + b)", "inprocess")]
    [TestCase("csharp", "new[] { 1, 2, 3 }.Sum()", "process")]
    public async Task The_installed_tool_runs_code(string backend, string code, string isolation)
    {
        _pack.Succeeded.Should().BeTrue(_pack.Output);
        await InstallOnceAsync();
        var file = Path.Combine(PackedPackages.Current.Scratch, $"code-{backend}.txt");
        await File.WriteAllTextAsync(file, code);

        var run = await Command.RunAsync(Path.Combine(_tools, "codeact"), PackedPackages.Current.Scratch, "exec", "--backend", backend, "--isolation", isolation, "--file", file);

        run.ExitCode.Should().Be(0, run.Output);
        run.Output.Should().Contain("\"ok\":true").And.Contain("\"value\":6");
    }

    private async Task InstallOnceAsync()
    {
        if (File.Exists(Path.Combine(_tools, "codeact")))
        {
            return;
        }

        var install = await Command.DotnetAsync(PackedPackages.Current.Scratch, "tool", "install", "CodeActSdk.Cli", "--tool-path", _tools, "--add-source", _packages, "--version", PackedPackages.Current.Version);
        install.Succeeded.Should().BeTrue(install.Output);
    }

    private static async Task CopyWorkingTreeAsync(string root, string destination)
    {
        var list = await Command.RunAsync("git", root, "ls-files", "--cached", "--others", "--exclude-standard", "-z");
        list.Succeeded.Should().BeTrue($"the tool is packed from a copy of the git working tree: {list.Output}");
        foreach (var relative in list.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = Path.Combine(root, relative);
            if (File.Exists(source))
            {
                var target = Path.Combine(destination, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target);
            }
        }
    }
}
