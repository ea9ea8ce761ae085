using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodeActSdk.Cli.Bench;

/// <summary>One run of one task's solution on one backend.</summary>
/// <param name="Task">The task's name (its file name).</param>
/// <param name="Executable">Whether the code ran to the end and gave a final answer.</param>
/// <param name="Correct">Whether the final answer equals the expected one.</param>
/// <param name="Status">The execution's status.</param>
/// <param name="Milliseconds">How long the solution step took, from the call to the result.</param>
/// <param name="Problem">Why it failed or what it answered instead, when it did not pass.</param>
internal sealed record BenchRun(string Task, bool Executable, bool Correct, ExecutionStatus Status, double Milliseconds, string? Problem);

/// <summary>Every run of one backend.</summary>
internal sealed record BackendResults(string Backend, IReadOnlyList<BenchRun> Runs)
{
    private IEnumerable<IGrouping<string, BenchRun>> ByTask => Runs.GroupBy(r => r.Task);

    public int Tasks => ByTask.Count();

    /// <summary>Tasks whose every run completed with a final answer.</summary>
    public int ExecutableTasks => ByTask.Count(g => g.All(r => r.Executable));

    /// <summary>Tasks whose every run gave the expected answer.</summary>
    public int CorrectTasks => ByTask.Count(g => g.All(r => r.Correct));

    public double Percentile(double p)
    {
        var sorted = Runs.Select(r => r.Milliseconds).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>The result of <c>codeact bench</c>: a table for people, JSON for tools.</summary>
internal sealed record BenchReport(int Tasks, int Repeat, IReadOnlyList<BackendResults> Backends)
{
    /// <summary>The table, then one line per task that did not pass.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Tasks} tasks, {Repeat} run(s) each, one fresh session per run; latency is the solution step (p50/p95 over all runs).");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"backend",-8} {"executable",12} {"correct",12} {"p50 ms",9} {"p95 ms",9}");
        foreach (var backend in Backends)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{backend.Backend,-8} {Rate(backend.ExecutableTasks, backend.Tasks),12} {Rate(backend.CorrectTasks, backend.Tasks),12} {backend.Percentile(0.5),9:0.00} {backend.Percentile(0.95),9:0.00}");
        }

        var failures = Backends.SelectMany(b => b.Runs.Where(r => !r.Correct).DistinctBy(r => r.Task).Select(r => (b.Backend, Run: r))).ToList();
        if (failures.Count > 0)
        {
            text.AppendLine();
            foreach (var (backend, run) in failures)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{backend} {run.Task}: {run.Problem}");
            }
        }

        return text.ToString();
    }

    /// <summary>Writes the report as indented JSON.</summary>
    public void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("tasks", Tasks);
        json.WriteNumber("repeat", Repeat);
        json.WriteString("machine", $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        json.WriteStartArray("backends");
        foreach (var backend in Backends)
        {
            json.WriteStartObject();
            json.WriteString("backend", backend.Backend);
            json.WriteNumber("executableRate", Ratio(backend.ExecutableTasks, backend.Tasks));
            json.WriteNumber("correctRate", Ratio(backend.CorrectTasks, backend.Tasks));
            json.WriteNumber("p50Ms", Math.Round(backend.Percentile(0.5), 3));
            json.WriteNumber("p95Ms", Math.Round(backend.Percentile(0.95), 3));
            json.WriteStartArray("runs");
            foreach (var run in backend.Runs)
            {
                json.WriteStartObject();
                json.WriteString("task", run.Task);
                json.WriteBoolean("executable", run.Executable);
                json.WriteBoolean("correct", run.Correct);
                json.WriteString("status", run.Status.ToString());
                json.WriteNumber("ms", Math.Round(run.Milliseconds, 3));
                if (run.Problem is { } problem)
                {
                    json.WriteString("problem", problem);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Rate(int count, int total) => $"{count}/{total} {Ratio(count, total) * 100,4:0}%";

    private static double Ratio(int count, int total) => total == 0 ? 0 : Math.Round((double)count / total, 4);
}
