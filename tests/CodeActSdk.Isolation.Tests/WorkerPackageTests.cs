using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Isolation.Tests;

/// <summary>
/// An application that references the CodeActSdk.Worker package gets a worker it can start: NuGet copies only the
/// assembly from lib/, so the package must bring the worker's runtimeconfig.json along through its build file.
/// </summary>
public sealed class WorkerPackageTests
{
    [Test]
    public async Task The_worker_package_copies_its_runtimeconfig_next_to_the_application()
    {
        var output = Directory.CreateTempSubdirectory("codeact-worker-package-").FullName;
        try
        {
            // Packs what the test run has already built, in the test's own configuration.
            await PackAsync(output);
            using var package = ZipFile.OpenRead(Directory.GetFiles(output, "CodeActSdk.Worker.*.nupkg").Single());
            var entries = package.Entries.Select(e => e.FullName).ToList();

            entries.Should().Contain("lib/net10.0/CodeActSdk.Worker.dll").And.Contain("lib/net10.0/CodeActSdk.Worker.runtimeconfig.json");
            foreach (var folder in new[] { "build", "buildTransitive" })
            {
                var entry = package.GetEntry($"{folder}/CodeActSdk.Worker.targets");
                entry.Should().NotBeNull($"{folder}/ must carry the build file, named after the package so that NuGet imports it");
                await using var stream = entry!.Open();
                var copied = XDocument.Load(stream).Descendants("None").Single();
                // The build file sits in build/ (or buildTransitive/), so ../lib/ is the package's lib folder.
                copied.Attribute("Include")!.Value.Should().Be("$(MSBuildThisFileDirectory)../lib/net10.0/CodeActSdk.Worker.runtimeconfig.json");
                copied.Attribute("Link")!.Value.Should().Be("CodeActSdk.Worker.runtimeconfig.json");
                copied.Attribute("CopyToOutputDirectory")!.Value.Should().Be("PreserveNewest");
                copied.Attribute("CopyToPublishDirectory")!.Value.Should().Be("PreserveNewest");
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task PackAsync(string output)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var project = Path.Combine(TestEnvironment.RepositoryRoot(), "src", "CodeActSdk.Worker", "CodeActSdk.Worker.csproj");
        var start = new ProcessStartInfo("dotnet", ["pack", project, "--no-build", "--configuration", configuration, "--output", output, "--nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var pack = Process.Start(start)!;
        var stdout = pack.StandardOutput.ReadToEndAsync();
        var stderr = pack.StandardError.ReadToEndAsync();
        await pack.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        pack.ExitCode.Should().Be(0, $"dotnet pack must succeed: {await stdout}{await stderr}");
    }
}
