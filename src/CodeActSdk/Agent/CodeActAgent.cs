using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
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
/// memory policy (an <see cref="IChatReducer"/>) shapes it before each model call. The blocks of a turn that are
/// untagged or tagged with the interpreter's language run in order; the first one that fails or calls
/// <c>final_answer</c> stops the rest. Failures of the code are sent back to the model as observations so that it can
/// correct itself; failures of the model or the interpreter (exceptions) and cancellation propagate to the caller.
/// </para>
/// <para>
/// Each step runs through a pipeline of <see cref="IAgentStepMiddleware"/>, outermost first: the journal of durable
/// runs, the host's middleware, telemetry, observation composition, and the innermost step (memory, the model's turn,
/// block selection, execution). See <see cref="IAgentStepMiddleware"/>.
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
    private readonly ISkillStore? _skills;
    private readonly ICheckpointStore? _checkpoints;
    private readonly SandboxOptions _sandboxOptions;
    private readonly string _name;
    private readonly int _maxSteps;
    private readonly bool _enablePlan;
    private readonly string? _modelId;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CodeActInstrumentation _instrumentation;
    private readonly AgentStepHandler _step;
    private readonly IToolApprover? _toolApprover;
    private readonly KnowledgeTools? _knowledge;
    private readonly int _maxAnswerRetries;

    /// <summary>Creates an agent; this is the constructor dependency injection uses.</summary>
    /// <param name="interpreter">The sandbox backend that runs the model's code.</param>
    /// <param name="generator">The model, for example a <see cref="ChatClientCodeGenerator"/>.</param>
    /// <param name="options">The agent's settings; the defaults when <see langword="null"/>.</param>
    /// <param name="tools">The host functions the code may call, in addition to <see cref="CodeActOptions.Sandbox"/>'s tools.</param>
    /// <param name="memoryPolicy">Shapes the history before each model call (any <see cref="IChatReducer"/>); the whole history when <see langword="null"/>.</param>
    /// <param name="logger">Receives the run's log; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the agent's meter; when <see langword="null"/>, the agent creates and owns one.</param>
    /// <param name="skills">Saved functions loaded into every run's session and listed for the model; none when <see langword="null"/>.</param>
    /// <param name="checkpoints">Where durable runs journal their steps (<see cref="AgentRunRequest.Durable"/>); none when <see langword="null"/>.</param>
    /// <param name="stepMiddleware">The host's step middleware, outermost first (see <see cref="IAgentStepMiddleware"/>); none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for durations and the journal's lease; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="toolApprover">Decides, while the code waits, the calls to tools that need approval (<see cref="ApprovalRequiredAIFunction"/>); when <see langword="null"/>, a durable run is suspended at such a call and any other run has it rejected.</param>
    /// <param name="knowledge">Knowledge the code looks up by topic (<c>search_context</c>, <c>read_context</c>), listed with each run's task; none when <see langword="null"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each bad option.</exception>
    /// <exception cref="ArgumentException">Two tools share a name.</exception>
    public CodeActAgent(
        ICodeInterpreter interpreter,
        ICodeGenerator generator,
        IOptions<CodeActOptions>? options = null,
        IEnumerable<AIFunction>? tools = null,
        IChatReducer? memoryPolicy = null,
        ILogger<CodeActAgent>? logger = null,
        IMeterFactory? meterFactory = null,
        ISkillStore? skills = null,
        ICheckpointStore? checkpoints = null,
        IEnumerable<IAgentStepMiddleware>? stepMiddleware = null,
        TimeProvider? timeProvider = null,
        IToolApprover? toolApprover = null,
        IKnowledgeSource? knowledge = null)
        : this(interpreter, generator, options?.Value ?? new CodeActOptions(), tools, memoryPolicy, logger, meterFactory, skills, checkpoints, stepMiddleware, timeProvider, toolApprover, knowledge)
    {
    }

    /// <summary>Creates an agent from an options value; convenient when the agent is built by hand.</summary>
    /// <param name="interpreter">The sandbox backend that runs the model's code.</param>
    /// <param name="generator">The model, for example a <see cref="ChatClientCodeGenerator"/>.</param>
    /// <param name="options">The agent's settings. They are read once, here; later changes do not affect the agent.</param>
    /// <param name="tools">The host functions the code may call, in addition to <see cref="CodeActOptions.Sandbox"/>'s tools.</param>
    /// <param name="memoryPolicy">Shapes the history before each model call (any <see cref="IChatReducer"/>); the whole history when <see langword="null"/>.</param>
    /// <param name="logger">Receives the run's log; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the agent's meter; when <see langword="null"/>, the agent creates and owns one.</param>
    /// <param name="skills">Saved functions loaded into every run's session and listed for the model; none when <see langword="null"/>.</param>
    /// <param name="checkpoints">Where durable runs journal their steps (<see cref="AgentRunRequest.Durable"/>); none when <see langword="null"/>.</param>
    /// <param name="stepMiddleware">The host's step middleware, outermost first (see <see cref="IAgentStepMiddleware"/>); none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for durations and the journal's lease; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="toolApprover">Decides, while the code waits, the calls to tools that need approval (<see cref="ApprovalRequiredAIFunction"/>); when <see langword="null"/>, a durable run is suspended at such a call and any other run has it rejected.</param>
    /// <param name="knowledge">Knowledge the code looks up by topic (<c>search_context</c>, <c>read_context</c>), listed with each run's task; none when <see langword="null"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each bad option.</exception>
    /// <exception cref="ArgumentException">Two tools share a name.</exception>
    public CodeActAgent(
        ICodeInterpreter interpreter,
        ICodeGenerator generator,
        CodeActOptions options,
        IEnumerable<AIFunction>? tools = null,
        IChatReducer? memoryPolicy = null,
        ILogger<CodeActAgent>? logger = null,
        IMeterFactory? meterFactory = null,
        ISkillStore? skills = null,
        ICheckpointStore? checkpoints = null,
        IEnumerable<IAgentStepMiddleware>? stepMiddleware = null,
        TimeProvider? timeProvider = null,
        IToolApprover? toolApprover = null,
        IKnowledgeSource? knowledge = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(options);
        CodeActOptionsValidator.ThrowIfInvalid(options);
        IReadOnlyList<IAgentStepMiddleware> hostLayers = [.. stepMiddleware ?? []];
        if (hostLayers.Any(m => m is null))
        {
            throw new ArgumentException("A step middleware is null.", nameof(stepMiddleware));
        }

        _interpreter = interpreter;
        _generator = generator;
        _skills = skills;
        _checkpoints = checkpoints;
        _name = options.Name;
        _maxSteps = options.MaxSteps;
        _enablePlan = options.EnablePlan;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _toolApprover = toolApprover;
        _maxAnswerRetries = options.MaxAnswerRetries;

        Language = interpreter.Language ?? throw new ArgumentException("The interpreter's Language is null.", nameof(interpreter));
        IReadOnlyList<AIFunction> hostTools = [.. options.Sandbox.Tools, .. tools ?? []];
        _knowledge = knowledge is null ? null : new KnowledgeTools(knowledge);
        var catalog = hostTools.Count > options.ToolSearchAbove ? new ToolCatalog(hostTools, interpreter) : null;

        // The agent's own tools: knowledge look-up and tool search. The plan tool is per session (it holds the
        // session's plan); one made here documents it, and checks its name is free.
        IReadOnlyList<AIFunction> own = [.. _knowledge?.Tools ?? [], .. catalog?.Tools ?? [], .. _enablePlan ? [new PlanBoard().Tool] : Array.Empty<AIFunction>()];
        Tools = [.. hostTools, .. _knowledge?.Tools ?? [], .. catalog?.Tools ?? []];
        _sandboxOptions = (options.Sandbox with { Tools = Tools }).Validate();
        _ = (_sandboxOptions with { Tools = [.. hostTools, .. own] }).Validate();

        IReadOnlyList<AIFunction> documented = [.. hostTools, .. own];
        var toolDocumentation = catalog is not null ? catalog.Render(own) : documented.Count == 0 ? "" : interpreter.DescribeTools(documented);
        CodeFormat = generator.GetService(typeof(CodeFormat)) as CodeFormat? ?? CodeFormat.Fenced;
        SystemPrompt = SystemPromptBuilder.Build(Language, toolDocumentation, options.MaxObservationChars, options.Instructions, CodeFormat);
        _modelId = (generator.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata)?.DefaultModelId;
        _instrumentation = new CodeActInstrumentation(meterFactory);

        var innermost = new GenerateAndExecuteStep(Language, memoryPolicy ?? KeepAllMemoryPolicy.Instance, options.WhenNoCode, _time);
        _step = StepPipeline.Compose(
            [
                StepJournal.Instance,
                .. hostLayers,
                new StepTelemetry(_name, Language, _instrumentation, _logger),
                new ObservationComposition(options.MaxObservationChars, options.LargeOutputChars, options.ShowStateDigest, options.StateDigestEntries),
                TypedAnswerCheck.Instance,
            ],
            innermost.InvokeAsync);
    }

    /// <summary>The interpreter the agent's sessions come from (a review asks it for its <see cref="ICallPreviewer"/>).</summary>
    internal ICodeInterpreter Interpreter => _interpreter;

    /// <summary>The language the model is asked to write, from the interpreter.</summary>
    public CodeLanguage Language { get; }

    /// <summary>
    /// The tools bridged into every session: <see cref="CodeActOptions.Sandbox"/>'s tools, then the constructor's, then
    /// the agent's own (knowledge look-up when it has a knowledge source, tool search above
    /// <see cref="CodeActOptions.ToolSearchAbove"/> tools). The plan tool is added per session.
    /// </summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>How the model hands over its code, as the generator announces it (<c>GetService(typeof(CodeFormat))</c>); <see cref="CodeFormat.Fenced"/> when it does not say.</summary>
    public CodeFormat CodeFormat { get; }

    /// <summary>The system prompt every run starts with.</summary>
    public string SystemPrompt { get; }

    /// <summary>Where durable runs (<see cref="AgentRunRequest.Durable"/>) journal their steps; <see langword="null"/> when the agent has no store and runs only in memory.</summary>
    public ICheckpointStore? CheckpointStore => _checkpoints;

    /// <summary>Runs <paramref name="request"/> until a final answer or the step budget, and returns the whole run.</summary>
    /// <param name="request">The task, and the session or durable session to run it in.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown. A durable run's journal keeps what was done, and the run can be resumed.</param>
    /// <returns>How the run ended, the answer, every step and the totals.</returns>
    /// <exception cref="ArgumentException">The request's session was made by another agent, or is given with a durable session.</exception>
    /// <exception cref="InvalidOperationException">Another run is going on in the session, or a durable request was given to an agent without a checkpoint store.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="CheckpointException">A durable run's store failed, its session exists (<see cref="CheckpointConflictException"/>) or was not found, is leased by another host, or its journal is damaged or does not replay; the message says which.</exception>
    public Task<AgentResult> RunAsync(AgentRunRequest request, CancellationToken cancellationToken = default) =>
        CollectAsync(RunCoreAsync(Check(request), cancellationToken));

    /// <summary>
    /// Runs <paramref name="request"/> for an answer of type <typeparamref name="T"/>: the model is shown the type in the
    /// language's idiom (a JSDoc typedef in JavaScript, a record in C#), and the value the code passes to
    /// <c>final_answer</c> is checked against the type's JSON schema. A mismatch goes back to the model as an observation
    /// that says what is wrong (path, expected type, missing property), up to <see cref="CodeActOptions.MaxAnswerRetries"/>
    /// times; the next one ends the run with <see cref="AgentOutcome.AnswerRejected"/>.
    /// </summary>
    /// <typeparam name="T">The answer's type, for example a record; read with <see cref="AIJsonUtilities.DefaultOptions"/> unless the request's <see cref="AgentRunRequest.AnswerSchema"/> says otherwise.</typeparam>
    /// <param name="request">The task, and the session or durable session to run it in. A durable typed run is resumed with the same <typeparamref name="T"/>.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The whole run and its <see cref="AgentResult{T}.Answer"/>.</returns>
    /// <exception cref="ArgumentException">The request's <see cref="AgentRunRequest.AnswerSchema"/> is for another type, or as for <see cref="RunAsync(AgentRunRequest, CancellationToken)"/>.</exception>
    /// <exception cref="InvalidOperationException">As for <see cref="RunAsync(AgentRunRequest, CancellationToken)"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="CheckpointException">As for <see cref="RunAsync(AgentRunRequest, CancellationToken)"/>.</exception>
    public async Task<AgentResult<T>> RunAsync<T>(AgentRunRequest request, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(Typed<T>(request), cancellationToken).ConfigureAwait(false);
        return new AgentResult<T>(result, result.Outcome == AgentOutcome.FinalAnswer && result.Steps[^1].Answer is T answer ? answer : default);
    }

    /// <summary>
    /// Runs <paramref name="request"/> for an answer of type <typeparamref name="T"/> (see
    /// <see cref="RunAsync{T}(AgentRunRequest, CancellationToken)"/>), yielding each step as soon as it has finished; the
    /// last step's <see cref="AgentStep.Answer"/> holds the answer as a <typeparamref name="T"/>.
    /// </summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="request">The task, and the session or durable session to run it in.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The steps, in order.</returns>
    /// <exception cref="ArgumentException">The request's <see cref="AgentRunRequest.AnswerSchema"/> is for another type, or as for <see cref="RunStreamingAsync(AgentRunRequest, CancellationToken)"/>.</exception>
    /// <exception cref="InvalidOperationException">As for <see cref="RunStreamingAsync(AgentRunRequest, CancellationToken)"/>.</exception>
    public IAsyncEnumerable<AgentStep> RunStreamingAsync<T>(AgentRunRequest request, CancellationToken cancellationToken = default) =>
        RunStreamingAsync(Typed<T>(request), cancellationToken);

    private static AgentRunRequest Typed<T>(AgentRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.AnswerSchema is { } schema)
        {
            return schema.Type == typeof(T)
                ? request
                : throw new ArgumentException($"The request's AnswerSchema is for {schema.Type.Name}, but the run asks for {typeof(T).Name}. Leave AnswerSchema null or make it for {typeof(T).Name}.", nameof(request));
        }

        return request with { AnswerSchema = AnswerSchema.For<T>() };
    }

    /// <summary>
    /// Runs <paramref name="request"/>, yielding each step as soon as it has finished (and, in a durable run, been
    /// journaled). The run's last step has <see cref="AgentStep.Outcome"/> set. Steps of sub-agents the code called
    /// (<see cref="AgentTool"/>) are yielded too, as they finish and before the step that called them, with
    /// <see cref="AgentStep.Depth"/> above the run's and their own outcomes. Between steps the host may add files through
    /// <see cref="AgentSession.Files"/>, and the model is told. Stopping the enumeration early ends the run and disposes
    /// the session it made.
    /// </summary>
    /// <param name="request">The task, and the session or durable session to run it in.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>The steps, in order.</returns>
    /// <exception cref="ArgumentException">The request's session was made by another agent, or is given with a durable session.</exception>
    /// <exception cref="InvalidOperationException">A durable request was given to an agent without a checkpoint store.</exception>
    public IAsyncEnumerable<AgentStep> RunStreamingAsync(AgentRunRequest request, CancellationToken cancellationToken = default) =>
        StepsOf(RunCoreAsync(Check(request), cancellationToken));

    /// <summary>
    /// Creates a session for runs of this agent: an interpreter session with the agent's tools (and the plan tool), its
    /// saved skills loaded. Add files to it, run the agent in it any number of times (<see cref="AgentRunRequest.Session"/>), then dispose it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="ArgumentException">The sandbox options are invalid, for example a mount's host folder does not exist.</exception>
    public Task<AgentSession> CreateSessionAsync(CancellationToken cancellationToken = default) => CreateAgentSessionAsync(null, cancellationToken);

    /// <summary>Disposes the meter the agent created, when it was not given an <see cref="IMeterFactory"/>.</summary>
    public void Dispose() => _instrumentation.Dispose();

    private async Task<AgentSession> CreateAgentSessionAsync(DurableRun? durable, CancellationToken cancellationToken)
    {
        var plan = _enablePlan ? new PlanBoard() : null;
        var scope = new SessionScope();
        IReadOnlyList<AIFunction> tools = [.. Tools.Select(t => SessionTool(t, durable, scope))];
        var sandbox = _sandboxOptions with { Tools = plan is null ? tools : [.. tools, plan.Tool] };
        var session = await _interpreter.CreateSessionAsync(sandbox, cancellationToken).ConfigureAwait(false);
        try
        {
            var skills = _skills is null ? null : await LoadSkillsAsync(session, cancellationToken).ConfigureAwait(false);
            return new AgentSession(this, session, plan, skills, scope);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A tool as a session holds it. A sub-agent (<see cref="AgentTool"/>) is told the step that calls it. A durable
    /// run's tools journal their calls, or serve them from the journal while it is replayed; a tool that needs approval
    /// waits for its decision first, also when the call is replayed.
    /// </summary>
    private static AIFunction SessionTool(AIFunction tool, DurableRun? durable, SessionScope scope)
    {
        var session = tool.GetService<AgentTool>() is null ? tool : new ScopedTool(tool, scope);
        session = durable is null ? session : new JournaledTool(session, durable);
        return tool.GetService<ApprovalRequiredAIFunction>() is null ? session : new ApprovalGate(session, scope);
    }

    private AgentRunRequest Check(AgentRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Session is { } session && session.Owner != this)
        {
            throw new ArgumentException("The request's session was created by another agent; create one with this agent's CreateSessionAsync.", nameof(request));
        }

        if (request.DurableSessionId is not null)
        {
            if (request.Session is not null)
            {
                throw new ArgumentException("A durable run makes its own session, so the request cannot also name an AgentSession; leave Session null.", nameof(request));
            }

            _ = _checkpoints ?? throw new InvalidOperationException("This agent has no checkpoint store, so it cannot run durable sessions. Give it one: UseCheckpointStore(new SqliteCheckpointStore(path)) or the constructor's checkpoints argument.");
        }

        return request;
    }

    /// <summary>
    /// One event of a run: a finished step (the run's own, or a sub-agent's when <paramref name="Nested"/>), and once at
    /// the end the conversation and the session's artifacts.
    /// </summary>
    private readonly record struct RunEvent(AgentStep? Step, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<Artifact> Artifacts, bool Nested = false);

    /// <summary>Runs one step through the pipeline, with <paramref name="scope"/> as what its tools reach; logs and marks the run when it throws.</summary>
    private async Task<AgentStep> RunStepAsync(AgentStepContext context, StepScope scope, ChannelWriter<AgentStep> nested, Activity? runActivity, CancellationToken cancellationToken)
    {
        context.Session.Scope.Current = scope;
        try
        {
            return await _step(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            CodeActInstrumentation.MarkFailed(runActivity, e);
            LogRunCancelled(_logger, _name, context.Number);
            throw;
        }
        catch (Exception e)
        {
            CodeActInstrumentation.MarkFailed(runActivity, e);
            LogRunFailed(_logger, e, _name, context.Number);
            throw;
        }
        finally
        {
            context.Session.Scope.Current = null;
            nested.TryComplete();
        }
    }

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

    private async Task<AgentResult> CollectAsync(IAsyncEnumerable<RunEvent> events)
    {
        var started = _time.GetTimestamp();
        var steps = new List<AgentStep>();
        IReadOnlyList<Artifact> artifacts = [];
        IReadOnlyList<ChatMessage> history = [];
        UsageDetails? usage = null;
        await foreach (var item in events.ConfigureAwait(false))
        {
            if (item.Nested)
            {
                continue; // a sub-agent's step: the calling step holds it in its Delegations
            }

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
            Duration = _time.GetElapsedTime(started),
            Plan = last.Plan,
            Artifacts = artifacts,
            PendingApproval = last.PendingApproval,
            AnswerMismatches = outcome == AgentOutcome.AnswerRejected ? last.AnswerMismatches : [],
        };
    }

    /// <summary>The run loop: each step runs through the step pipeline, and its turn and observation join the history.</summary>
    private async IAsyncEnumerable<RunEvent> RunCoreAsync(AgentRunRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
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
            if (request.DurableSessionId is { } sessionId)
            {
                durable = request.IsResume
                    ? await DurableRun.ResumeAsync(_checkpoints!, sessionId, Language.Name, _time, cancellationToken).ConfigureAwait(false)
                    : await DurableRun.StartAsync(_checkpoints!, sessionId, request.Task!, Language.Name, _time, cancellationToken).ConfigureAwait(false);
                if (request.Decision is { } decision)
                {
                    await durable.DecidePendingAsync(decision, _time).ConfigureAwait(false);
                }
            }

            session = request.Session ?? await CreateAgentSessionAsync(durable, cancellationToken).ConfigureAwait(false);
            session.BeginRun();
        }
        catch (Exception e)
        {
            CodeActInstrumentation.MarkFailed(runActivity, e);
            if (durable is not null)
            {
                await durable.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        try
        {
            var task = request.Task ?? durable!.Session.Task;
            var topics = _knowledge is null ? null : await _knowledge.ListAsync(cancellationToken).ConfigureAwait(false);
            var typedAnswer = request.AnswerSchema is { } answerSchema ? new TypedAnswerRun(answerSchema, _maxAnswerRetries, Language) : null;
            var answerType = request.AnswerSchema is { } schema ? SystemPromptBuilder.DescribeAnswer(Language, schema) : null;
            var taskMessage = string.Join("\n\n", new[] { task, answerType, session.SkillList, topics, session.Notice.ForTask() }.Where(p => p is not null));
            var history = new List<ChatMessage> { new(ChatRole.System, SystemPrompt), new(ChatRole.User, taskMessage) };
            long? inputTokens = null;
            long? outputTokens = null;
            for (var number = 1; number <= _maxSteps; number++)
            {
                // Sub-agents called by the step's code report their steps here; they are streamed while the step runs.
                var nested = Channel.CreateUnbounded<AgentStep>(new UnboundedChannelOptions { SingleReader = true });
                var scope = new StepScope(new StepApprovals(number, durable, _toolApprover, _time), request.Depth, nested.Writer);
                var context = new AgentStepContext(session, history, number, _maxSteps, _generator, durable, runContext, scope, typedAnswer);
                var running = RunStepAsync(context, scope, nested.Writer, runActivity, cancellationToken);
                // The channel is completed when the step ends, so waiting on it never outlives the step.
                while (await nested.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    while (nested.Reader.TryRead(out var subStep))
                    {
                        yield return new RunEvent(subStep, [], [], Nested: true);
                    }
                }

                var step = await running.ConfigureAwait(false) with { Agent = _name, Depth = request.Depth };

                inputTokens = Sum(inputTokens, step.Usage?.InputTokenCount);
                outputTokens = Sum(outputTokens, step.Usage?.OutputTokenCount);
                // The turn says how it joins the conversation: a tool call's observation is the call's result.
                var turn = step.Turn is { Messages: not null } shaped ? shaped : new ModelTurn(step.ModelText, []);
                history.AddRange(turn.AssistantMessages);
                if (step.Outcome is { } outcome)
                {
                    if (turn.CallIds.Count > 0)
                    {
                        // Every call gets its result, so that the conversation stays a valid tool-calling transcript.
                        history.Add(turn.ObservationMessage(step.Observation));
                    }

                    runActivity?.SetTag(CodeActTags.Outcome, outcome.ToString());
                    runActivity?.SetTag(CodeActTags.StepCount, number);
                    runActivity?.SetTag(CodeActTags.InputTokens, inputTokens);
                    runActivity?.SetTag(CodeActTags.OutputTokens, outputTokens);
                    LogRunFinished(_logger, _name, outcome, number);
                    yield return new RunEvent(step, [], []);
                    yield return new RunEvent(null, history, session.Files.Artifacts);
                    yield break;
                }

                history.Add(turn.ObservationMessage(step.Observation));
                yield return new RunEvent(step, [], []);
            }
        }
        finally
        {
            session.EndRun();
            if (request.Session is null)
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

    private static long? Sum(long? total, long? value) => value is null ? total : (total ?? 0) + value;

    private static string AnswerText(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.String ? answer.GetString() ?? "" : answer.GetRawText();

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "The saved skills could not be read, so none were loaded: {Reason}")]
    private static partial void LogSkillsUnreadable(ILogger logger, Exception exception, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "The saved skill {Skill} was left out: it ended with {Status} ({Reason}).")]
    private static partial void LogSkillNotLoaded(ILogger logger, string skill, ExecutionStatus status, string? reason);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Agent {AgentName} started a run (at most {MaxSteps} steps).")]
    private static partial void LogRunStarted(ILogger logger, string agentName, int maxSteps);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Agent {AgentName} finished a run: {Outcome} after {Steps} step(s).")]
    private static partial void LogRunFinished(ILogger logger, string agentName, AgentOutcome outcome, int steps);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Agent {AgentName} stopped at step {Step} because of an exception.")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string agentName, int step);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Agent {AgentName} was cancelled at step {Step}.")]
    private static partial void LogRunCancelled(ILogger logger, string agentName, int step);
}
