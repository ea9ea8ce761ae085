using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CodeActSdk.Mcp.TestServer;
using CodeActSdk.Tests.Shared;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CodeActSdk.Mcp.Tests;

/// <summary>What one run of a child process did.</summary>
internal sealed record ServerRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Starts the MCP servers under test as child processes, as an MCP host would: <c>dotnet codeact.dll mcp</c> and
/// <c>dotnet CodeActSdk.Mcp.TestServer.dll</c>, both copied next to the tests by the project references.
/// </summary>
internal static class ServerProcess
{
    /// <summary>The codeact.dll copied next to the tests (it has no public type to find it by).</summary>
    public static string CodeActDll { get; } = NextToTests("codeact.dll");

    /// <summary>The test server's dll, copied next to the tests.</summary>
    public static string TestServerDll { get; } = typeof(TestServerTools).Assembly.Location;

    /// <summary>Connects an MCP client to <c>codeact mcp</c> with <paramref name="options"/>; its stderr lines go to <paramref name="stderr"/>.</summary>
    public static Task<McpClient> StartCodeActMcpAsync(IReadOnlyList<string> options, Action<string>? stderr = null) =>
        ConnectAsync("codeact", [CodeActDll, "mcp", .. options], stderr);

    /// <summary>Connects an MCP client to the test server, started with <paramref name="flags"/>.</summary>
    public static Task<McpClient> StartTestServerAsync(params string[] flags) =>
        ConnectAsync(TestServerTools.ServerName, [TestServerDll, .. flags], stderr: null);

    /// <summary>Runs <c>dotnet codeact.dll ARGS</c> with standard input closed at once, and waits for it to exit.</summary>
    public static async Task<ServerRun> RunCodeActAsync(params string[] args)
    {
        var start = new ProcessStartInfo(TestEnvironment.DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(CodeActDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Close();

        // A safety net so that a hung child fails the test instead of the whole run; not a timing assertion.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"codeact {string.Join(' ', args)} did not exit within a minute of its standard input closing.");
        }

        return new ServerRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The one text block of a tool result.</summary>
    public static string Text(CallToolResult result) => result.Content.OfType<TextContentBlock>().Single().Text;

    /// <summary>The structured content of a tool result, which must be there.</summary>
    public static JsonElement Structured(CallToolResult result)
    {
        result.StructuredContent.Should().NotBeNull("the result is {0}", result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text);
        return result.StructuredContent!.Value;
    }

    private static Task<McpClient> ConnectAsync(string name, IReadOnlyList<string> arguments, Action<string>? stderr) =>
        McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = TestEnvironment.DotnetHost(),
            Arguments = [.. arguments],
            Name = name,
            StandardErrorLines = stderr,
        }));

    private static string NextToTests(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{file} is not next to the tests; the project reference should copy it.", path);
    }
}
