using System.CommandLine;
using System.Globalization;
using CodeActSdk.Cli.Http;
using CodeActSdk.Mcp.Server;
using CodeActSdk.V8;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>codeact mcp [--idle-minutes N] [--max-timeout-ms N] [--max-memory-mb N] [--max-concurrency N] [--max-queue N]
/// [--max-code-chars N] [--max-operations N] [--http ADDRESS [--tokens-file PATH] [--max-request-kb N]]</c>: serves the
/// sandboxes as an MCP server over standard input and output, or over Streamable HTTP with <c>--http</c> (tools
/// <c>execute_code</c>, <c>list_sessions</c>, <c>close_session</c>, <c>upload_file</c>; the artifacts as resources) until
/// standard input closes (stdio) or the process is stopped. Exit code 0 then, 2 for a usage error.
/// </summary>
internal static class McpCommand
{
    private const int DefaultIdleMinutes = 10;
    private const int MaxIdleMinutes = 10_080;
    private const int MaxTimeoutMs = 3_600_000;
    private const int MaxMemoryMb = 65_536;
    private const int MaxConcurrency = 1024;
    private const int MaxQueue = 100_000;
    private const int MaxOperationsLimit = int.MaxValue;

    /// <summary>The default request size limit over HTTP: room for a 10 MiB upload as base64 in its JSON-RPC request.</summary>
    private const int DefaultMaxRequestKb = 16 * 1024;
    private const int MaxRequestKbLimit = 1024 * 1024;

    public static Command Create()
    {
        var defaults = new SandboxMcpServerOptions();
        var idle = CliOptions.PositiveInt(
            "--idle-minutes",
            "N",
            $"Close a session after N minutes without use. Default {DefaultIdleMinutes}.",
            MaxIdleMinutes);
        var maxTimeout = CliOptions.PositiveInt(
            "--max-timeout-ms",
            "N",
            $"The longest timeout_ms a call may ask for; longer ones are lowered to N. Default {Number(defaults.MaxTimeout.TotalMilliseconds)}.",
            MaxTimeoutMs);
        var maxMemory = CliOptions.PositiveInt(
            "--max-memory-mb",
            "N",
            $"The largest memory_mb a call may ask for; larger ones are lowered to N. Default {Number(defaults.MaxMemoryLimitBytes / (1024 * 1024))}.",
            MaxMemoryMb);

        var concurrency = CliOptions.PositiveInt(
            "--max-concurrency",
            "N",
            $"How many executions run at once across all sessions; further calls wait in a queue. Default {defaults.MaxConcurrentExecutions}.",
            MaxConcurrency);
        var queue = CliOptions.PositiveInt(
            "--max-queue",
            "N",
            $"How many calls may wait for a free slot; beyond that a call is refused as busy. Default {defaults.MaxQueuedExecutions}.",
            MaxQueue);
        var codeChars = CliOptions.PositiveInt(
            "--max-code-chars",
            "N",
            $"The longest code a call may send, in characters, for every backend; longer code is refused. Default and maximum {Number(SandboxMcpServerOptions.MaxCodeCharsLimit)}.",
            SandboxMcpServerOptions.MaxCodeCharsLimit);
        var operations = CliOptions.PositiveInt(
            "--max-operations",
            "N",
            $"Operations (loop iterations, calls) one execution may perform before it stops with status Timeout. Default {Number(defaults.Sandbox.MaxOperations)}.",
            MaxOperationsLimit);

        var http = new Option<string?>("--http")
        {
            HelpName = "ADDRESS",
            Description =
                $"Serve MCP over Streamable HTTP at http://ADDRESS{HttpAddress.EndpointPath} instead of stdio, for example 127.0.0.1:8080 (port 0 picks a free one; " +
                "the bound endpoint is printed on stderr). Bearer tokens come from the CODEACT_MCP_TOKENS environment variable and --tokens-file " +
                "(entries NAME=TOKEN, separated by commas or new lines); without tokens only a loopback address is allowed. " +
                "Each token has its own sessions; one token cannot reach another's.",
        };
        var tokensFile = CliOptions.ExistingFile(
            "--tokens-file",
            "PATH",
            "With --http: a file of bearer tokens, one NAME=TOKEN per line (# starts a comment), in addition to CODEACT_MCP_TOKENS.",
            "tokens file");
        var maxRequest = CliOptions.PositiveInt(
            "--max-request-kb",
            "N",
            $"With --http: the largest request body, in KiB; larger requests are refused with 413. Default {Number(DefaultMaxRequestKb)}.",
            MaxRequestKbLimit);

        var command = new Command(
            "mcp",
            "Serve the sandboxes as an MCP server over standard input and output (or Streamable HTTP with --http), for MCP hosts (for example with " +
            "{\"command\": \"codeact\", \"args\": [\"mcp\"]}). Tools: execute_code (run code in jint, v8 or csharp, optionally in a " +
            "named session whose variables persist), list_sessions, close_session and upload_file; files the code writes under out/ " +
            "are returned as content and served as resources. Runs until standard input closes (or, with --http, until stopped). " +
            "Nothing but the protocol is written to stdout. Exit code 0, or 2 for a usage error.")
        {
            idle,
            maxTimeout,
            maxMemory,
            concurrency,
            queue,
            codeChars,
            operations,
            http,
            tokensFile,
            maxRequest,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = Options(parse.GetValue(idle), parse.GetValue(maxTimeout), parse.GetValue(maxMemory));
            if (parse.GetValue(concurrency) is { } running)
            {
                options = options with { MaxConcurrentExecutions = running };
            }

            if (parse.GetValue(queue) is { } waiting)
            {
                options = options with { MaxQueuedExecutions = waiting };
            }

            if (parse.GetValue(codeChars) is { } chars)
            {
                options = options with { MaxCodeChars = chars };
            }

            if (parse.GetValue(operations) is { } ops)
            {
                options = options with { Sandbox = options.Sandbox with { MaxOperations = ops } };
            }

            if (parse.GetValue(http) is { } address)
            {
                var file = parse.GetValue(tokensFile);
                var tokens = BearerTokens.Parse(
                    Environment.GetEnvironmentVariable(BearerTokens.EnvironmentVariable),
                    file is null ? null : await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false),
                    file?.Name);
                var limit = (parse.GetValue(maxRequest) ?? DefaultMaxRequestKb) * 1024L;
                var serverOptions = options;
                await using var host = new McpHttpHost(HttpAddress.Parse(address), tokens, limit, () => new SandboxMcpServer(CreateBackends(serverOptions.MaxConcurrentExecutions), serverOptions));
                await host.RunAsync(Console.Error, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (parse.GetValue(tokensFile) is not null || parse.GetValue(maxRequest) is not null)
            {
                throw new UsageException("--tokens-file and --max-request-kb apply to --http only; add --http ADDRESS, or leave them out for stdio.");
            }

            await using var server = new SandboxMcpServer(CreateBackends(options.MaxConcurrentExecutions), options);
            try
            {
                await server.RunStdioAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM: a normal way to stop a server.
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static SandboxMcpServerOptions Options(int? idleMinutes, int? maxTimeoutMs, int? maxMemoryMb)
    {
        var options = new SandboxMcpServerOptions
        {
            ServerName = "codeact",
            SessionIdleTimeout = TimeSpan.FromMinutes(idleMinutes ?? DefaultIdleMinutes),
        };
        if (maxTimeoutMs is { } ms)
        {
            options = options with { MaxTimeout = TimeSpan.FromMilliseconds(ms) };
        }

        if (maxMemoryMb is { } mb)
        {
            options = options with { MaxMemoryLimitBytes = mb * 1024L * 1024L };
        }

        // A maximum below a default lowers the default with it.
        var sandbox = options.Sandbox;
        return options with
        {
            Sandbox = sandbox with
            {
                Timeout = sandbox.Timeout <= options.MaxTimeout ? sandbox.Timeout : options.MaxTimeout,
                MemoryLimitBytes = Math.Min(sandbox.MemoryLimitBytes, options.MaxMemoryLimitBytes),
            },
        };
    }

    /// <summary>The three backends; v8 is listed as unavailable (with the reason) when ClearScript's native V8 cannot be loaded.</summary>
    private static List<SandboxBackend> CreateBackends(int concurrency)
    {
        const string V8Description = "JavaScript, ECMAScript 2025 in V8 14.7: let/const, arrow functions, classes, destructuring; no top-level await. Print with console.log(...).";
        return
        [
            new SandboxBackend(
                Backends.Jint,
                "JavaScript, ECMAScript 2023 in Jint 4 (pure managed): let/const, arrow functions, classes, destructuring, Map/Set, BigInt, async/await; no top-level await. Print with console.log(...).",
                () => Backends.Create(Backends.Jint, oneShot: false, concurrency)),
            V8Interpreter.IsAvailable(out var reason)
                ? new SandboxBackend(Backends.V8, V8Description, () => Backends.Create(Backends.V8, oneShot: false, concurrency))
                : SandboxBackend.Unavailable(Backends.V8, V8Description, reason),
            new SandboxBackend(
                Backends.CSharp,
                "C# 12 scripting with an allow-listed API (System, collections, LINQ, text, regular expressions, System.Text.Json): top-level statements; an expression on the last line without a semicolon is the value. Print with Console.WriteLine(...).",
                () => Backends.Create(Backends.CSharp, oneShot: false, concurrency)),
        ];
    }

    private static string Number(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
