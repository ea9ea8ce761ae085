using System.CommandLine;
using System.Globalization;
using System.Text;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>codeact exec --backend &lt;jint|v8|csharp&gt; [--isolation inprocess|process] [--timeout-ms N] [--memory-mb N]
/// [--mount NAME=DIR[:rw]]... [--out DIR] (--file PATH | -)</c>: runs code once in a fresh sandbox and prints exactly
/// one JSON object on stdout (artifacts saved with <c>--out</c>, and worker protections this machine cannot apply, are
/// reported on stderr). Exit code 0 when the code
/// completed, 1 when it failed, 2 for a usage error.
/// </summary>
internal static class ExecCommand
{
    private const int MaxTimeoutMs = 3_600_000;
    private const int MaxMemoryMb = 65_536;

    public static Command Create()
    {
        var defaults = new SandboxOptions();
        var backend = CliOptions.Backend(required: true, "The sandbox that runs the code: jint (modern JavaScript in Jint 4, pure managed) v8 (modern JavaScript in V8 14.7 through ClearScript) or csharp (C# scripting with an allow-listed API).");
        var timeout = CliOptions.PositiveInt(
            "--timeout-ms",
            "N",
            $"Stop the code after N milliseconds (status Timeout). Default {defaults.Timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}.",
            MaxTimeoutMs);
        var memory = CliOptions.PositiveInt(
            "--memory-mb",
            "N",
            $"Stop the code when it allocates more than N MiB (status MemoryLimit). Default {(defaults.MemoryLimitBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture)}.",
            MaxMemoryMb);
        var isolation = CliOptions.Isolation();
        var file = CliOptions.ExistingFile("--file", "PATH", "Read the code from this file.", "code file");
        var mounts = CliOptions.Mounts();
        var outDirectory = CliOptions.OutDirectory();
        var stdin = new Argument<string[]>("-")
        {
            Description = "Read the code from standard input instead of a file.",
            Arity = ArgumentArity.ZeroOrMore,

            // The usage line would read "[<->...]"; the command's description says how to pass "-" instead.
            Hidden = true,
        };

        var command = new Command(
            "exec",
            "Run code once in a fresh sandbox and print the result as one JSON object on stdout: " +
            "{ok, status, stdout, value, error, durationMs, finalAnswer}. Give the code with --file PATH, or - to read it from standard input. " +
            "Exit code 0 when the code completed, 1 when it failed, 2 for a usage error.")
        {
            backend,
            isolation,
            timeout,
            memory,
            mounts,
            outDirectory,
            file,
            stdin,
        };

        command.Validators.Add(result =>
        {
            // Report a bad option value first: "--memory-mb -" takes "-" as the option's value, and the real
            // problem is that value, not the missing code.
            if (CliOptions.HasInvalidPositiveInt(result.GetResult(timeout), timeout.Name, MaxTimeoutMs)
                || CliOptions.HasInvalidPositiveInt(result.GetResult(memory), memory.Name, MaxMemoryMb))
            {
                return;
            }

            var positional = result.GetValue(stdin) ?? [];
            var hasFile = result.GetResult(file) is not null;
            if (positional.FirstOrDefault(p => p != "-") is { } extra)
            {
                result.AddError(extra.StartsWith('-')
                    ? $"Unknown option '{extra}'."
                    : $"Unexpected argument '{extra}'; give the code with --file PATH, or - to read it from standard input.");
            }
            else if (positional.Length > 1)
            {
                result.AddError("Give - only once.");
            }
            else if (positional.Length == 1 && hasFile)
            {
                result.AddError("Give the code either with --file PATH or with - (standard input), not both.");
            }
            else if (positional.Length == 0 && !hasFile)
            {
                result.AddError("No code given; pass --file PATH, or - to read the code from standard input.");
            }
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            var sandbox = new SandboxOptions();
            if (parse.GetValue(timeout) is { } ms)
            {
                sandbox = sandbox with { Timeout = TimeSpan.FromMilliseconds(ms) };
            }

            if (parse.GetValue(memory) is { } mb)
            {
                sandbox = sandbox with { MemoryLimitBytes = mb * 1024L * 1024L };
            }

            sandbox = sandbox with
            {
                Files = new FileSystemOptions { Mounts = [.. (parse.GetValue(mounts) ?? []).Select(CliOptions.ParseMount)] },
                Isolation = parse.GetValue(isolation),
            };
            var backendName = parse.GetValue(backend)!.Trim().ToLowerInvariant();
            return await ExecuteAsync(backendName, parse.GetValue(file), sandbox, parse.GetValue(outDirectory), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> ExecuteAsync(string backend, FileInfo? file, SandboxOptions sandbox, DirectoryInfo? outDirectory, CancellationToken cancellationToken)
    {
        ExecutionResult result;
        try
        {
            var code = await ReadCodeAsync(file, cancellationToken).ConfigureAwait(false);
            if (backend == Backends.V8 && sandbox.Isolation != SandboxIsolation.Process && !CodeActSdk.V8.V8Interpreter.IsAvailable(out var reason))
            {
                // Not a usage error: the command line is right, this machine lacks the native library. The one JSON
                // object says so, like any other failure (and stderr too, for a person reading the terminal).
                await Console.Error.WriteLineAsync("codeact exec: " + reason).ConfigureAwait(false);
                return Write(new ExecutionResult
                {
                    Status = ExecutionStatus.RuntimeError,
                    Error = new ExecutionError(ErrorKind.BackendUnavailable, reason),
                });
            }

            await using var opened = Backends.Open(backend, oneShot: true, sandbox.Isolation);
            if (opened.UnavailableProtections.Count > 0)
            {
                // stdout carries only the result; a user who asked for isolation must still learn what this machine lacks.
                await Console.Error.WriteLineAsync($"codeact exec: warning: {string.Join(" ", opened.UnavailableProtections)}").ConfigureAwait(false);
            }

            await using var session = await opened.Interpreter.CreateSessionAsync(sandbox, cancellationToken).ConfigureAwait(false);
            result = await session.ExecuteAsync(code, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled before the code started (while reading it or creating the session).
            result = new ExecutionResult
            {
                Status = ExecutionStatus.Cancelled,
                Error = new ExecutionError(ErrorKind.Cancelled, "The execution was cancelled before the code started."),
            };
        }

        Write(result);
        if (outDirectory is not null)
        {
            await Output.ArtifactSaver.SaveAsync(result.Artifacts, outDirectory, Console.Error, CancellationToken.None).ConfigureAwait(false);
        }

        return result.IsSuccess ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Writes the result's one JSON object on stdout and returns the exit code it stands for.</summary>
    private static int Write(ExecutionResult result)
    {
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(ExecutionResultJson.ToUtf8(result));
        stdout.Write("\n"u8);
        stdout.Flush();
        return result.IsSuccess ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<string> ReadCodeAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        try
        {
            if (file is null)
            {
                using var reader = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
                return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }

            return await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(file is null
                ? $"Cannot read the code from standard input: {e.Message}"
                : $"Cannot read the code file '{file}': {e.Message}");
        }
    }
}
