using CodeActSdk;
using CodeActSdk.Durability.CrashHost;
using CodeActSdk.Jint;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;

// run|resume <store-path> <session-id> <effects-log-path>: runs (or resumes) the scripted durable session of
// CrashScript, prints its final answer on stdout and exits 0; on any failure prints one line on stderr and exits 1.
if (args.Length != 4 || args[0] is not ("run" or "resume"))
{
    Console.Error.WriteLine("usage: CodeActSdk.Durability.CrashHost run|resume <store-path> <session-id> <effects-log-path>");
    return 2;
}

var (mode, storePath, sessionId, effectsLog) = (args[0], args[1], args[2], args[3]);
try
{
    // A killed run leaves its lease behind; the resume sees that its holder, a process of this machine, is gone and
    // takes the lease over without waiting for it to expire.
    using var store = new SqliteCheckpointStore(storePath);

    // The model is asked only for the turns the journal does not hold; a turn it holds is served from it.
    var journaledTurns = mode == "resume"
        ? (await store.ReadAsync(sessionId)).Entries.Count(e => e.Kind == JournalEntryKind.ModelTurn)
        : 0;
    var liveTurns = CrashScript.Turns.Skip(journaledTurns).ToList();

    // One more turn than needed, so that a model asked too often is reported below rather than as a script error.
    var client = new ScriptedChatClient([.. liveTurns, "```js\nfinal_answer('the model was asked for a turn the journal holds');\n```"]);
    await using var interpreter = new JintInterpreter();
    using var agent = new CodeActAgent(
        interpreter,
        new ChatClientCodeGenerator(new SlowChatClient(client, CrashScript.ModelLatency)),
        new CodeActOptions { MaxSteps = CrashScript.Turns.Count + 2 },
        [CrashScript.RecordTool(effectsLog)],
        checkpoints: store);

    var result = mode == "run"
        ? await agent.RunAsync(AgentRunRequest.Durable(sessionId, CrashScript.SessionTask))
        : await agent.RunAsync(AgentRunRequest.Resume(sessionId));
    if (result.Outcome != AgentOutcome.FinalAnswer || client.CallCount != liveTurns.Count)
    {
        Console.Error.WriteLine($"crash-host: the {mode} ended with {result.Outcome} after asking the model {client.CallCount} time(s); {liveTurns.Count} turn(s) were not journaled.");
        return 1;
    }

    Console.Out.WriteLine(result.FinalAnswerText);
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"crash-host: {mode} failed with {e.GetType().Name}: {e.Message}".ReplaceLineEndings(" "));

    // For a person diagnosing a failed case by hand; the tests read only the first line.
    if (Environment.GetEnvironmentVariable("CRASH_HOST_TRACE") == "1")
    {
        Console.Error.WriteLine(e);
    }

    return 1;
}
