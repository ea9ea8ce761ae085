using System.Diagnostics;
using System.Text.Json;
using CodeActSdk.Cli.Commands;

namespace CodeActSdk.Cli.Bench;

/// <summary>Runs every task's solution on each backend, in a fresh session per run, and checks the answers.</summary>
internal static class BenchRunner
{
    /// <summary>Reads the task files of <paramref name="folder"/> (every <c>*.md</c>, in name order).</summary>
    /// <exception cref="InvalidDataException">The folder has no task, or a task file is malformed.</exception>
    public static IReadOnlyList<BenchTask> LoadTasks(DirectoryInfo folder)
    {
        var files = folder.GetFiles("*.md").OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new InvalidDataException($"{folder.FullName} holds no task files (*.md).");
        }

        return [.. files.Select(f => BenchTask.Load(f.FullName))];
    }

    public static async Task<BenchReport> RunAsync(IReadOnlyList<BenchTask> tasks, IReadOnlyList<string> backends, int repeat, Action<string> progress, CancellationToken cancellationToken)
    {
        var results = new List<BackendResults>();
        foreach (var backend in backends)
        {
            var interpreter = Backends.Create(backend, oneShot: false);
            await using var owned = interpreter as IAsyncDisposable;
            var runs = new List<BenchRun>();
            foreach (var task in tasks)
            {
                for (var i = 0; i < repeat; i++)
                {
                    runs.Add(await RunOnceAsync(interpreter, backend, task, cancellationToken).ConfigureAwait(false));
                }
            }

            results.Add(new BackendResults(backend, runs));
            progress($"{backend}: {runs.Count(r => r.Correct)}/{runs.Count} runs correct");
        }

        return new BenchReport(tasks.Count, repeat, results);
    }

    private static async Task<BenchRun> RunOnceAsync(ICodeInterpreter interpreter, string backend, BenchTask task, CancellationToken cancellationToken)
    {
        await using var session = await interpreter.CreateSessionAsync(new SandboxOptions(), cancellationToken).ConfigureAwait(false);
        var prepared = await session.ExecuteAsync(task.InputStep, cancellationToken).ConfigureAwait(false);
        if (!prepared.IsSuccess)
        {
            return new BenchRun(task.Name, false, false, prepared.Status, 0, $"the input could not be defined: {prepared.Error?.Message}");
        }

        var watch = Stopwatch.StartNew();
        var result = await session.ExecuteAsync(task.SolutionFor(backend), cancellationToken).ConfigureAwait(false);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (result.Status != ExecutionStatus.Completed || result.FinalAnswer is not { } answer)
        {
            var problem = result.Status == ExecutionStatus.Completed
                ? "the code completed without calling final_answer"
                : $"{result.Status}: {result.Error?.Message}";
            return new BenchRun(task.Name, false, false, result.Status, elapsed, OneLine(problem));
        }

        var correct = JsonElement.DeepEquals(answer, task.Expected);
        return new BenchRun(task.Name, true, correct, result.Status, elapsed, correct ? null : $"answered {answer.GetRawText()}, expected {task.Expected.GetRawText()}");
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
