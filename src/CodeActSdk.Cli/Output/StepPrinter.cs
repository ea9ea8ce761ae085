using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Cli.Output;

/// <summary>
/// Prints a run of the agent for a person to follow: a header saying which model and sandbox are used, then each
/// step as soon as it has finished (the model's prose, its code, the tool calls, the observation, timings and
/// tokens), then the final answer or why the run stopped.
/// </summary>
/// <param name="output">Where to print; normally stdout.</param>
/// <param name="color">Whether to use ANSI colors (only for a terminal).</param>
/// <param name="tokensAreEstimated">Whether the token counts are estimates (the scripted model) rather than the endpoint's counts.</param>
internal sealed class StepPrinter(TextWriter output, bool color, bool tokensAreEstimated)
{
    private const int Width = 72;
    private const string Bold = "1";
    private const string Dim = "2";
    private const string Red = "31";
    private const string Green = "32";
    private const string Yellow = "33";
    private const string Cyan = "36";

    private readonly UsageDetails _usage = new();
    private TimeSpan _modelTime;
    private TimeSpan _sandboxTime;
    private int _steps;

    /// <summary>Prints what the run is about to do.</summary>
    public void Header(string? notice, IReadOnlyList<(string Label, string Text)> lines)
    {
        if (notice is not null)
        {
            output.WriteLine(Paint(notice, Yellow));
        }

        foreach (var (label, text) in lines)
        {
            output.WriteLine($"{Paint(label.PadRight(8), Dim)} {text}");
        }

        output.Flush();
    }

    /// <summary>Prints the heading of a step when the model is asked for it, so that a slow model is visibly being waited on.</summary>
    public void StepStarting(int number)
    {
        var title = $"── Step {number.ToString(CultureInfo.InvariantCulture)} ";
        output.WriteLine();
        output.WriteLine(Paint(title + new string('─', Math.Max(4, Width - title.Length)), Bold));
        output.Flush();
    }

    /// <summary>Prints a finished step.</summary>
    public void Step(AgentStep step)
    {
        _steps++;
        _modelTime += step.ModelDuration;
        _sandboxTime += step.ExecutionDuration;
        if (step.Usage is { } usage)
        {
            _usage.Add(usage);
        }

        output.WriteLine(step.Replayed
            ? $"{Paint("model", Cyan)} · replayed from the journal (the model was not asked, tool results came from the journal)"
            : $"{Paint("model", Cyan)} · {Duration(step.ModelDuration)}{Tokens(step.Usage, " · ")}");
        WriteIndented(Prose(step.ModelText) is { Length: > 0 } prose ? prose : "(no prose, only code)", "  ");

        if (step.Code.Count == 0)
        {
            output.WriteLine();
            output.WriteLine($"{Paint("code", Cyan)} · none ran");
        }

        for (var i = 0; i < step.Code.Count; i++)
        {
            var block = step.Code[i];
            var label = step.Code.Count > 1 ? $"code {i + 1} of {step.Code.Count}" : "code";
            output.WriteLine();
            output.WriteLine($"{Paint(label, Cyan)} · {(block.Tag.Length > 0 ? block.Tag : "untagged")}");
            WriteIndented(block.Code.Trim('\n', '\r'), "  " + Paint("│", Dim) + " ");
        }

        if (step.ToolCalls.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Paint("tool calls", Cyan));
            foreach (var call in step.ToolCalls)
            {
                var outcome = call.Error is null
                    ? "→ " + Summarize(call.Result)
                    : Paint("✗ " + call.Error, Red);
                output.WriteLine($"  {call.Name}({Arguments(call.Arguments)}) {outcome} · {Duration(call.Duration)}");
            }
        }

        if (step.Approvals.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Paint("approvals", Cyan));
            foreach (var (request, decision) in step.Approvals)
            {
                var verdict = !decision.Approved ? Paint("rejected", Red)
                    : decision.Arguments is { } edited ? Paint("approved with arguments " + Shorten(JsonSerializer.Serialize(edited), 100), Green)
                    : Paint("approved", Green);
                output.WriteLine($"  {request.Id} {request.ToolName}: {verdict} by {decision.DecidedBy} ({decision.Reason})");
            }
        }

        output.WriteLine();
        output.WriteLine($"{Paint("observation", Cyan)} · {Statuses(step.Executions)} · {Duration(step.ExecutionDuration)}");
        WriteIndented(step.Observation, "  ");
        output.Flush();
    }

    /// <summary>Prints how the run ended: the final answer, or why there is none, with the totals.</summary>
    /// <param name="last">The run's last step.</param>
    /// <param name="total">How long the run took.</param>
    /// <param name="awaiting">When the run waits for an approval: what it waits for and how to go on.</param>
    public void Finished(AgentStep last, TimeSpan total, string? awaiting = null)
    {
        output.WriteLine();
        output.WriteLine(Paint(new string('═', Width), Bold));
        switch (last.Outcome)
        {
            case AgentOutcome.FinalAnswer when last.FinalAnswer is { } answer:
                output.WriteLine(Paint("Final answer: ", Bold) + Paint(AnswerText(answer), Green));
                break;
            case AgentOutcome.AwaitingApproval:
                output.WriteLine(Paint($"Waiting for approval: the run stopped at {(last.PendingApproval?.ToolName is { } tool ? $"a call to '{tool}'" : "a code block")} and continues once it is decided.", Yellow));
                if (awaiting is not null)
                {
                    WriteIndented(awaiting, "");
                }

                break;
            case AgentOutcome.AnsweredWithoutCode:
                output.WriteLine(Paint("Final answer (the model's text, not computed in code): ", Bold) + last.ModelText.Trim());
                break;
            case AgentOutcome.AnswerRejected:
                output.WriteLine(Paint($"Stopped: the answer did not match its type ({string.Join("; ", last.AnswerMismatches)}).", Red));
                break;
            default:
                output.WriteLine(Paint(
                    $"Stopped: no final answer after {Plural(_steps, "step")}, the step budget (raise it with --max-steps).",
                    Red));
                break;
        }

        output.WriteLine(
            $"{Plural(_steps, "step")} in {Duration(total)} (model {Duration(_modelTime)}, sandbox {Duration(_sandboxTime)})" +
            Tokens(_usage.InputTokenCount is null && _usage.OutputTokenCount is null ? null : _usage, " · "));
        output.Flush();
    }

    /// <summary>The model's text without its fenced code blocks (they are printed separately), blank runs collapsed.</summary>
    internal static string Prose(string modelText)
    {
        var lines = new List<string>();
        var inFence = false;
        foreach (var raw in modelText.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence || (line.Length == 0 && (lines.Count == 0 || lines[^1].Length == 0)))
            {
                continue;
            }

            lines.Add(line);
        }

        return string.Join('\n', lines).Trim();
    }

    private void WriteIndented(string text, string prefix)
    {
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            output.WriteLine((prefix + line).TrimEnd());
        }
    }

    private string Statuses(IReadOnlyList<ExecutionResult> executions)
    {
        if (executions.Count == 0)
        {
            return "nothing ran";
        }

        return string.Join(", ", executions.Select(e =>
        {
            var text = e.FinalAnswer is not null ? "Completed, final_answer called" : e.Status.ToString();
            return Paint(text, e.IsSuccess ? Green : Red);
        }));
    }

    private string Tokens(UsageDetails? usage, string separator)
    {
        if (usage is null || (usage.InputTokenCount is null && usage.OutputTokenCount is null))
        {
            return "";
        }

        var text = $"tokens {Count(usage.InputTokenCount)} in, {Count(usage.OutputTokenCount)} out";
        return separator + text + (tokensAreEstimated ? " (estimated)" : "");
    }

    private static string Arguments(JsonElement arguments)
    {
        if (arguments.ValueKind != JsonValueKind.Object)
        {
            return arguments.ValueKind == JsonValueKind.Undefined ? "" : Shorten(arguments.GetRawText(), 80);
        }

        var parts = arguments.EnumerateObject()
            .Where(p => p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            .Select(p => $"{p.Name}: {Shorten(p.Value.GetRawText(), 60)}");
        return string.Join(", ", parts);
    }

    private static string Summarize(JsonElement? result) => result switch
    {
        null => "(no result)",
        { ValueKind: JsonValueKind.Array } array => $"array of {array.GetArrayLength().ToString(CultureInfo.InvariantCulture)}"
            + (array.GetArrayLength() > 0 ? ", first " + Shorten(array[0].GetRawText(), 80) : ""),
        { } value => Shorten(value.GetRawText(), 100),
    };

    private static string AnswerText(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.String ? answer.GetString() ?? "" : answer.GetRawText();

    private static string Shorten(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    private static string Count(long? count) => count is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : "?";

    private static string Plural(int count, string noun) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";

    private static string Duration(TimeSpan duration)
    {
        var ms = duration.TotalMilliseconds;
        return ms switch
        {
            < 10 => ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
            < 1000 => ms.ToString("0", CultureInfo.InvariantCulture) + " ms",
            _ => duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s",
        };
    }

    private string Paint(string text, string style) => color ? $"\u001b[{style}m{text}\u001b[0m" : text;

    /// <summary>Whether stdout is a terminal that should get colors (not redirected, <c>NO_COLOR</c> unset).</summary>
    public static bool ShouldUseColor() =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
}
