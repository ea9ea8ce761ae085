using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>codeact sessions list|show ID|delete ID|prune --older-than-days N|approve ID [--reject REASON] [--reason TEXT] [--by NAME] [--arguments JSON]
/// [--store PATH|CONNECTION]</c>: the durable sessions of a journal store, and the decisions about the tool calls they
/// wait for. Exit code 0, 1 when the store fails, the session does not exist, is running elsewhere or (approve) waits
/// for no approval, 2 for a usage error.
/// </summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var command = new Command("sessions", "List, show, delete or prune the durable sessions journaled by 'codeact run --session', and approve or reject the tool calls they wait for.");
        var list = new Command("list", "List the sessions, most recently updated first.");
        var show = new Command("show", "Show a session's journal: each step's model turn, tool calls and observation.");
        var delete = new Command("delete", "Delete a session and its journal.");
        var prune = new Command("prune", "Delete the sessions not updated for N days (retention).");
        var id = new Argument<string>("ID") { Description = "The session id." };
        var days = CliOptions.PositiveInt("--older-than-days", "N", "Delete sessions last updated more than N days ago.", 36_500);
        days.Required = true;
        show.Arguments.Add(id);
        delete.Arguments.Add(id);
        prune.Options.Add(days);
        foreach (var sub in new[] { list, show, delete, prune })
        {
            var store = CheckpointStores.Option();
            sub.Options.Add(store);
            command.Subcommands.Add(sub);
            sub.SetAction((parse, cancellationToken) => RunAsync(sub.Name, parse.GetValue(store), sub == list || sub == prune ? null : parse.GetValue(id), parse.GetValue(days), cancellationToken));
        }

        command.Subcommands.Add(CreateApprove());
        return command;
    }

    /// <summary><c>codeact sessions approve ID [--reject REASON] [--reason TEXT] [--by NAME] [--arguments JSON] [--store …]</c>.</summary>
    private static Command CreateApprove()
    {
        var id = new Argument<string>("ID") { Description = "The session that waits for an approval (exit code 3 of 'codeact run --session ID')." };
        var reject = new Option<string?>("--reject")
        {
            Description = "Reject the call instead of approving it; the code sees the call fail with REASON, so say why and what to do instead.",
            HelpName = "REASON",
        };
        var reason = new Option<string?>("--reason") { Description = "Why the call is approved, for the journal.", HelpName = "TEXT" };
        var by = new Option<string?>("--by") { Description = $"Who decides, for the journal. Default: the user name ({Environment.UserName}).", HelpName = "NAME" };
        var arguments = new Option<string?>("--arguments")
        {
            Description = "Approve the call with these arguments instead of the code's: a JSON object naming the tool's parameters, for example '{\"to\":\"cfo@example.com\"}'.",
            HelpName = "JSON",
        };
        var store = CheckpointStores.Option();
        var approve = new Command(
            "approve",
            "Decide the tool call a durable session waits for (approve it, approve it with other arguments, or reject it), without running anything; " +
            "then continue the run with 'codeact run --session ID --resume'.")
        {
            id, reject, reason, by, arguments, store,
        };
        approve.Validators.Add(result =>
        {
            var rejecting = result.GetResult(reject) is { Implicit: false };
            if (rejecting && string.IsNullOrWhiteSpace(result.GetValue(reject)))
            {
                result.AddError("--reject needs a reason: the code (and so the model) reads it.");
            }
            else if (rejecting && result.GetValue(arguments) is not null)
            {
                result.AddError("--arguments approves the call with other arguments, so it cannot be combined with --reject.");
            }
            else if (rejecting && result.GetValue(reason) is not null)
            {
                result.AddError("--reject takes the reason itself: --reject REASON; --reason is for an approval.");
            }
            else if (result.GetResult(by) is { Implicit: false } && string.IsNullOrWhiteSpace(result.GetValue(by)))
            {
                result.AddError("--by needs a name.");
            }
            else if (result.GetResult(reason) is { Implicit: false } && string.IsNullOrWhiteSpace(result.GetValue(reason)))
            {
                result.AddError("--reason needs a text.");
            }
            else if (result.GetValue(arguments) is { } json && ParseArguments(json).Problem is { } problem)
            {
                result.AddError(problem);
            }
        });
        approve.SetAction((parse, cancellationToken) =>
        {
            var decidedBy = parse.GetValue(by)?.Trim() is { Length: > 0 } name ? name : Environment.UserName;
            var decision = parse.GetValue(reject) is { } why ? ApprovalDecision.Reject(decidedBy, why.Trim())
                : parse.GetValue(arguments) is { } json ? ApprovalDecision.ApproveWithArguments(decidedBy, ParseArguments(json).Arguments!.Value, parse.GetValue(reason)?.Trim() ?? "approved with edited arguments")
                : ApprovalDecision.Approve(decidedBy, parse.GetValue(reason)?.Trim() ?? "approved");
            return DecideAsync(parse.GetValue(store), parse.GetValue(id)!, decision, cancellationToken);
        });
        return approve;
    }

    /// <summary>The <c>--arguments</c> value as a JSON object, or why it is not one.</summary>
    private static (JsonElement? Arguments, string? Problem) ParseArguments(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (document.RootElement.Clone(), null)
                : (null, $"--arguments must be a JSON object naming the tool's parameters, for example '{{\"to\":\"cfo@example.com\"}}', not {document.RootElement.ValueKind}.");
        }
        catch (JsonException e)
        {
            return (null, $"--arguments is not valid JSON: {e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]}");
        }
    }

    private static async Task<int> DecideAsync(string? storeValue, string id, ApprovalDecision decision, CancellationToken cancellationToken)
    {
        var store = Open(storeValue);
        try
        {
            var request = await store.DecideApprovalAsync(id, decision, cancellationToken: cancellationToken).ConfigureAwait(false);
            var verdict = !decision.Approved ? $"Rejected ({decision.Reason})"
                : decision.Arguments is { } edited ? $"Approved with the arguments {ToolApprovals.Json(edited)}"
                : "Approved";
            await Console.Out.WriteLineAsync($"{verdict}: request {request.Id} of session '{id}', a call to '{request.ToolName}' with {ToolApprovals.Json(request.Arguments)}, decided by {decision.DecidedBy}.").ConfigureAwait(false);
            var storeArgument = storeValue is null ? "" : " --store " + ToolApprovals.Quote(storeValue);
            await Console.Out.WriteLineAsync($"Continue the run with: codeact run --session {id} --resume{storeArgument} (with the run's other options: --script, --mcp, --mount, --require-approval)").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (SessionLeasedException e)
        {
            await Console.Error.WriteLineAsync($"codeact sessions approve: nothing was decided: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is CheckpointException or InvalidOperationException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"codeact sessions approve: {e.Message.Split(" (Parameter", 2)[0]}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        finally
        {
            await CheckpointStores.CloseAsync(store).ConfigureAwait(false);
        }
    }

    private static ICheckpointStore Open(string? storeValue)
    {
        if (storeValue is null && !File.Exists(CheckpointStores.DefaultPath))
        {
            throw new UsageException($"There is no session store at {CheckpointStores.DefaultPath} here; give --store, or run 'codeact run --session ID' first.");
        }

        return CheckpointStores.Open(storeValue);
    }

    private static async Task<int> RunAsync(string action, string? storeValue, string? id, int? days, CancellationToken cancellationToken)
    {
        var store = Open(storeValue);
        try
        {
            var output = Console.Out;
            switch (action)
            {
                case "list":
                    var sessions = await store.ListAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var session in sessions)
                    {
                        var pending = session.Finished ? null : await store.GetPendingApprovalAsync(session.Id, cancellationToken).ConfigureAwait(false);
                        var state = session.Finished ? "finished" : pending is null ? "open" : $"awaiting approval {pending.Id}{(pending.ToolName is { } tool ? $" ({tool})" : "")}";
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{session.Id}  {state}  {session.Entries} entries  updated {session.Updated:u}  {session.Language}  {Shorten(session.Task, 60)}")).ConfigureAwait(false);
                    }

                    await output.WriteLineAsync($"{sessions.Count} session(s) in {CheckpointStores.Describe(storeValue)}").ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "show":
                    await ShowAsync(await store.ReadAsync(id!, cancellationToken).ConfigureAwait(false), output).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case "delete":
                    if (await store.DeleteAsync(id!, cancellationToken).ConfigureAwait(false))
                    {
                        await output.WriteLineAsync($"Deleted session '{id}'.").ConfigureAwait(false);
                        return ExitCodes.Ok;
                    }

                    await Console.Error.WriteLineAsync($"codeact sessions delete: there is no session '{id}'.").ConfigureAwait(false);
                    return ExitCodes.Failed;
                default:
                    var deleted = await store.DeleteOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-days!.Value), cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"Deleted {deleted} session(s) not updated for {days} day(s).").ConfigureAwait(false);
                    return ExitCodes.Ok;
            }
        }
        catch (CheckpointException e)
        {
            await Console.Error.WriteLineAsync($"codeact sessions {action}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        finally
        {
            await CheckpointStores.CloseAsync(store).ConfigureAwait(false);
        }
    }

    private static async Task ShowAsync(CheckpointJournal journal, TextWriter output)
    {
        var session = journal.Session;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"session {session.Id} · {session.Language} · {(session.Finished ? "finished" : "open")} · created {session.Created:u} · updated {session.Updated:u}")).ConfigureAwait(false);
        await output.WriteLineAsync($"task: {session.Task}").ConfigureAwait(false);
        foreach (var entry in journal.Entries)
        {
            var text = entry.Kind switch
            {
                JournalEntryKind.ModelTurn => "model: " + Shorten(entry.ModelText!, 300),
                JournalEntryKind.ToolCall => $"tool: {entry.ToolCall!.Name}({entry.ToolCall.Arguments.GetRawText()}) → {(entry.ToolCall.Error is { } error ? "error: " + error : Shorten(entry.ToolCall.Result?.GetRawText() ?? "null", 200))}",
                JournalEntryKind.ApprovalRequested => Requested(entry.ApprovalRequest!),
                JournalEntryKind.Decision => Decided(entry.Decision!),
                _ => "observation: " + Shorten(entry.Completed!.Observation, 300) + (entry.Completed.Outcome is { } outcome ? $"\n    outcome: {outcome}" + (entry.Completed.FinalAnswer is { } answer ? " " + answer.GetRawText() : "") : ""),
            };
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"[{entry.Sequence}] step {entry.Step} · {text.ReplaceLineEndings("\n    ")}")).ConfigureAwait(false);
        }
    }

    private static string Requested(JournaledApprovalRequest request) =>
        (request.ToolName is { } tool
            ? $"approval requested: {request.Id}, a call to {tool}({ToolApprovals.Json(request.Arguments)})"
            : $"approval requested: {request.Id}, a code block") + $"\nwhy: {request.Reason}";

    private static string Decided(JournaledDecision decision)
    {
        var what = decision.RequestId is { } requestId ? $"decision on {requestId}" : $"review of code block {decision.BlockIndex ?? 0}";
        var verdict = decision.Verdict switch
        {
            "Approve" when decision.Arguments is { } edited => "approved with the arguments " + Shorten(ToolApprovals.Json(edited), 200),
            "Approve" => "approved",
            "Reject" => "rejected",
            "AskHuman" => "sent to a person",
            var other => other,
        };
        return string.Create(CultureInfo.InvariantCulture, $"{what}: {verdict} by {decision.DecidedBy} at {decision.DecidedAt:u}{(decision.IsFailure ? " (nobody decided: the agent's fallback)" : "")}\nwhy: {Shorten(decision.Reason, 300)}");
    }

    private static string Shorten(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..max] + "…";
    }
}
