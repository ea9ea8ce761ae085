using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using System.Text;
using CodeActSdk.Cli.Commands;

namespace CodeActSdk.Cli;

/// <summary>The <c>codeact</c> command line: parses, reports usage errors in one line on stderr, runs the command.</summary>
internal static class CodeActCommandLine
{
    /// <summary>Builds the root command with its subcommands.</summary>
    public static RootCommand Build() => new("codeact: run code in a CodeActSdk sandbox, or run a CodeAct agent.")
    {
        ExecCommand.Create(),
        RunCommand.Create(),
        BenchCommand.Create(),
        McpCommand.Create(),
        SessionsCommand.Create(),
    };

    /// <summary>Runs the command line and returns the process exit code (0 ok, 1 failed, 2 usage error, 3 a durable run awaits approval).</summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        ParseResult parse;
        try
        {
            parse = Build().Parse(args);
        }
        catch (Exception e)
        {
            return Usage("codeact", e.Message);
        }

        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            return Usage(CommandPath(parse), string.Join(" ", parse.Errors.Select(e => e.Message).Distinct()));
        }

        // Ctrl+C (or SIGTERM) cancels the command, which then still prints its result (exec: status Cancelled).
        // System.CommandLine's own handling is turned off because it returns 130 without waiting for the command.
        using var cancellation = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });
        ConsoleCancelEventHandler onCancelKey = (_, e) =>
        {
            // A second Ctrl+C while the first is being handled ends the process at once.
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancelKey;
        try
        {
            // The default handler would print a stack trace; failures are reported below in one line instead.
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await parse.InvokeAsync(configuration, cancellation.Token).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            return Usage(CommandPath(parse), e.Message);
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"{CommandPath(parse)}: error: {OneLine(e.Message)}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        finally
        {
            Console.CancelKeyPress -= onCancelKey;
        }
    }

    private static int Usage(string command, string message)
    {
        Console.Error.WriteLine($"{command}: {OneLine(message)} (see '{command} --help')");
        return ExitCodes.Usage;
    }

    // "codeact sessions approve", not "codeact approve": every command from the root down.
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Command is not RootCommand; result = result.Parent as CommandResult ?? parse.RootCommandResult)
        {
            names.Insert(0, result.Command.Name);
        }

        return string.Join(' ', ["codeact", .. names]);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
