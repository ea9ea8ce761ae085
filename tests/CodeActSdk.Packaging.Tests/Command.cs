using System.Diagnostics;
using System.Text;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Packaging.Tests;

/// <summary>The result of one <c>dotnet</c> command: its exit code and everything it printed.</summary>
internal sealed record CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs commands as a user would from a shell: without the MSBuild and test-host variables that the test run itself
/// was started with, which would point a child build at this repository's MSBuild state.
/// </summary>
internal static class Command
{
    /// <summary>Runs <c>dotnet</c> (the host running these tests) with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static Task<CommandResult> DotnetAsync(string workingDirectory, params string[] arguments) =>
        RunAsync(TestEnvironment.DotnetHost(), workingDirectory, arguments);

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static async Task<CommandResult> RunAsync(string file, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var output = new StringBuilder();
        var lockObject = new object();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (lockObject)
                {
                    output.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A guard against a hung build or app, not a measurement: nothing here should take more than a few minutes.
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await process.WaitForExitAsync(hang.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new CommandResult(-1, output + $"\n(stopped: '{file} {string.Join(' ', arguments)}' did not finish within 15 minutes)");
        }

        process.WaitForExit();
        return new CommandResult(process.ExitCode, output.ToString());
    }
}
