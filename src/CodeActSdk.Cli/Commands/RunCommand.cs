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
/// <c>codeact run [--script FILE] [--max-steps N] [--backend jint] [--mcp NAME=COMMAND|NAME=URL]... [--mount NAME=DIR[:rw]]...
/// [--upload FILE]... [--out DIR] "&lt;task&gt;"</c>:
/// runs the agent on a task, with the demo <c>orders</c> tool and the tools of any MCP servers named, against the
/// endpoint in the environment or a scripted model, printing each step as it happens. Exit code 0 with a final answer, 1 without one (step budget, model failure, Ctrl+C), 2 for a usage or
/// configuration error.
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
        var backend = CliOptions.Backend(required: false, "The sandbox that runs the model's code: jint (JavaScript, ECMAScript 5.1, the default) v8 (modern JavaScript in V8 through libnode) or csharp (C# scripting with an allow-listed API).");
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
        var task = new Argument<string[]>("task")
        {
            Description = "What the agent should do, in quotes; for example \"What is the average gross margin across all orders?\"",
            Arity = ArgumentArity.OneOrMore,
        };

        var command = new Command(
            "run",
            $"Run the CodeAct agent on a task with the demo '{OrdersTool.Name}' tool, against the model endpoint in " +
            $"{OpenAIEndpointOptions.BaseUrlVariable}, {OpenAIEndpointOptions.ApiKeyVariable} and {OpenAIEndpointOptions.ModelVariable}, " +
            "or a scripted model (--script). Prints each step as it happens.")
        {
            script,
            maxSteps,
            backend,
            mcp,
            mounts,
            uploads,
            outDirectory,
            task,
        };

        command.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(string.Join(' ', result.GetValue(task) ?? [])))
            {
                result.AddError("No task given; say what the agent should do, in quotes, for example codeact run \"What is the average gross margin across all orders?\".");
            }
        });

        command.SetAction((parse, cancellationToken) => RunAsync(
            string.Join(' ', parse.GetValue(task) ?? []).Trim(),
            parse.GetValue(backend)!.Trim().ToLowerInvariant(),
            parse.GetValue(script),
            parse.GetValue(maxSteps) ?? new CodeActOptions().MaxSteps,
            [.. (parse.GetValue(mcp) ?? []).Select(McpServerConfig.Parse)],
            new FileSystemOptions { Mounts = [.. (parse.GetValue(mounts) ?? []).Select(CliOptions.ParseMount)] },
            parse.GetValue(uploads) ?? [],
            parse.GetValue(outDirectory),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string task,
        string backend,
        FileInfo? script,
        int maxSteps,
        IReadOnlyList<McpServerConfig> servers,
        FileSystemOptions files,
        IReadOnlyList<FileInfo> uploads,
        DirectoryInfo? outDirectory,
        CancellationToken cancellationToken)
    {
        string? notice = null;
        string modelLine;
        IChatClient client;
        if (script is not null)
        {
            var scripted = LoadScript(script);
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
        var interpreter = Backends.Create(backend, oneShot: false);
        await using var ownedInterpreter = interpreter as IAsyncDisposable;
        await using var mcpTools = await McpToolSource.ConnectAsync(servers, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var problem in mcpTools.Problems)
        {
            await Console.Error.WriteLineAsync($"codeact run: warning: {problem}").ConfigureAwait(false);
        }

        using var agent = new CodeActAgent(
            interpreter,
            new ChatClientCodeGenerator(client),
            new CodeActOptions { MaxSteps = maxSteps, Sandbox = new SandboxOptions { Files = files } },
            [OrdersTool.Create(), .. mcpTools.Tools]);

        var printer = new StepPrinter(Console.Out, StepPrinter.ShouldUseColor(), tokensAreEstimated: script is not null);
        printer.Header(
            notice,
            [
                ("model", modelLine),
                ("sandbox", $"{backend} · {agent.Language.Name}, {ShortDialect(agent.Language.Dialect)} · tools: {string.Join(", ", agent.Tools.Select(t => t.Name))}"),
                ("files", FilesLine(files, uploads)),
                ("budget", $"{maxSteps} steps"),
                ("task", task),
            ]);

        var started = Stopwatch.GetTimestamp();
        AgentStep? last = null;
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
            await foreach (var step in agent.RunStreamingAsync(task, session, cancellationToken).ConfigureAwait(false))
            {
                printer.Step(step);
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

        printer.Finished(last!, Stopwatch.GetElapsedTime(started));
        if (outDirectory is not null)
        {
            await ArtifactSaver.SaveAsync(session.Files.Artifacts, outDirectory, Console.Out, cancellationToken).ConfigureAwait(false);
        }

        return last!.Outcome is AgentOutcome.FinalAnswer ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string FilesLine(FileSystemOptions files, IReadOnlyList<FileInfo> uploads)
    {
        var parts = files.Mounts.Select(m => $"{m.Name}/ ({(m.Access == MountAccess.ReadOnly ? "read-only" : "read-write")})")
            .Concat(uploads.Select(u => u.Name))
            .Append("out/ (artifacts)");
        return string.Join(", ", parts);
    }

    private static ScriptedChatClient LoadScript(FileInfo script)
    {
        try
        {
            return ScriptedChatClient.FromFile(script.FullName);
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

    // "ECMAScript 5.1 (the Jint interpreter): use var ..." → "ECMAScript 5.1"
    private static string ShortDialect(string dialect)
    {
        var end = dialect.IndexOfAny(['(', ':', ';']);
        return (end < 0 ? dialect : dialect[..end]).Trim();
    }
}
