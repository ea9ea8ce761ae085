using System.Diagnostics;
using System.Text;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Mcp.Tests;

/// <summary>
/// <c>codeact mcp</c> driven over stdio by the official MCP TypeScript SDK client (<c>@modelcontextprotocol/sdk</c>,
/// pinned in tests/fixtures/mcp-client and installed there by tests/run.sh with <c>npm ci</c>), as MCP hosts built on it
/// drive it. Each case runs one scenario of tests/fixtures/mcp-client/scenarios.mjs, which asserts with node:assert
/// and exits 0 when every check held.
/// </summary>
[NonParallelizable]
public sealed class TypeScriptClientTests
{
    private const string Fixture = "tests/fixtures/mcp-client";

    /// <summary>Lets loops run until their time limit, so that a run lasts as long as the scenario needs.</summary>
    private const string LongLoops = "--max-operations 2000000000";

    [TestCase("failed-code-is-an-error", "")]
    [TestCase("progress-keeps-a-long-run-alive", LongLoops)]
    [TestCase("logging-respects-set-level", "")]
    [TestCase("artifacts-and-uploads", "")]
    [TestCase("sessions-run-in-parallel", LongLoops)]
    [TestCase("a-full-queue-refuses-a-call", LongLoops + " --max-concurrency 1 --max-queue 1")]
    [TestCase("schema-and-validation-agree", "")]
    public Task The_typescript_sdk_client_sees_the_server_behave(string scenario, string options) =>
        RunScenarioAsync("scenarios.mjs", scenario, options);

    /// <summary>Runs one scenario of a script in tests/fixtures/mcp-client against codeact.dll, failing the test unless it ends with "SCENARIO: ok".</summary>
    internal static async Task RunScenarioAsync(string script, string scenario, string options)
    {
        var folder = FixtureFolder();

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[] { script, scenario, TestEnvironment.DotnetHost(), ServerProcess.CodeActDll }
                     .Concat(options.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // A safety net so that a hung scenario fails the test instead of the run; not a timing assertion.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The scenario {scenario} did not finish within 3 minutes.\n{await stderr}");
        }

        var run = new ServerRun(process.ExitCode, await stdout, await stderr);
        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain($"{scenario}: ok");
    }

    /// <summary>tests/fixtures/mcp-client, failing the test with the fix when its packages are not installed.</summary>
    internal static string FixtureFolder()
    {
        var folder = Path.Combine(RepositoryRoot(), Fixture);
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@modelcontextprotocol", "sdk")))
        {
            Assert.Fail($"The MCP TypeScript SDK is not installed in {Fixture}; run `npm ci --prefix {Fixture}` (tests/run.sh does).");
        }

        return folder;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "CodeActSdk.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"CodeActSdk.sln was not found above {AppContext.BaseDirectory}.");
    }
}
