using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>codeact run --require-approval TOOL</c> and <c>--approve</c>: which tools wait for a person's decision at every
/// call, and the in-line approver that asks on the terminal.
/// </summary>
internal static class ToolApprovals
{
    /// <summary>
    /// Marks the tools named in <paramref name="names"/> as needing approval (<see cref="ApprovalRequiredAIFunction"/>).
    /// </summary>
    /// <exception cref="UsageException">A name is not one of the tools.</exception>
    public static IReadOnlyList<AIFunction> Require(IReadOnlyList<AIFunction> tools, IReadOnlyCollection<string> names)
    {
        var unknown = names.Where(n => !tools.Any(t => t.Name == n)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException(
                $"--require-approval: there is no tool {string.Join(", ", unknown.Select(n => $"'{n}'"))}; the tools are {string.Join(", ", tools.Select(t => t.Name))}.");
        }

        return [.. tools.Select(t => names.Contains(t.Name) && t.GetService<ApprovalRequiredAIFunction>() is null ? new ApprovalRequiredAIFunction(t) : t)];
    }

    /// <summary>The tools whose calls a session's journal shows waiting for approval, so that a resume keeps asking for them.</summary>
    public static IEnumerable<string> JournaledTools(CheckpointJournal journal) =>
        journal.Entries.Where(e => e.Kind == JournalEntryKind.ApprovalRequested).Select(e => e.ApprovalRequest!.ToolName).OfType<string>().Distinct();

    /// <summary>The request as a person reads it: which call, with what, and why it waits.</summary>
    public static string Describe(ApprovalRequest request, string indent)
    {
        var text = new StringBuilder();
        text.Append(indent).Append("request   ").AppendLine(request.Id + $" (step {request.Step})");
        if (request.ToolName is { } tool)
        {
            text.Append(indent).Append("tool      ").AppendLine(tool);
            text.Append(indent).Append("arguments ").AppendLine(Json(request.Arguments));
        }

        text.Append(indent).Append("why       ").Append(request.Reason);
        return text.ToString();
    }

    /// <summary>JSON on one line; <c>{}</c> for none.</summary>
    public static string Json(JsonElement? value) => value is { } element ? JsonSerializer.Serialize(element) : "{}";

    /// <summary>Quotes <paramref name="value"/> for a POSIX shell when it needs it, so that a printed command can be pasted as is.</summary>
    public static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c, StringComparison.Ordinal))
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Asks on the terminal: prints each request on stderr and reads one answer line from stdin (<c>y</c>,
    /// <c>n [reason]</c> or <c>e {json}</c>). End of input, or an answer it cannot read, leaves the call undecided.
    /// </summary>
    /// <param name="input">Where answers are read; normally stdin.</param>
    /// <param name="prompt">Where requests are printed; normally stderr.</param>
    /// <param name="decidedBy">The name the decisions are recorded under.</param>
    /// <param name="echo">Whether to print the answers read (when the input is not a terminal, which shows them itself).</param>
    internal sealed class TerminalApprover(TextReader input, TextWriter prompt, string decidedBy, bool echo) : IToolApprover
    {
        private readonly SemaphoreSlim _one = new(1, 1);

        // A read that outlived the execution that asked (its time ran out) is kept, so that its line answers the next request.
        private Task<string?>? _pendingRead;

        /// <summary>Whether an undecided answer was given (end of input or an unreadable line).</summary>
        public bool LeftUndecided { get; private set; }

        public async ValueTask<ApprovalDecision?> DecideAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
        {
            await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await prompt.WriteLineAsync().ConfigureAwait(false);
                await prompt.WriteLineAsync("approval needed").ConfigureAwait(false);
                await prompt.WriteLineAsync(Describe(request, "  ")).ConfigureAwait(false);
                await prompt.WriteLineAsync("  code").ConfigureAwait(false);
                foreach (var line in request.Code.Trim('\n', '\r').ReplaceLineEndings("\n").Split('\n'))
                {
                    await prompt.WriteLineAsync(("    │ " + line).TrimEnd()).ConfigureAwait(false);
                }

                await prompt.WriteAsync("Approve? y = yes, n [reason] = no, e {json} = yes with these arguments: ").ConfigureAwait(false);
                await prompt.FlushAsync(cancellationToken).ConfigureAwait(false);

                _pendingRead ??= Task.Run(input.ReadLine, CancellationToken.None);
                var answer = await _pendingRead.WaitAsync(cancellationToken).ConfigureAwait(false);
                _pendingRead = null;
                if (echo || answer is null)
                {
                    await prompt.WriteLineAsync(answer).ConfigureAwait(false);
                }

                var (decision, problem) = Parse(answer, request, decidedBy);
                if (decision is null)
                {
                    LeftUndecided = true;
                    await prompt.WriteLineAsync($"codeact run: {problem}; request {request.Id} stays undecided: a durable run (--session) stops to wait for a decision, any other run has the call rejected.").ConfigureAwait(false);
                }
                else
                {
                    await prompt.WriteLineAsync($"  → {(decision.Approved ? decision.Arguments is null ? "approved" : "approved with arguments " + Json(decision.Arguments) : "rejected: " + decision.Reason)}").ConfigureAwait(false);
                }

                await prompt.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                return decision;
            }
            finally
            {
                _one.Release();
            }
        }

        /// <summary>Reads an answer line: the decision, or why there is none.</summary>
        internal static (ApprovalDecision? Decision, string? Problem) Parse(string? answer, ApprovalRequest request, string decidedBy)
        {
            if (answer is null)
            {
                return (null, "no answer (end of input)");
            }

            var text = answer.Trim();
            var verb = text.Split(' ', 2, StringSplitOptions.TrimEntries);
            var rest = verb.Length > 1 ? verb[1] : "";
            switch (verb[0].ToLowerInvariant())
            {
                case "y" or "yes" when rest.Length == 0:
                    return (ApprovalDecision.Approve(decidedBy, "approved on the terminal"), null);
                case "n" or "no":
                    return (ApprovalDecision.Reject(decidedBy, rest.Length > 0 ? rest : "rejected on the terminal"), null);
                case "e" when request.IsToolCall:
                    try
                    {
                        using var json = JsonDocument.Parse(rest);
                        return json.RootElement.ValueKind == JsonValueKind.Object
                            ? (ApprovalDecision.ApproveWithArguments(decidedBy, json.RootElement, "approved on the terminal with edited arguments"), null)
                            : (null, $"the edited arguments must be a JSON object naming the parameters, not {json.RootElement.ValueKind}");
                    }
                    catch (JsonException e)
                    {
                        return (null, $"the edited arguments are not JSON ({e.Message.Split(" Path:", 2)[0]})");
                    }

                default:
                    return (null, $"cannot read the answer '{text}' (expected y, n [reason] or e {{json}})");
            }
        }
    }
}
