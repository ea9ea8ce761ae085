using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Cli.Tests;

/// <summary>Runs a sample's built dll as a child process, as a user would run the sample (no model endpoint in its environment).</summary>
internal static class SampleProcess
{
    /// <summary>Runs samples/<paramref name="sample"/>, which the test project builds first.</summary>
    public static async Task<CliRun> RunAsync(string sample)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // …/bin/Release/net10.0/
        var dll = Path.Combine(CodeActProcess.RepositoryRoot, "samples", sample, "bin", configuration, "net10.0", sample + ".dll");
        File.Exists(dll).Should().BeTrue($"the test project builds the sample ({dll})");
        var start = new System.Diagnostics.ProcessStartInfo(TestEnvironment.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = CodeActProcess.RepositoryRoot,
        };
        start.ArgumentList.Add(dll);
        foreach (var name in new[] { "OPENAI_BASE_URL", "OPENAI_API_KEY", "CODEACT_MODEL" })
        {
            start.Environment.Remove(name);
        }

        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // a safety net, not a timing assertion
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{dll} did not exit within 2 minutes.");
        }

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
