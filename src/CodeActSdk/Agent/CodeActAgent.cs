using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CodeActSdk;

/// <summary>
/// A CodeAct agent: the model writes code, a sandboxed interpreter runs it, and what the code printed, returned or
/// threw is the next observation, until the code calls <c>final_answer(...)</c> or the step budget is spent.
/// </summary>
/// <remarks>
/// <para>
/// Each run creates one interpreter session (so state persists between its steps, like a REPL) and disposes it at
/// the end, also when the run fails or is cancelled; or it runs in an <see cref="AgentSession"/> the host created with
/// <see cref="CreateSessionAsync"/> (to add files, or to ask a follow-up in the same state), which it leaves open.
/// The history starts with the system prompt and the task; the
/// <see cref="IMemoryPolicy"/> shapes it before each model call. The blocks of a turn that are untagged or tagged
/// with the interpreter's language run in order; the first one that fails or calls <c>final_answer</c> stops the
/// rest. Failures of the code are sent back to the model as observations so that it can correct itself; failures of
/// the model or the interpreter (exceptions) and cancellation propagate to the caller.
/// </para>
/// <para>
/// The agent holds no per-run state: it is thread-safe, and one instance (for example the singleton that
/// <c>AddCodeAct</c> registers) can serve any number of concurrent runs, each with its own session and history.
/// Thread safety of the generator, memory policy and interpreter is theirs to state; the built-in ones are thread-safe.
/// </para>
/// </remarks>
public sealed partial class CodeActAgent : IDisposable
{
    private readonly ICodeInterpreter _interpreter;
    private readonly ICodeGenerator _generator;
    private readonly IMemoryPolicy _memoryPolicy;
    private readonly ISkillStore? _skills;
    private readonly ICheckpointStore? _checkpoints;
    private readonly SandboxOptions _sandboxOptions;
    private readonly string _name;
    private readonly int _maxSteps;
    private readonly int _maxObservationChars;
    private readonly NoCodeBehavior _whenNoCode;
    private readonly bool _showStateDigest;
    private readonly int _stateDigestEntries;
    private readonly int _largeOutputChars;
    private readonly bool _enablePlan;
    private readonly string? _modelId;
    private readonly string? _providerName;
    private readonly ILogger _logger;
    private readonly CodeActInstrumentation _instrumentation;

    /// <summary>Creates an agent; this is the constructor dependency injection uses.</summary>
    /// <param name="interpreter">The sandbox backend that runs the model's code.</param>
    /// <param name="generator">The model, for example a <see cref="ChatClientCodeGenerator"/>.</param>
    /// <param name="options">The agent's settings; the defaults when <see langword="null"/>.</param>
    /// <param name="tools">The host functions the code may call, in addition to <see cref="CodeActOptions.Sandbox"/>'s tools.</param>
    /// <param name="memoryPolicy">Shapes the history before each model call; <see cref="KeepAllMemoryPolicy"/> when <see langword="null"/>.</param>
    /// <param name="logger">Receives the run's log; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the agent's meter; when <see langword="null"/>, the agent creates and owns one.</param>
    /// <param name="skills">Saved functions loaded into every run's session and listed for the model; none when <see langword="null"/>.</param>
    /// <param name="checkpoints">Where durable runs journal their steps (<see cref="RunDurableAsync"/>, <see cref="ResumeAsync"/>); none when <see langword="null"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each bad option.</exception>
    /// <exception cref="ArgumentException">Two tools share a name.</exception>
    public CodeActAgent(
        ICodeInterpreter interpreter,
        ICodeGenerator generator,
        IOptions<CodeActOptions>? options = null,
        IEnumerable<AIFunction>? tools = null,
        IMemoryPolicy? memoryPolicy = null,
        ILogger<CodeActAgent>? logger = null,
        IMeterFactory? meterFactory = null,
        ISkillStore? skills = null,
        ICheckpointStore? checkpoints = null)
        : this(interpreter, generator, options?.Value ?? new CodeActOptions(), tools, memoryPolicy, logger, meterFactory, skills, checkpoints)
    {
    }

    /// <summary>Creates an agent from an options value; convenient when the agent is built by hand.</summary>
    /// <param name="interpreter">The sandbox backend that runs the model's code.</param>
    /// <param name="generator">The model, for example a <see cref="ChatClientCodeGenerator"/>.</param>
    /// <param name="options">The agent's settings. They are read once, here; later changes do not affect the agent.</param>
    /// <param name="tools">The host functions the code may call, in addition to <see cref="CodeActOptions.Sandbox"/>'s tools.</param>
    /// <param name="memoryPolicy">Shapes the history before each model call; <see cref="KeepAllMemoryPolicy"/> when <see langword="null"/>.</param>
    /// <param name="logger">Receives the run's log; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the agent's meter; when <see langword="null"/>, the agent creates and owns one.</param>
    /// <param name="skills">Saved functions loaded into every run's session and listed for the model; none when <see langword="null"/>.</param>
    /// <param name="checkpoints">Where durable runs journal their steps (<see cref="RunDurableAsync"/>, <see cref="ResumeAsync"/>); none when <see langword="null"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each bad option.</exception>
    /// <exception cref="ArgumentException">Two tools share a name.</exception>
    public CodeActAgent(
        ICodeInterpreter interpreter,
        ICodeGenerator generator,
        CodeActOptions options,
        IEnumerable<AIFunction>? tools = null,
        IMemoryPolicy? memoryPolicy = null,
        ILogger<CodeActAgent>? logger = null,
        IMeterFactory? meterFactory = null,
        ISkillStore? skills = null,
        ICheckpointStore? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(options);
        CodeActOptionsValidator.ThrowIfInvalid(options);

        _interpreter = interpreter;
        _generator = generator;
        _memoryPolicy = memoryPolicy ?? KeepAllMemoryPolicy.Instance;
        _skills = skills;
        _checkpoints = checkpoints;
        _name = options.Name;
        _maxSteps = options.MaxSteps;
        _maxObservationChars = options.MaxObservationChars;
        _whenNoCode = options.WhenNoCode;
        _showStateDigest = options.ShowStateDigest;
        _stateDigestEntries = options.StateDigestEntries;
        _largeOutputChars = options.LargeOutputChars;
        _enablePlan = options.EnablePlan;
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        Tools = [.. options.Sandbox.Tools, .. tools ?? []];
        _sandboxOptions = (options.Sandbox with { Tools = Tools }).Validate();
        Language = interpreter.Language ?? throw new ArgumentException("The interpreter's Language is null.", nameof(interpreter));

        // The plan tool is per session (it holds the session's plan); one made here documents it, and checks its name is free.
        IReadOnlyList<AIFunction> documented = _enablePlan ? [.. Tools, new PlanBoard().Tool] : Tools;
        if (_enablePlan)
        {
            _ = (_sandboxOptions with { Tools = documented }).Validate();
        }

        SystemPrompt = SystemPromptBuilder.Build(Language, documented.Count == 0 ? "" : interpreter.DescribeTools(documented), _maxObservationChars, options.Instructions);

        if (generator is ChatClientCodeGenerator chatGenerator)
        {
            _modelId = chatGenerator.ModelId;
            _providerName = chatGenerator.ProviderName;
        }

        _instrumentation = new CodeActInstrumentation(meterFactory);
    }

    /// <summary>The language the model is asked to write, from the interpreter.</summary>
    public CodeLanguage Language { get; }

    /// <summary>The tools bridged into every session: <see cref="CodeActOptions.Sandbox"/>'s tools, then the constructor's.</summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>The system prompt every run starts with.</summary>
    public string SystemPrompt { get; }

    /// <summary>Runs the agent on <paramref name="task"/> in a new session, until a final answer or the step budget.</summary>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>How the run ended, the answer, every step and the totals.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public Task<AgentResult> RunAsync(string task, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        return CollectAsync(RunCoreAsync(task, null, null, cancellationToken));
    }

    /// <summary>
    /// Runs the agent on <paramref name="task"/> in <paramref name="session"/>, which stays open afterwards: its
    /// variables, files and plan carry over to the next run.
    /// </summary>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="session">A session from this agent's <see cref="CreateSessionAsync"/>.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>How the run ended, the answer, every step and the totals.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty, or the session was made by another agent.</exception>
    /// <exception cref="InvalidOperationException">Another run is going on in the session.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public Task<AgentResult> RunAsync(string task, AgentSession session, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        RequireOwn(session);
        return CollectAsync(RunCoreAsync(task, session, null, cancellationToken));
    }

    /// <summary>
    /// Runs the agent on <paramref name="task"/> in a new session, yielding each step as soon as it has finished. The
    /// last step has <see cref="AgentStep.Outcome"/> set. Stopping the enumeration early ends the run and disposes its session.
    /// </summary>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>The steps, in order.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty.</exception>
    public IAsyncEnumerable<AgentStep> RunStreamingAsync(string task, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        return StepsOf(RunCoreAsync(task, null, null, cancellationToken));
    }

    /// <summary>
    /// Runs the agent on <paramref name="task"/> in <paramref name="session"/>, yielding each step as soon as it has
    /// finished; between steps the host may add files through <see cref="AgentSession.Files"/>, and the model is told.
    /// </summary>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="session">A session from this agent's <see cref="CreateSessionAsync"/>.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>The steps, in order.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty, or the session was made by another agent.</exception>
    public IAsyncEnumerable<AgentStep> RunStreamingAsync(string task, AgentSession session, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        RequireOwn(session);
        return StepsOf(RunCoreAsync(task, session, null, cancellationToken));
    }

    /// <summary>
    /// Runs the agent on <paramref name="task"/> as a durable session: every model turn, tool call and finished step
    /// is journaled in the agent's <see cref="ICheckpointStore"/> before it counts as done, so that
    /// <see cref="ResumeAsync"/> can continue the run after a crash, on this host or another.
    /// </summary>
    /// <param name="sessionId">A new session id (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run; what was journaled stays, and the run can be resumed.</param>
    /// <exception cref="InvalidOperationException">The agent has no checkpoint store.</exception>
    /// <exception cref="CheckpointConflictException">A session with this id exists.</exception>
    /// <exception cref="CheckpointException">The store failed; the message says how.</exception>
    public Task<AgentResult> RunDurableAsync(string sessionId, string task, CancellationToken cancellationToken = default) =>
        CollectAsync(DurableRunCore(sessionId, task, cancellationToken));

    /// <summary>Like <see cref="RunDurableAsync"/>, yielding each step as soon as it has finished and been journaled.</summary>
    /// <param name="sessionId">A new session id (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run; what was journaled stays, and the run can be resumed.</param>
    /// <exception cref="InvalidOperationException">The agent has no checkpoint store.</exception>
    public IAsyncEnumerable<AgentStep> RunDurableStreamingAsync(string sessionId, string task, CancellationToken cancellationToken = default) =>
        StepsOf(DurableRunCore(sessionId, task, cancellationToken));

    /// <summary>
    /// Resumes a durable session after a crash (or finishes replaying one that ended). The interpreter state is
    /// rebuilt by running the journaled code again, with the model's turns and the tools' results served from the
    /// journal (no tool is called again, the model is not asked); then the run continues live from the first step
    /// not journaled. A step that does not replay the same way (its code read the clock or random numbers) stops the
    /// resume with a <see cref="JournalDivergenceException"/>.
    /// </summary>
    /// <param name="sessionId">The session to resume.</param>
    /// <param name="cancellationToken">Stops the run; what was journaled stays.</param>
    /// <returns>The whole run: the replayed steps (<see cref="AgentStep.Replayed"/>), then the live ones.</returns>
    /// <exception cref="InvalidOperationException">The agent has no checkpoint store.</exception>
    /// <exception cref="CheckpointNotFoundException">There is no such session.</exception>
    /// <exception cref="SessionLeasedException">Another host is running it.</exception>
    /// <exception cref="CheckpointCorruptException">The journal is damaged; nothing was changed.</exception>
    /// <exception cref="CheckpointFormatException">The journal is in a format this version does not read.</exception>
    /// <exception cref="JournalDivergenceException">A journaled step did not replay the same way.</exception>
    public Task<AgentResult> ResumeAsync(string sessionId, CancellationToken cancellationToken = default) =>
        CollectAsync(ResumeCore(sessionId, cancellationToken));

    /// <summary>Like <see cref="ResumeAsync"/>, yielding each step (replayed ones first) as soon as it has finished.</summary>
    /// <param name="sessionId">The session to resume.</param>
    /// <param name="cancellationToken">Stops the run; what was journaled stays.</param>
    /// <exception cref="InvalidOperationException">The agent has no checkpoint store.</exception>
    public IAsyncEnumerable<AgentStep> ResumeStreamingAsync(string sessionId, CancellationToken cancellationToken = default) =>
        StepsOf(ResumeCore(sessionId, cancellationToken));

    /// <summary>
    /// Creates a session for runs of this agent: an interpreter session with the agent's tools (and the plan tool), its
    /// saved skills loaded. Add files to it, run the agent in it any number of times, then dispose it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="ArgumentException">The sandbox options are invalid, for example a mount's host folder does not exist.</exception>
    public Task<AgentSession> CreateSessionAsync(CancellationToken cancellationToken = default) => CreateAgentSessionAsync(null, cancellationToken);

    private async Task<AgentSession> CreateAgentSessionAsync(DurableRun? durable, CancellationToken cancellationToken)
    {
        var plan = _enablePlan ? new PlanBoard() : null;
        // A durable run's tools journal their calls, or serve them from the journal while it is replayed.
        IReadOnlyList<AIFunction> tools = durable is null ? Tools : [.. Tools.Select(t => new JournaledTool(t, durable))];
        var sandbox = _sandboxOptions with { Tools = plan is null ? tools : [.. tools, plan.Tool] };
        var session = await _interpreter.CreateSessionAsync(sandbox, cancellationToken).ConfigureAwait(false);
        try
        {
            var skills = _skills is null ? null : await LoadSkillsAsync(session, cancellationToken).ConfigureAwait(false);
            return new AgentSession(this, session, plan, skills);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Disposes the meter the agent created, when it was not given an <see cref="IMeterFactory"/>.</summary>
    public void Dispose() => _instrumentation.Dispose();

    /// <summary>One event of a run: a finished step, and once at the end the conversation and the session's artifacts.</summary>
    private readonly record struct RunEvent(AgentStep? Step, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<Artifact> Artifacts);

    private static async IAsyncEnumerable<AgentStep> StepsOf(IAsyncEnumerable<RunEvent> events)
    {
        await foreach (var item in events.ConfigureAwait(false))
        {
            if (item.Step is { } step)
            {
                yield return step;
            }
        }
    }

    private static async Task<AgentResult> CollectAsync(IAsyncEnumerable<RunEvent> events)
    {
        var started = Stopwatch.GetTimestamp();
        var steps = new List<AgentStep>();
        IReadOnlyList<Artifact> artifacts = [];
        IReadOnlyList<ChatMessage> history = [];
        UsageDetails? usage = null;
        await foreach (var item in events.ConfigureAwait(false))
        {
            if (item.Step is not { } step)
            {
                artifacts = item.Artifacts;
                history = item.Messages;
                continue;
            }

            steps.Add(step);
            if (step.Usage is not null)
            {
                usage ??= new UsageDetails();
                usage.Add(step.Usage);
            }
        }

        var last = steps[^1];
        var outcome = last.Outcome ?? AgentOutcome.MaxStepsReached;
        return new AgentResult
        {
            Outcome = outcome,
            FinalAnswer = outcome == AgentOutcome.FinalAnswer ? last.FinalAnswer : null,
            FinalAnswerText = outcome switch
            {
                AgentOutcome.FinalAnswer when last.FinalAnswer is { } answer => AnswerText(answer),
                AgentOutcome.AnsweredWithoutCode => last.ModelText.Trim(),
                _ => null,
            },
            Steps = steps,
            LastObservation = last.Observation,
            Messages = history,
            Usage = usage,
            Duration = Stopwatch.GetElapsedTime(started),
            Plan = last.Plan,
            Artifacts = artifacts,
        };
    }

    private IAsyncEnumerable<RunEvent> DurableRunCore(string sessionId, string task, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        JournalCodec.ValidateSessionId(sessionId);
        var store = RequireCheckpoints();
        return RunCoreAsync(task, null, ct => DurableRun.StartAsync(store, sessionId, task, Language.Name, TimeProvider.System, ct), cancellationToken);
    }

    private IAsyncEnumerable<RunEvent> ResumeCore(string sessionId, CancellationToken cancellationToken)
    {
        JournalCodec.ValidateSessionId(sessionId);
        var store = RequireCheckpoints();
        return RunCoreAsync(null, null, ct => DurableRun.ResumeAsync(store, sessionId, Language.Name, TimeProvider.System, ct), cancellationToken);
    }

    private ICheckpointStore RequireCheckpoints() => _checkpoints
        ?? throw new InvalidOperationException("This agent has no checkpoint store, so it cannot run durable sessions. Give it one: UseCheckpointStore(new SqliteCheckpointStore(path)) or the constructor's checkpoints argument.");

    private void RequireOwn(AgentSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Owner != this)
        {
            throw new ArgumentException("This session was created by another agent; create one with this agent's CreateSessionAsync.", nameof(session));
        }
    }

    /// <summary>
    /// The run loop. <paramref name="task"/> is null when a durable run is resumed (the journal holds it);
    /// <paramref name="startDurable"/> starts or resumes the journal of a durable run.
    /// </summary>
    private async IAsyncEnumerable<RunEvent> RunCoreAsync(
        string? task,
        AgentSession? given,
        Func<CancellationToken, Task<DurableRun>>? startDurable,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Activity.Current does not survive a yield in an async iterator (each MoveNextAsync runs in the
        // consumer's context), so the step activities name their parent explicitly.
        using var runActivity = StartRunActivity();
        var runContext = runActivity?.Context ?? default;
        LogRunStarted(_logger, _name, _maxSteps);

        DurableRun? durable = null;
        AgentSession session;
        try
        {
            durable = startDurable is null ? null : await startDurable(cancellationToken).ConfigureAwait(false);
            task ??= durable!.Session.Task;
            session = given ?? await CreateAgentSessionAsync(durable, cancellationToken).ConfigureAwait(false);
            session.BeginRun();
        }
        catch (Exception e)
        {
            MarkFailed(runActivity, e);
            if (durable is not null)
            {
                await durable.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        try
        {
            var taskMessage = string.Join("\n\n", new[] { task, session.SkillList, session.Notice.ForTask() }.Where(p => p is not null));
            var history = new List<ChatMessage> { new(ChatRole.System, SystemPrompt), new(ChatRole.User, taskMessage) };
            long? inputTokens = null;
            long? outputTokens = null;
            for (var number = 1; number <= _maxSteps; number++)
            {
                AgentStep step;
                try
                {
                    step = await RunStepAsync(session, durable, history, number, runContext, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
                {
                    MarkFailed(runActivity, e);
                    LogRunCancelled(_logger, _name, number);
                    throw;
                }
                catch (Exception e)
                {
                    MarkFailed(runActivity, e);
                    LogRunFailed(_logger, e, _name, number);
                    throw;
                }

                inputTokens = Sum(inputTokens, step.Usage?.InputTokenCount);
                outputTokens = Sum(outputTokens, step.Usage?.OutputTokenCount);
                if (step.Outcome is { } outcome)
                {
                    runActivity?.SetTag(CodeActTags.Outcome, outcome.ToString());
                    runActivity?.SetTag(CodeActTags.StepCount, number);
                    runActivity?.SetTag(CodeActTags.InputTokens, inputTokens);
                    runActivity?.SetTag(CodeActTags.OutputTokens, outputTokens);
                    LogRunFinished(_logger, _name, outcome, number);
                }

                yield return new RunEvent(step, [], []);
                if (step.Outcome is not null)
                {
                    yield return new RunEvent(null, history, session.Files.Artifacts);
                    yield break;
                }
            }
        }
        finally
        {
            session.EndRun();
            if (given is null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }

            if (durable is not null)
            {
                await durable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs the saved skills of the agent's language in <paramref name="session"/> and returns their list for the model,
    /// or null when there are none. A skill that fails to load, or a store that cannot be read, is logged and left out:
    /// the run goes on without it.
    /// </summary>
    private async Task<string?> LoadSkillsAsync(IInterpreterSession session, CancellationToken cancellationToken)
    {
        IReadOnlyList<Skill> skills;
        try
        {
            skills = await _skills!.ListAsync(Language.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (SkillStoreException e)
        {
            LogSkillsUnreadable(_logger, e, e.Message);
            return null;
        }

        var loaded = new List<Skill>();
        foreach (var skill in skills)
        {
            var result = await session.ExecuteAsync(skill.Code, cancellationToken).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                loaded.Add(skill);
            }
            else
            {
                LogSkillNotLoaded(_logger, skill.Name, result.Status, result.Error?.Message);
            }
        }

        return loaded.Count == 0
            ? null
            : "[saved skills: these functions are already defined in the session]\n" + string.Join("\n", loaded.Select(s => $"- {s.Signature}: {s.Description}"));
    }

    private async Task<AgentStep> RunStepAsync(AgentSession agentSession, DurableRun? durable, List<ChatMessage> history, int number, ActivityContext runContext, CancellationToken cancellationToken)
    {
        var session = agentSession.Session;
        var plan = agentSession.Plan;
        using var stepActivity = CodeActInstrumentation.ActivitySource.StartActivity(CodeActTags.StepActivity, ActivityKind.Internal, runContext);
        stepActivity?.SetTag(CodeActTags.StepNumber, number);
        _instrumentation.Steps.Add(1, new KeyValuePair<string, object?>(CodeActTags.AgentName, _name));

        ModelTurn turn;
        var modelDuration = TimeSpan.Zero;
        var journaled = durable?.JournaledStep(number);
        if (durable?.JournaledTurn(number) is { } journaledText)
        {
            // A replayed step: the model already answered, and its answer is in the journal.
            turn = new ModelTurn(journaledText, CodeBlockExtractor.Extract(journaledText), null);
        }
        else
        {
            var messages = await _memoryPolicy.ApplyAsync(history, cancellationToken).ConfigureAwait(false);
            var modelStarted = Stopwatch.GetTimestamp();
            turn = await GenerateAsync(messages, cancellationToken).ConfigureAwait(false);
            modelDuration = Stopwatch.GetElapsedTime(modelStarted);
            if (durable is not null)
            {
                await durable.RecordTurnAsync(number, turn.Text).ConfigureAwait(false);
            }
        }

        if (durable is not null)
        {
            durable.CurrentStep = number;
        }

        history.Add(new ChatMessage(ChatRole.Assistant, turn.Text));

        var runnable = turn.CodeBlocks.Where(b => IsRunnable(b) && (b.Tag.Length == 0 || Language.Matches(b.Tag))).ToList();
        var executions = new List<ExecutionResult>();
        var executionDuration = TimeSpan.Zero;
        JsonElement? finalAnswer = null;
        string observation;
        AgentOutcome? outcome = null;

        if (runnable.Count > 0)
        {
            for (var i = 0; i < runnable.Count; i++)
            {
                var executionStarted = Stopwatch.GetTimestamp();
                var result = await ExecuteAsync(session, runnable[i], i, cancellationToken).ConfigureAwait(false);
                executionDuration += Stopwatch.GetElapsedTime(executionStarted);

                // A cancelled execution is a result, not an exception; the caller asked to stop the run.
                cancellationToken.ThrowIfCancellationRequested();
                executions.Add(result);
                if (result.FinalAnswer is not null)
                {
                    finalAnswer = result.FinalAnswer;
                    break;
                }

                if (!result.IsSuccess)
                {
                    break;
                }
            }

            var shown = finalAnswer is null && _largeOutputChars > 0
                ? await LargeOutput.KeepInSessionAsync(session, executions, number, _largeOutputChars, cancellationToken).ConfigureAwait(false)
                : executions;
            observation = ObservationFormatter.Format(shown, runnable.Count - executions.Count);
            if (finalAnswer is not null)
            {
                outcome = AgentOutcome.FinalAnswer;
            }
        }
        else if (turn.CodeBlocks.FirstOrDefault(b => IsRunnable(b) && b.Tag.Length > 0) is { } foreign)
        {
            observation = $"Your code block was tagged '{foreign.Tag}'; this sandbox runs only {Language.Name} ({Language.Dialect}). Write the code in a ```{FenceTag} block.";
        }
        else if (_whenNoCode == NoCodeBehavior.AcceptAsFinalAnswer)
        {
            observation = "(the model answered without code; its text is the final answer)";
            outcome = AgentOutcome.AnsweredWithoutCode;
        }
        else
        {
            observation = $"Your answer had no code block, so nothing ran. Write {Language.Name} code in a ```{FenceTag} block; when you have the answer, call final_answer(value) in the code.";
        }

        if (outcome is null && number == _maxSteps)
        {
            outcome = AgentOutcome.MaxStepsReached;
        }

        if (durable is not null)
        {
            durable.CheckReplay(number, executions, finalAnswer);
            outcome = journaled?.Outcome ?? outcome;
        }

        IReadOnlyList<VariableSummary> variables = [];
        if (_showStateDigest && executions.Count > 0)
        {
            variables = await session.DescribeVariablesAsync(cancellationToken).ConfigureAwait(false);
        }

        // The digest and the plan come after the output, within the observation's size: the output gives up room first.
        var digest = outcome is null ? ObservationFormatter.FormatDigest(variables, _stateDigestEntries) : null;
        var planText = outcome is null ? plan?.Render() : null;
        var files = outcome is null ? agentSession.Notice.ForStep(executions) : null;
        observation = ObservationFormatter.WithExtras(observation, [digest, planText, files], _maxObservationChars);

        if (durable is not null && journaled is null)
        {
            // Written before the step is handed out: once it is journaled, a resume replays it instead of redoing it.
            await durable.RecordStepAsync(number, new JournaledStep(observation, [.. executions.Select(JournaledExecution.From)], outcome, finalAnswer)).ConfigureAwait(false);
        }

        if (outcome is null)
        {
            history.Add(new ChatMessage(ChatRole.User, "Observation:\n" + observation));
        }

        LogStepFinished(_logger, number, executions.Count, executions.Count > 0 ? executions[^1].Status : null);
        if (outcome is not null)
        {
            stepActivity?.SetTag(CodeActTags.Outcome, outcome.ToString());
        }

        return new AgentStep
        {
            Number = number,
            ModelText = turn.Text,
            Code = runnable.Take(executions.Count).ToList(),
            Executions = executions,
            Observation = observation,
            ToolCalls = executions.SelectMany(e => e.ToolCalls).ToList(),
            ModelDuration = modelDuration,
            ExecutionDuration = executionDuration,
            Usage = turn.Usage,
            FinalAnswer = finalAnswer,
            Variables = variables,
            Plan = plan?.Snapshot() ?? [],
            Outcome = outcome,
            Replayed = journaled is not null,
        };
    }

    private async Task<ModelTurn> GenerateAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        using var activity = CodeActInstrumentation.ActivitySource.StartActivity(CodeActTags.ChatActivity, ActivityKind.Client);
        if (activity is not null)
        {
            activity.DisplayName = _modelId is null ? CodeActTags.ChatOperation : $"{CodeActTags.ChatOperation} {_modelId}";
            activity.SetTag(CodeActTags.OperationName, CodeActTags.ChatOperation);
            activity.SetTag(CodeActTags.AgentName, _name);
            activity.SetTag(CodeActTags.RequestModel, _modelId);
            activity.SetTag(CodeActTags.ProviderName, _providerName);
        }

        var started = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            var turn = await _generator.GenerateAsync(messages, Language, cancellationToken).ConfigureAwait(false);
            if (turn.Usage is { } usage)
            {
                activity?.SetTag(CodeActTags.InputTokens, usage.InputTokenCount);
                activity?.SetTag(CodeActTags.OutputTokens, usage.OutputTokenCount);
                RecordTokens(usage.InputTokenCount, "input");
                RecordTokens(usage.OutputTokenCount, "output");
            }

            return turn;
        }
        catch (Exception e)
        {
            errorType = e.GetType().FullName;
            MarkFailed(activity, e);
            throw;
        }
        finally
        {
            _instrumentation.ModelCallDuration.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>(CodeActTags.OperationName, CodeActTags.ChatOperation),
                new KeyValuePair<string, object?>(CodeActTags.RequestModel, _modelId),
                new KeyValuePair<string, object?>(CodeActTags.ErrorType, errorType));
        }
    }

    private async Task<ExecutionResult> ExecuteAsync(IInterpreterSession session, CodeBlock block, int index, CancellationToken cancellationToken)
    {
        using var activity = CodeActInstrumentation.ActivitySource.StartActivity(CodeActTags.ExecuteCodeActivity);
        activity?.SetTag(CodeActTags.Language, Language.Name);
        activity?.SetTag(CodeActTags.SessionId, session.Id);
        activity?.SetTag(CodeActTags.BlockIndex, index);

        ExecutionResult result;
        try
        {
            result = await session.ExecuteAsync(block.Code, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            MarkFailed(activity, e);
            throw;
        }

        var status = result.Status.ToString();
        _instrumentation.ExecutionDuration.Record(
            result.Duration.TotalSeconds,
            new KeyValuePair<string, object?>(CodeActTags.ExecutionStatus, status),
            new KeyValuePair<string, object?>(CodeActTags.Language, Language.Name));
        foreach (var call in result.ToolCalls)
        {
            _instrumentation.ToolCalls.Add(
                1,
                new KeyValuePair<string, object?>(CodeActTags.ToolName, call.Name),
                new KeyValuePair<string, object?>(CodeActTags.ErrorType, call.Error is null ? null : "tool_error"));
        }

        if (activity is not null)
        {
            activity.SetTag(CodeActTags.ExecutionStatus, status);
            activity.SetTag(CodeActTags.ToolCallCount, result.ToolCalls.Count);
            if (!result.IsSuccess)
            {
                activity.SetTag(CodeActTags.ErrorType, result.Error?.Kind.Value ?? status);
                activity.SetStatus(ActivityStatusCode.Error, result.Error is { } error ? ObservationFormatter.FormatError(error) : status);
            }

            RecordToolActivities(activity, result.ToolCalls);
        }

        LogExecuted(_logger, session.Id, result.Status, result.Duration.TotalMilliseconds);
        return result;
    }

    /// <summary>
    /// Creates the tool-call activities after the fact, with their recorded durations. The sandbox does not say when
    /// each call began, so they are laid out one after the other from the start of the execution.
    /// </summary>
    private static void RecordToolActivities(Activity execution, IReadOnlyList<ToolCallRecord> calls)
    {
        var start = new DateTimeOffset(execution.StartTimeUtc, TimeSpan.Zero);
        foreach (var call in calls)
        {
            var duration = call.Duration < TimeSpan.Zero ? TimeSpan.Zero : call.Duration;
            using var tool = CodeActInstrumentation.ActivitySource.StartActivity(
                ActivityKind.Internal,
                execution.Context,
                [
                    new(CodeActTags.OperationName, CodeActTags.ExecuteToolOperation),
                    new(CodeActTags.ToolName, call.Name),
                ],
                startTime: start,
                name: CodeActTags.ExecuteToolActivity);
            if (tool is null)
            {
                continue;
            }

            tool.DisplayName = $"{CodeActTags.ExecuteToolOperation} {call.Name}";
            if (call.Error is not null)
            {
                tool.SetTag(CodeActTags.ErrorType, "tool_error");
                tool.SetStatus(ActivityStatusCode.Error, call.Error);
            }

            tool.SetEndTime((start + duration).UtcDateTime);
            start += duration;
        }
    }

    private Activity? StartRunActivity()
    {
        var activity = CodeActInstrumentation.ActivitySource.StartActivity(CodeActTags.RunActivity);
        if (activity is not null)
        {
            activity.DisplayName = $"{CodeActTags.InvokeAgentOperation} {_name}";
            activity.SetTag(CodeActTags.OperationName, CodeActTags.InvokeAgentOperation);
            activity.SetTag(CodeActTags.AgentName, _name);
            activity.SetTag(CodeActTags.RequestModel, _modelId);
            activity.SetTag(CodeActTags.Language, Language.Name);
        }

        return activity;
    }

    private static void MarkFailed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(CodeActTags.ErrorType, exception.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
    }

    private void RecordTokens(long? count, string type)
    {
        if (count is { } tokens)
        {
            _instrumentation.TokenUsage.Record(
                tokens,
                new KeyValuePair<string, object?>(CodeActTags.OperationName, CodeActTags.ChatOperation),
                new KeyValuePair<string, object?>(CodeActTags.RequestModel, _modelId),
                new KeyValuePair<string, object?>(CodeActTags.TokenType, type));
        }
    }

    private static long? Sum(long? total, long? value) => value is null ? total : (total ?? 0) + value;

    private string FenceTag => Language.FenceTags.Count > 0 ? Language.FenceTags[0] : "";

    private static bool IsRunnable(CodeBlock block) => !string.IsNullOrWhiteSpace(block.Code);

    private static string AnswerText(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.String ? answer.GetString() ?? "" : answer.GetRawText();

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "The saved skills could not be read, so none were loaded: {Reason}")]
    private static partial void LogSkillsUnreadable(ILogger logger, Exception exception, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "The saved skill {Skill} was left out: it ended with {Status} ({Reason}).")]
    private static partial void LogSkillNotLoaded(ILogger logger, string skill, ExecutionStatus status, string? reason);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Agent {AgentName} started a run (at most {MaxSteps} steps).")]
    private static partial void LogRunStarted(ILogger logger, string agentName, int maxSteps);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Step {Step} finished: {Executions} execution(s), last status {Status}.")]
    private static partial void LogStepFinished(ILogger logger, int step, int executions, ExecutionStatus? status);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Session {SessionId} ran code: {Status} in {DurationMs} ms.")]
    private static partial void LogExecuted(ILogger logger, string sessionId, ExecutionStatus status, double durationMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Agent {AgentName} finished a run: {Outcome} after {Steps} step(s).")]
    private static partial void LogRunFinished(ILogger logger, string agentName, AgentOutcome outcome, int steps);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Agent {AgentName} stopped at step {Step} because of an exception.")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string agentName, int step);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Agent {AgentName} was cancelled at step {Step}.")]
    private static partial void LogRunCancelled(ILogger logger, string agentName, int step);
}
