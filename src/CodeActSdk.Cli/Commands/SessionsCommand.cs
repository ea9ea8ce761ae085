using System.CommandLine;
using System.Globalization;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>codeact sessions list|show ID|delete ID|prune --older-than-days N [--store PATH|CONNECTION]</c>: the durable
/// sessions of a journal store. Exit code 0, 1 when the store fails or the session does not exist, 2 for a usage error.
/// </summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var command = new Command("sessions", "List, show, delete or prune the durable sessions journaled by 'codeact run --session'.");
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

        return command;
    }

    private static async Task<int> RunAsync(string action, string? storeValue, string? id, int? days, CancellationToken cancellationToken)
    {
        if (storeValue is null && !File.Exists(CheckpointStores.DefaultPath))
        {
            throw new UsageException($"There is no session store at {CheckpointStores.DefaultPath} here; give --store, or run 'codeact run --session ID' first.");
        }

        var store = CheckpointStores.Open(storeValue);
        try
        {
            var output = Console.Out;
            switch (action)
            {
                case "list":
                    var sessions = await store.ListAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var session in sessions)
                    {
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{session.Id}  {(session.Finished ? "finished" : "open")}  {session.Entries} entries  updated {session.Updated:u}  {session.Language}  {Shorten(session.Task, 60)}")).ConfigureAwait(false);
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
                _ => "observation: " + Shorten(entry.Completed!.Observation, 300) + (entry.Completed.Outcome is { } outcome ? $"\n    outcome: {outcome}" + (entry.Completed.FinalAnswer is { } answer ? " " + answer.GetRawText() : "") : ""),
            };
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"[{entry.Sequence}] step {entry.Step} · {text.ReplaceLineEndings("\n    ")}")).ConfigureAwait(false);
        }
    }

    private static string Shorten(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..max] + "…";
    }
}
