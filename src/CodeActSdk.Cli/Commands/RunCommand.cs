using System.CommandLine;
using System.Diagnostics;
using CodeActSdk.Cli.Output;
using CodeActSdk.Cli.SampleTools;
using CodeActSdk.Mcp;
using CodeActSdk.OpenAI;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>codeact run [--script FILE] [--max-steps N] [--backend jint] [--isolation inprocess|process] [--mcp NAME=COMMAND|NAME=URL]... [--mount NAME=DIR[:rw]]...
/// [--upload FILE]... [--out DIR] [--require-approval TOOL]... [--approve] [--session ID [--resume] [--store PATH|CONNECTION]] "&lt;task&gt;"</c>:
/// runs the agent on a task, with the tools of the MCP servers named (the demo <c>orders</c> and <c>send_report</c> tools when none is), against the
/// endpoint in the environment or a scripted model, printing each step as it happens. Exit code 0 with a final answer, 1 without one (step budget, model failure, Ctrl+C), 2 for a usage or
/// configuration error, 3 when a durable run stopped to wait for the approval of a tool call.
/// </summary>
internal static class RunCommand
{
    private static readonly string ConfigurationHelp = string.Join(
        Environment.NewLine,
        "",
        "To run against a model, set these environment variables:",
        $"  {OpenAIEndpointOptions.BaseUrlVariable,-16} the OpenAI-compatible API root, for example http://localhost:11434/v1 (Ollama);",
        $"  {"",-16} leave it unset for {OpenAIEndpointOptions.DefaultBaseUrl}",
        $"  {OpenAIEndpointOptions.ApiKeyVariable,-16} the API key (any non-empty value for a local server)",
        $"  {OpenAIEndpointOptions.ModelVariable,-16} the model name, for example llama3.2 or gpt-4o-mini",
        "Or replay a scripted model, which needs no endpoint:",
        "  codeact run --script samples/scripts/gross-margin.md \"What is the average gross margin across all orders?\"");

    public static Command Create()
    {
        var script = CliOptions.ExistingFile(
            "--script",
            "FILE",
            "Replay the model turns written in this Markdown file (a line '## turn' starts each turn) instead of calling a model endpoint.",
            "script file");
        var maxSteps = CliOptions.PositiveInt(
            "--max-steps",
            "N",
            $"Stop after N steps without a final answer. Default {new CodeActOptions().MaxSteps}.",
            CodeActOptions.MaxStepsLimit);
        var backend = CliOptions.Backend(required: false, "The sandbox that runs the model's code: jint (modern JavaScript in Jint 4, pure managed, the default) v8 (modern JavaScript in V8 14.7 through ClearScript) or csharp (C# scripting with an allow-listed API).");
        var isolation = CliOptions.Isolation();
        var mcp = new Option<string[]>("--mcp")
        {
            Description = "Give the code the tools of an MCP server: NAME=COMMAND (a stdio server, e.g. weather=\"node weather.js\") or NAME=URL (HTTP). Repeat for several servers.",
            HelpName = "NAME=COMMAND|NAME=URL",
        };
        mcp.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                try
                {
                    McpServerConfig.Parse(token.Value);
                }
                catch (FormatException e)
                {
                    result.AddError($"--mcp: {e.Message}");
                }
            }
        });
        var mounts = CliOptions.Mounts();
        var uploads = new Option<FileInfo[]>("--upload")
        {
            Description = "Add a copy of this file to the session under its file name, for the code to read, and tell the model. Repeat for several files.",
            HelpName = "FILE",
        };
        uploads.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !File.Exists(t.Value)))
            {
                result.AddError($"--upload: the file '{token.Value}' does not exist.");
            }
        });
        var outDirectory = CliOptions.OutDirectory();
        var session = new Option<string?>("--session")
        {
            Description = "Run as a durable session with this id: every step is journaled (see --store), so that the run can be continued with --resume after a crash.",
            HelpName = "ID",
        };
        session.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0)
            {
                try
                {
                    JournalCodec.ValidateSessionId(result.Tokens[^1].Value);
                }
                catch (ArgumentException e)
                {
                    result.AddError("--session: " + e.Message.Split(" (Parameter", 2)[0]);
                }
            }
        });
        var resume = new Option<bool>("--resume") { Description = "Continue the durable session given with --session: replay its journal, then go on live. Give no task." };
        var store = CheckpointStores.Option();
        var requireApproval = new Option<string[]>("--require-approval")
        {
            Description = $"Every call of this tool (a demo tool such as {ReportTool.Name}, or an MCP server's) waits for a person's decision: on the terminal with --approve; " +
                "otherwise a durable run (--session) stops with exit code 3 until 'codeact sessions approve' decides, and any other run has the call rejected. Repeat for several tools.",
            HelpName = "TOOL",
        };
        var approve = new Option<bool>("--approve")
        {
            Description = "Ask on the terminal before each call that needs approval: the request is printed on stderr and one answer line is read from stdin " +
                "(y = approve, n [reason] = reject, e {json} = approve with these arguments). No answer leaves the call undecided. " +
                $"Each code block may then take up to {ApprovalWait.TotalMinutes:0} minutes, to wait for the answers.",
        };
        var task = new Argument<string[]>("task")
        {
            Description = "What the agent should do, in quotes; for example \"What is the average gross margin across all orders?\"",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command(
            "run",
            $"Run the CodeAct agent on a task with the tools of the MCP servers given with --mcp (or, when none is given, the demo '{OrdersTool.Name}' and '{ReportTool.Name}' tools), against the model endpoint in " +
            $"{OpenAIEndpointOptions.BaseUrlVariable}, {OpenAIEndpointOptions.ApiKeyVariable} and {OpenAIEndpointOptions.ModelVariable}, " +
            "or a scripted model (--script). Prints each step as it happens. Exit code 0 with a final answer, 1 without one, 2 for a usage error, " +
            $"{ExitCodes.AwaitingApproval} when a durable run (--session) waits for the approval of a tool call (see --require-approval, 'codeact sessions approve').")
        {
            script,
            maxSteps,
            backend,
            isolation,
            mcp,
            mounts,
            uploads,
            outDirectory,
            session,
            resume,
            store,
            requireApproval,
            approve,
            task,
        };

        command.Validators.Add(result =>
        {
            var hasTask = !string.IsNullOrWhiteSpace(string.Join(' ', result.GetValue(task) ?? []));
            var resuming = result.GetValue(resume);
            if (resuming && result.GetValue(session) is null)
            {
                result.AddError("--resume needs --session ID: say which durable session to continue.");
            }
            else if (resuming && hasTask)
            {
                result.AddError("--resume continues the task the session was started with; give no task.");
            }
            else if (!resuming && !hasTask)
            {
                result.AddError("No task given; say what the agent should do, in quotes, for example codeact run \"What is the average gross margin across all orders?\".");
            }
            else if (result.GetValue(session) is not null && (result.GetValue(uploads) ?? []).Length > 0)
            {
                result.AddError("--upload cannot be combined with --session: uploads are not journaled, so a resumed run would not have them. Use --mount.");
            }
            else if (result.GetValue(store) is not null && result.GetValue(session) is null)
            {
                result.AddError("--store is only used with --session.");
            }
            else if (result.GetValue(approve) && !resuming && (result.GetValue(requireApproval) ?? []).Length == 0)
            {
                result.AddError("--approve asks about the calls of the tools that need approval; name them with --require-approval TOOL.");
            }
        });

        command.SetAction((parse, cancellationToken) => RunAsync(
            new RunRequest(
                string.Join(' ', parse.GetValue(task) ?? []).Trim(),
                parse.GetValue(backend)!.Trim().ToLowerInvariant(),
                parse.GetValue(isolation),
                parse.GetValue(script),
                parse.GetValue(maxSteps) ?? new CodeActOptions().MaxSteps,
                [.. (parse.GetValue(mcp) ?? []).Select(McpServerConfig.Parse)],
                new FileSystemOptions { Mounts = [.. (parse.GetValue(mounts) ?? []).Select(CliOptions.ParseMount)] },
                parse.GetValue(uploads) ?? [],
                parse.GetValue(outDirectory),
                parse.GetValue(session),
                parse.GetValue(resume),
                parse.GetValue(store),
                [.. (parse.GetValue(requireApproval) ?? []).Select(t => t.Trim())],
                parse.GetValue(approve),
                ResumeArguments(parse, [script, maxSteps, backend, isolation, mcp, mounts, outDirectory, store, requireApproval, approve])),
            cancellationToken));
        return command;
    }

    /// <summary>How long one code block may take when --approve asks on the terminal: long enough for a person to answer.</summary>
    private static readonly TimeSpan ApprovalWait = TimeSpan.FromMinutes(10);

    /// <summary>The options given on the command line, as a resume of the same run needs them again.</summary>
    private static IReadOnlyList<string> ResumeArguments(ParseResult parse, IEnumerable<Option> options)
    {
        var arguments = new List<string>();
        foreach (var option in options)
        {
            if (parse.GetResult(option) is not { Implicit: false } result)
            {
                continue;
            }

            if (option is Option<bool>)
            {
                arguments.Add(option.Name);
            }
            else
            {
                foreach (var token in result.Tokens)
                {
                    arguments.Add(option.Name);
                    arguments.Add(token.Value);
                }
            }
        }

        return arguments;
    }

    /// <summary>What <c>codeact run</c> was asked to do.</summary>
    private sealed record RunRequest(
        string Task,
        string Backend,
        SandboxIsolation Isolation,
        FileInfo? Script,
        int MaxSteps,
        IReadOnlyList<McpServerConfig> Servers,
        FileSystemOptions Files,
        IReadOnlyList<FileInfo> Uploads,
        DirectoryInfo? OutDirectory,
        string? SessionId,
        bool Resume,
        string? Store,
        IReadOnlyList<string> RequireApproval,
        bool Approve,
        IReadOnlyList<string> ResumeArguments);

    private static async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var store = request.SessionId is null ? null : CheckpointStores.Open(request.Store);
        try
        {
            return await RunAsync(request, store, cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointException e)
        {
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"codeact run: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        finally
        {
            if (store is not null)
            {
                await CheckpointStores.CloseAsync(store).ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunAsync(RunRequest request, ICheckpointStore? store, CancellationToken cancellationToken)
    {
        var (task, backend, isolation, script, maxSteps, servers, files, uploads, outDirectory, sessionId, resume, _, requireApproval, approve, _) = request;
        var journaledTurns = 0;
        var needApproval = new HashSet<string>(requireApproval, StringComparer.Ordinal);
        var journaledApprovals = new HashSet<string>(StringComparer.Ordinal);
        if (resume)
        {
            // The task is the journaled one, and a scripted model goes on from the first turn not journaled.
            var journal = await store!.ReadAsync(sessionId!, cancellationToken).ConfigureAwait(false);
            task = journal.Session.Task;
            journaledTurns = journal.Entries.Count(e => e.Kind == JournalEntryKind.ModelTurn);

            // A tool that waited for approval in this session still does, even when the resume does not say so again.
            journaledApprovals.UnionWith(ToolApprovals.JournaledTools(journal));
        }

        string? notice = null;
        string modelLine;
        IChatClient client;
        if (script is not null)
        {
            var scripted = LoadScript(script, journaledTurns);
            client = scripted;
            var shown = Path.GetRelativePath(Environment.CurrentDirectory, script.FullName);
            notice = $"NOTE: the model is a scripted test double reading {shown}; no language model is called.";
            modelLine = $"scripted test double, {scripted.Turns.Count} turns from {shown}";
        }
        else
        {
            var endpoint = OpenAIEndpointOptions.FromEnvironment();
            if (endpoint.GetConfigurationError() is { } problem)
            {
                // When nothing at all is set, the help below says it all; otherwise say first what is wrong.
                var summary = problem == OpenAIEndpointOptions.ConfigurationHelp ? "no model endpoint is configured." : problem;
                await Console.Error.WriteLineAsync($"codeact run: {summary}{ConfigurationHelp}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var openAI = new OpenAIChatClient(endpoint);
            client = openAI;
            modelLine = $"{openAI.DefaultModel} at {openAI.BaseUrl} (OpenAI-compatible endpoint)";
        }

        using var ownedClient = client;
        await using var opened = Backends.Open(backend, oneShot: false, isolation);
        var interpreter = opened.Interpreter;
        if (opened.UnavailableProtections.Count > 0)
        {
            await Console.Error.WriteLineAsync($"codeact run: warning: {string.Join(" ", opened.UnavailableProtections)}").ConfigureAwait(false);
        }

        await using var mcpTools = await McpToolSource.ConnectAsync(servers, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var problem in mcpTools.Problems)
        {
            await Console.Error.WriteLineAsync($"codeact run: warning: {problem}").ConfigureAwait(false);
        }

        // The demo tools are there to try the agent without tools of one's own; next to the user's tools they only distract the model.
        IReadOnlyList<AIFunction> tools = servers.Count == 0 ? [OrdersTool.Create(), ReportTool.Create()] : [.. mcpTools.Tools];
        needApproval.UnionWith(journaledApprovals.Where(name => tools.Any(t => t.Name == name)));
        tools = ToolApprovals.Require(tools, needApproval);
        var approver = approve ? new ToolApprovals.TerminalApprover(Console.In, Console.Error, Environment.UserName, Console.IsInputRedirected) : null;
        var sandbox = new SandboxOptions { Files = files, Isolation = isolation };
        using var agent = new CodeActAgent(
            interpreter,
            new ChatClientCodeGenerator(client),
            new CodeActOptions { MaxSteps = maxSteps, Sandbox = approve ? sandbox with { Timeout = ApprovalWait } : sandbox },
            tools,
            checkpoints: store,
            toolApprover: approver);

        var printer = new StepPrinter(Console.Out, StepPrinter.ShouldUseColor(), tokensAreEstimated: script is not null);
        printer.Header(
            notice,
            [
                ("model", modelLine),
                ("sandbox", $"{backend} · {agent.Language.Name}, {ShortDialect(agent.Language.Dialect)} · tools: {string.Join(", ", agent.Tools.Select(t => t.Name))}"),
                .. opened.IsIsolated ? new[] { ("worker", $"{string.Join(", ", opened.AppliedProtections)}; tools run here") } : [],
                ("files", FilesLine(files, uploads)),
                ("budget", $"{maxSteps} steps"),
                .. needApproval.Count == 0 ? [] : new[] { ("approval", $"{string.Join(", ", tools.Where(t => needApproval.Contains(t.Name)).Select(t => t.Name))}: every call waits for a decision, {(approve ? "asked on the terminal" : sessionId is null ? "and nobody is asked, so it is rejected (use --approve or --session)" : "taken with 'codeact sessions approve'")}") },
                .. sessionId is null ? [] : new[] { ("session", $"{sessionId}, {(resume ? "resumed from" : "journaled in")} {CheckpointStores.Describe(request.Store)}") },
                ("task", task),
            ]);

        var started = Stopwatch.GetTimestamp();
        AgentStep? last = null;
        var steps = new List<AgentStep>();
        await using var session = await agent.CreateSessionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var upload in uploads)
        {
            try
            {
                await using var content = upload.OpenRead();
                await session.Files.AddAsync(upload.Name, content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) // SandboxFileException is an IOException
            {
                throw new UsageException($"--upload: cannot add '{upload.Name}': {e.Message}");
            }
        }

        try
        {
            printer.StepStarting(1);
            var runRequest = sessionId is null ? new AgentRunRequest(task) { Session = session }
                : resume ? AgentRunRequest.Resume(sessionId)
                : AgentRunRequest.Durable(sessionId, task);
            var run = agent.RunStreamingAsync(runRequest, cancellationToken);
            await foreach (var step in run.ConfigureAwait(false))
            {
                printer.Step(step);
                steps.Add(step);
                last = step;
                if (step.Outcome is null)
                {
                    printer.StepStarting(step.Number + 1);
                }
            }
        }
        catch (ModelEndpointException e)
        {
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"codeact run: the model endpoint failed: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Console.Error.WriteLineAsync("codeact run: cancelled.").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (InvalidOperationException e) when (client is ScriptedChatClient)
        {
            // The script ran out of turns before the code called final_answer.
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"codeact run: the scripted model stopped: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var awaiting = last!.Outcome is AgentOutcome.AwaitingApproval && last.PendingApproval is { } pending
            ? NextCommands(pending, sessionId!, request.ResumeArguments)
            : null;
        printer.Finished(last, Stopwatch.GetElapsedTime(started), awaiting);
        if (outDirectory is not null)
        {
            // A durable run has a session of its own; its artifacts are those its steps wrote, the latest of each.
            var artifacts = sessionId is null ? session.Files.Artifacts
                : [.. steps.SelectMany(s => s.Executions).SelectMany(e => e.Artifacts).GroupBy(a => a.Path).Select(g => g.Last())];
            await ArtifactSaver.SaveAsync(artifacts, outDirectory, Console.Out, cancellationToken).ConfigureAwait(false);
        }

        return last.Outcome switch
        {
            AgentOutcome.FinalAnswer => ExitCodes.Ok,
            AgentOutcome.AwaitingApproval => ExitCodes.AwaitingApproval,
            _ => ExitCodes.Failed,
        };
    }

    /// <summary>What a suspended run waits for, and the commands that decide it and continue the run, ready to paste.</summary>
    private static string NextCommands(ApprovalRequest pending, string sessionId, IReadOnlyList<string> runArguments)
    {
        var storeArguments = new List<string>();
        for (var i = 0; i + 1 < runArguments.Count; i++)
        {
            if (runArguments[i] == "--store")
            {
                storeArguments.AddRange(["--store", runArguments[i + 1]]);
            }
        }

        string Command(IEnumerable<string> words) => string.Join(' ', words.Select(ToolApprovals.Quote));
        var approveCommand = Command(["codeact", "sessions", "approve", sessionId, .. storeArguments]);
        var exampleArguments = ToolApprovals.Json(pending.Arguments);
        var lines = new List<string>
        {
            ToolApprovals.Describe(pending, "  "),
            "",
            "Decide with one of:",
            $"  {approveCommand}",
            $"  {approveCommand} --reject 'REASON'",
        };
        if (pending.IsToolCall)
        {
            lines.Add($"  {approveCommand} --arguments {ToolApprovals.Quote(exampleArguments)}");
        }

        lines.Add("then continue the run with:");
        lines.Add($"  {Command(["codeact", "run", "--session", sessionId, "--resume", .. runArguments])}");
        return string.Join('\n', lines);
    }

    private static string FilesLine(FileSystemOptions files, IReadOnlyList<FileInfo> uploads)
    {
        var parts = files.Mounts.Select(m => $"{m.Name}/ ({(m.Access == MountAccess.ReadOnly ? "read-only" : "read-write")})")
            .Concat(uploads.Select(u => u.Name))
            .Append("out/ (artifacts)");
        return string.Join(", ", parts);
    }

    private static ScriptedChatClient LoadScript(FileInfo script, int skipTurns)
    {
        try
        {
            var scripted = ScriptedChatClient.FromFile(script.FullName);
            return skipTurns == 0 ? scripted : new ScriptedChatClient(scripted.Turns.Skip(skipTurns));
        }
        catch (FormatException)
        {
            throw new UsageException($"The script file '{script}' has no turns; start each model turn with a line '## turn'.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read the script file '{script}': {e.Message}");
        }
    }

    // "modern JavaScript (ECMAScript 2023, the Jint interpreter): let/const, ..." → "modern JavaScript"
    private static string ShortDialect(string dialect)
    {
        var end = dialect.IndexOfAny(['(', ':', ';']);
        return (end < 0 ? dialect : dialect[..end]).Trim();
    }
}
