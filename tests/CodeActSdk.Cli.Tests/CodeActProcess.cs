using System.Diagnostics;
using System.Text;
using CodeActSdk.Cli.SampleTools;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Cli.Tests;

/// <summary>What one run of the CLI did, as a user sees it.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the built <c>codeact.dll</c> as a child process: <c>dotnet codeact.dll ARGS</c>.</summary>
internal static class CodeActProcess
{
    /// <summary>The model endpoint variables; removed from every child's environment unless a test sets them.</summary>
    private static readonly string[] EndpointVariables = ["OPENAI_BASE_URL", "OPENAI_API_KEY", "CODEACT_MODEL"];

    /// <summary>The codeact.dll copied next to the tests by the project reference (the same file this process loaded).</summary>
    public static string CodeActDll { get; } = typeof(OrderData).Assembly.Location;

    /// <summary>The repository root, found from the test output folder.</summary>
    public static string RepositoryRoot { get; } = TestEnvironment.RepositoryRoot();

    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    public static async Task<CliRun> RunAsync(IReadOnlyList<string> args, string? stdin, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(TestEnvironment.DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(CodeActDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in EndpointVariables)
        {
            start.Environment.Remove(name);
        }

        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();

        // A safety net so that a hung child fails the test instead of the whole run; not a timing assertion.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"codeact {string.Join(' ', args)} did not exit within 2 minutes.");
        }

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
