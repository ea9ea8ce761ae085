using System.CommandLine;
using CodeActSdk.Cli.Bench;
using CodeActSdk.V8;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>codeact bench [--tasks DIR] [--backend NAME]... [--repeat N] [--json FILE]</c>: runs the cross-backend task
/// suite and prints a table per backend (tasks that ran, tasks answered correctly, latency p50/p95). Exit code 0 when
/// every task was answered correctly on every backend, 1 otherwise, 2 for a usage error.
/// </summary>
internal static class BenchCommand
{
    private const string DefaultTasks = "benchmarks/tasks";

    public static Command Create()
    {
        var tasks = new Option<DirectoryInfo?>("--tasks")
        {
            Description = $"The folder of task files (*.md). Default: {DefaultTasks}, from the current folder.",
            HelpName = "DIR",
        };
        var backends = new Option<string[]>("--backend")
        {
            Description = "A backend to run (jint, v8 or csharp); repeat the option for several. Default: every backend that can run here.",
            HelpName = "jint|v8|csharp",
            AllowMultipleArgumentsPerToken = false,
        };
        backends.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !Backends.Available.Contains(t.Value.Trim().ToLowerInvariant())))
            {
                result.AddError($"Unknown backend '{token.Value}'; use --backend {string.Join(", ", Backends.Available)}.");
            }
        });
        var repeat = CliOptions.PositiveInt("--repeat", "N", "Run each task N times on each backend (each in a fresh session). Default 3.", 1000);
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results, every run included, as JSON to this file.", HelpName = "FILE" };

        var command = new Command(
            "bench",
            "Run the task suite on every backend and print, per backend, how many tasks ran and were answered correctly, " +
            "and the latency (p50/p95) of the solutions. A task is a Markdown file with an input, the expected answer and " +
            "the same solution in JavaScript and C#. Exit code 0 when every answer is correct, 1 otherwise, 2 for a usage error.")
        {
            tasks,
            backends,
            repeat,
            json,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(tasks) ?? new DirectoryInfo(DefaultTasks);
            if (!folder.Exists)
            {
                throw new UsageException($"The task folder '{folder.FullName}' does not exist; pass --tasks DIR.");
            }

            IReadOnlyList<BenchTask> suite;
            try
            {
                suite = BenchRunner.LoadTasks(folder);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new UsageException(e.Message);
            }

            var names = Choose(parse.GetValue(backends) ?? []);
            var report = await BenchRunner.RunAsync(suite, names, parse.GetValue(repeat) ?? 3, line => Console.Error.WriteLine(line), cancellationToken).ConfigureAwait(false);
            Console.Out.Write(report.ToTable());
            if (parse.GetValue(json) is { } file)
            {
                await using var stream = file.Create();
                report.WriteJson(stream);
            }

            return report.Backends.All(b => b.CorrectTasks == b.Tasks) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>The backends asked for, or every backend that can run here (V8 needs ClearScript's native library for the platform) with a note on any skipped.</summary>
    private static IReadOnlyList<string> Choose(string[] requested)
    {
        if (requested.Length > 0)
        {
            return [.. requested.Select(n => n.Trim().ToLowerInvariant()).Distinct()];
        }

        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Console.Error.WriteLine($"Skipping v8: {reason}");
            return [Backends.Jint, Backends.CSharp];
        }

        return Backends.Available;
    }
}
