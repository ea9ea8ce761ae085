using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Mcp.Tests;

/// <summary>
/// <c>codeact mcp --http</c> driven over Streamable HTTP by the official MCP TypeScript SDK client
/// (<c>StreamableHTTPClientTransport</c> with the token in its <c>requestInit</c>). Each case runs one scenario of
/// tests/fixtures/mcp-client/http-scenarios.mjs, which starts the server on 127.0.0.1 with a free port and the tokens
/// alice and bob, asserts with node:assert and exits 0 when every check held. The command line's refusals are checked
/// here directly.
/// </summary>
[NonParallelizable]
public sealed class TypeScriptHttpClientTests
{
    [TestCase("http-keeps-state-across-calls", "")]
    [TestCase("http-refuses-missing-and-wrong-tokens", "")]
    [TestCase("http-sessions-belong-to-their-token", "")]
    [TestCase("http-refuses-an-oversized-request", "--max-request-kb 64")]
    [TestCase("http-progress-arrives", "--max-operations 2000000000")]
    public Task The_typescript_sdk_client_sees_the_http_server_behave(string scenario, string options) =>
        TypeScriptClientTests.RunScenarioAsync("http-scenarios.mjs", scenario, options);

    [TestCase("0.0.0.0:8080", "Refusing to serve on 0.0.0.0:8080 without bearer tokens: anyone who can reach that address could run code")]
    [TestCase("[::]:0", "Refusing to serve on :::0 without bearer tokens")]
    [TestCase("127.0.0.1", "--http '127.0.0.1' has no port")]
    [TestCase("127.0.0.1:99999", "the port '99999' is not a number from 0 to 65535")]
    [TestCase("example.com:80", "'example.com' is not an IP address")]
    [TestCase("https://127.0.0.1:8443", "HTTPS is not served directly")]
    public async Task A_bad_http_address_is_a_usage_error_that_says_why(string address, string message)
    {
        var run = await ServerProcess.RunCodeActAsync("mcp", "--http", address);

        run.ExitCode.Should().Be(2, run.ToString());
        run.Stderr.Should().Contain(message).And.NotContain("   at ", "a usage error is one line, never a stack trace");
        run.Stdout.Should().BeEmpty();
    }

    [Test]
    public async Task Bad_tokens_and_http_options_without_http_are_usage_errors()
    {
        var file = Path.Combine(Path.GetTempPath(), $"codeact-tokens-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "# the team's tokens\nalice=too-short\n");
        try
        {
            var shortToken = await ServerProcess.RunCodeActAsync("mcp", "--http", "127.0.0.1:0", "--tokens-file", file);
            shortToken.ExitCode.Should().Be(2, shortToken.ToString());
            shortToken.Stderr.Should().Contain($"A token of {Path.GetFileName(file)} ('alice') is 9 characters long: tokens must be at least 16 characters");

            await File.WriteAllTextAsync(file, "alice=0123456789abcdef0123\nalice=fedcba98765432100123\n");
            var twice = await ServerProcess.RunCodeActAsync("mcp", "--http", "127.0.0.1:0", "--tokens-file", file);
            twice.ExitCode.Should().Be(2, twice.ToString());
            twice.Stderr.Should().Contain("The token name 'alice'").And.Contain("is used twice");

            var withoutHttp = await ServerProcess.RunCodeActAsync("mcp", "--tokens-file", file);
            withoutHttp.ExitCode.Should().Be(2, withoutHttp.ToString());
            withoutHttp.Stderr.Should().Contain("--tokens-file and --max-request-kb apply to --http only");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task Without_tokens_a_loopback_server_serves_local_programs_but_not_web_pages()
    {
        var start = new ProcessStartInfo(TestEnvironment.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.Environment.Remove("CODEACT_MCP_TOKENS");
        foreach (var arg in new[] { ServerProcess.CodeActDll, "mcp", "--http", "127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        try
        {
            // A safety net, not a timing assertion: the server prints its endpoint once it listens.
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            string? line;
            Match endpoint;
            do
            {
                line = await process.StandardError.ReadLineAsync(guard.Token);
                line.Should().NotBeNull("the server prints its endpoint on stderr before anything else ends");
                endpoint = Regex.Match(line!, @"at (http://\S+) \(no tokens: loopback only\)");
            }
            while (!endpoint.Success);

            using var http = new HttpClient();
            const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
            HttpRequestMessage Request(string? origin)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Groups[1].Value) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
                request.Headers.Accept.ParseAdd("application/json");
                request.Headers.Accept.ParseAdd("text/event-stream");
                if (origin is not null)
                {
                    request.Headers.Add("Origin", origin);
                }

                return request;
            }

            using var local = await http.SendAsync(Request(origin: null), guard.Token);
            local.StatusCode.Should().Be(HttpStatusCode.OK, "a local program needs no token");
            (await local.Content.ReadAsStringAsync(guard.Token)).Should().Contain("\"serverInfo\"");

            using var page = await http.SendAsync(Request("https://evil.example"), guard.Token);
            page.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await page.Content.ReadAsStringAsync(guard.Token)).Should().Contain("Requests from the web origin 'https://evil.example' are refused");

            using var localPage = await http.SendAsync(Request("http://localhost:3000"), guard.Token);
            localPage.StatusCode.Should().Be(HttpStatusCode.OK, "a page served from this machine is a local program");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
