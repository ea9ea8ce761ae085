using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeActSdk;

/// <summary>
/// Configures the CodeAct services inside <c>services.AddCodeAct(builder =&gt; ...)</c>: the interpreter backend, the
/// model, the memory policy, the tools and the options. Backend packages add their own methods to it as extension
/// methods over <see cref="ICodeActBuilder"/> (for example <c>builder.UseJint()</c>), built on <see cref="UseInterpreter(Func{IServiceProvider, ICodeInterpreter})"/>.
/// </summary>
/// <remarks>
/// Each <c>Use...</c> method replaces what an earlier call registered; <see cref="AddTool(AIFunction)"/> and its
/// overloads add to the tools. The builder is meant to be used only during service registration, from one thread.
/// </remarks>
public sealed class CodeActBuilder : ICodeActBuilder
{
    /// <summary>
    /// The key under which the builder registers the agent's chat client (<see cref="UseChatClient(IChatClient)"/>) and
    /// memory policy (<see cref="UseMemoryPolicy(IChatReducer)"/>), so that they do not replace an
    /// <see cref="IChatClient"/> or <see cref="IChatReducer"/> the application registered for other purposes.
    /// </summary>
    public const string ServiceKey = "CodeActSdk";

    /// <summary>Creates a builder over <paramref name="services"/>; normally done by <c>AddCodeAct</c>.</summary>
    /// <param name="services">The service collection to register into.</param>
    public CodeActBuilder(IServiceCollection services)
    {
        Services = services ?? throw new ArgumentNullException(nameof(services));
    }

    /// <summary>The service collection the builder registers into.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Uses the interpreter that <paramref name="factory"/> creates (once, as a singleton).</summary>
    /// <param name="factory">Creates the interpreter from the service provider.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseInterpreter(Func<IServiceProvider, ICodeInterpreter> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    /// <inheritdoc/>
    ICodeActBuilder ICodeActBuilder.UseInterpreter(Func<IServiceProvider, ICodeInterpreter> factory) => UseInterpreter(factory);

    /// <inheritdoc/>
    ICodeActBuilder ICodeActBuilder.UseInterpreterDecorator(Func<ICodeInterpreter, IServiceProvider, ICodeInterpreter> decorator) => UseInterpreterDecorator(decorator);

    /// <inheritdoc/>
    ICodeActBuilder ICodeActBuilder.ConfigureSandbox(Func<SandboxOptions, SandboxOptions> configure) => ConfigureSandbox(configure);

    /// <summary>
    /// Changes the <see cref="SandboxOptions"/> every session of the agent gets, after the application's own settings
    /// (<see cref="Configure"/>), as process isolation does to set <see cref="SandboxOptions.Isolation"/>.
    /// </summary>
    /// <param name="configure">Returns the changed options (<c>options with { ... }</c>).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public CodeActBuilder ConfigureSandbox(Func<SandboxOptions, SandboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.PostConfigure<CodeActOptions>(options => options.Sandbox = configure(options.Sandbox)
            ?? throw new InvalidOperationException("A ConfigureSandbox function returned null; return the options, changed with 'options with { ... }'."));
        return this;
    }

    /// <summary>Uses <paramref name="interpreter"/> as the interpreter.</summary>
    /// <param name="interpreter">The interpreter; it must be thread-safe, as every interpreter is.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseInterpreter(ICodeInterpreter interpreter)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        Services.Replace(ServiceDescriptor.Singleton(interpreter));
        return this;
    }

    /// <summary>
    /// Uses the chat client that <paramref name="factory"/> creates as the agent's model. It is registered under the
    /// key <see cref="ServiceKey"/>; without it, the agent uses the application's <see cref="IChatClient"/>.
    /// </summary>
    /// <param name="factory">Creates the chat client from the service provider.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseChatClient(Func<IServiceProvider, IChatClient> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAllKeyed<IChatClient>(ServiceKey);
        Services.AddKeyedSingleton<IChatClient>(ServiceKey, (provider, _) => factory(provider));
        return this;
    }

    /// <summary>Uses <paramref name="chatClient"/> as the agent's model (see <see cref="UseChatClient(Func{IServiceProvider, IChatClient})"/>).</summary>
    /// <param name="chatClient">The chat client.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseChatClient(IChatClient chatClient)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        Services.RemoveAllKeyed<IChatClient>(ServiceKey);
        Services.AddKeyedSingleton(ServiceKey, chatClient);
        return this;
    }

    /// <summary>
    /// Uses <paramref name="chatClient"/> as the agent's model, asking it for code in <paramref name="format"/>: fenced
    /// blocks, a JSON object <c>{thought, code}</c> (structured output) or a call of <c>execute_code(code)</c> (native
    /// tool calling). Sets <see cref="CodeActOptions.CodeFormat"/>.
    /// </summary>
    /// <param name="chatClient">The chat client.</param>
    /// <param name="format">How the model hands over its code.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseChatClient(IChatClient chatClient, CodeFormat format)
    {
        UseChatClient(chatClient);
        return Configure(options => options.CodeFormat = format);
    }

    /// <summary>
    /// Uses the code generator that <paramref name="factory"/> creates instead of the default
    /// <see cref="ChatClientCodeGenerator"/> over the registered chat client; for example to wrap it in a decorator.
    /// </summary>
    /// <param name="factory">Creates the generator from the service provider.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseCodeGenerator(Func<IServiceProvider, ICodeGenerator> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    /// <summary>Uses <paramref name="generator"/> instead of the default <see cref="ChatClientCodeGenerator"/>.</summary>
    /// <param name="generator">The generator; it must be thread-safe if the agent runs concurrently.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseCodeGenerator(ICodeGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Services.Replace(ServiceDescriptor.Singleton(generator));
        return this;
    }

    /// <summary>
    /// Uses <paramref name="policy"/> to shape the history before each model call: any <see cref="IChatReducer"/>, ours
    /// (<see cref="SlidingWindowMemoryPolicy"/>, <see cref="TieredMemoryPolicy"/>, <see cref="TokenBudgetMemoryPolicy"/>)
    /// or Microsoft.Extensions.AI's. The default keeps the whole history. Registered under <see cref="ServiceKey"/>.
    /// </summary>
    /// <param name="policy">The memory policy; it must be thread-safe if the agent runs concurrently.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseMemoryPolicy(IChatReducer policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return UseMemoryPolicy(_ => policy);
    }

    /// <summary>Uses the memory policy that <paramref name="factory"/> creates (once); see <see cref="UseMemoryPolicy(IChatReducer)"/>.</summary>
    /// <param name="factory">Creates the policy from the service provider.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseMemoryPolicy(Func<IServiceProvider, IChatReducer> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAllKeyed<IChatReducer>(ServiceKey);
        Services.AddKeyedSingleton<IChatReducer>(ServiceKey, (provider, _) => factory(provider) ?? throw new InvalidOperationException("The memory policy factory given to UseMemoryPolicy returned null."));
        return this;
    }

    /// <summary>Keeps the system prompt, the task and the last <paramref name="turns"/> steps (see <see cref="SlidingWindowMemoryPolicy"/>).</summary>
    /// <param name="turns">How many recent steps to keep; at least 1.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="turns"/> is less than 1.</exception>
    public CodeActBuilder UseSlidingWindow(int turns) => UseMemoryPolicy(new SlidingWindowMemoryPolicy(turns));

    /// <summary>
    /// Loads the skills saved in <paramref name="store"/> (for the interpreter's language) into every run's session and
    /// lists them for the model; for example <c>new FileSystemSkillStore("skills")</c>.
    /// </summary>
    /// <param name="store">Where the skills are kept; it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseSkills(ISkillStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.Replace(ServiceDescriptor.Singleton(store));
        return this;
    }

    /// <summary>
    /// Journals durable runs (<see cref="AgentRunRequest.Durable"/>) in <paramref name="store"/>, from which
    /// a resume (<see cref="AgentRunRequest.Resume(string)"/>) continues them after a crash; for example <c>new SqliteCheckpointStore("sessions.db")</c>.
    /// </summary>
    /// <param name="store">The journal store; it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseCheckpointStore(ICheckpointStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.Replace(ServiceDescriptor.Singleton(store));
        return this;
    }

    /// <summary>
    /// Adds <paramref name="middleware"/> to the agent's step pipeline, inside the journal of durable runs and outside
    /// telemetry, after the middleware added before it (see <see cref="IAgentStepMiddleware"/> for the whole order).
    /// </summary>
    /// <param name="middleware">The middleware; one instance serves every step, so it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseStepMiddleware(IAgentStepMiddleware middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        return UseStepMiddleware(_ => middleware);
    }

    /// <summary>Adds the step middleware that <paramref name="factory"/> creates (once); see <see cref="UseStepMiddleware(IAgentStepMiddleware)"/>.</summary>
    /// <param name="factory">Creates the middleware from the service provider.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseStepMiddleware(Func<IServiceProvider, IAgentStepMiddleware> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddKeyedSingleton<IAgentStepMiddleware>(ServiceKey, (provider, _) => factory(provider) ?? throw new InvalidOperationException("The step middleware factory given to UseStepMiddleware returned null."));
        return this;
    }

    /// <summary>
    /// Adds a step middleware written as a delegate: it gets the step's context, the rest of the pipeline and the
    /// cancellation token, and returns the finished step; see <see cref="UseStepMiddleware(IAgentStepMiddleware)"/>.
    /// </summary>
    /// <param name="middleware">The middleware's body; it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseStepMiddleware(Func<AgentStepContext, AgentStepHandler, CancellationToken, Task<AgentStep>> middleware) =>
        UseStepMiddleware(new AgentStepMiddleware(middleware));

    /// <summary>
    /// Gives the agent knowledge to look up by topic instead of preloading it into the prompt: each run's task lists the
    /// topics, and the code calls <c>search_context(query)</c> and <c>read_context(topic)</c> (C#:
    /// <c>tools.SearchContext(...)</c>, <c>tools.ReadContext(...)</c>) when a step needs them.
    /// </summary>
    /// <param name="source">The knowledge, for example <c>new MarkdownKnowledgeSource("docs/knowledge")</c>; it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseKnowledge(IKnowledgeSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Services.Replace(ServiceDescriptor.Singleton(source));
        return this;
    }

    /// <summary>Gives the agent the Markdown documents under <paramref name="folder"/> as knowledge, one topic per file, searched with BM25; see <see cref="UseKnowledge(IKnowledgeSource)"/>.</summary>
    /// <param name="folder">The folder of the <c>*.md</c> files (subfolders included).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">The folder holds no Markdown file.</exception>
    public CodeActBuilder UseKnowledge(string folder) => UseKnowledge(new MarkdownKnowledgeSource(folder));

    /// <summary>
    /// Decides the calls to tools that need approval (<see cref="Microsoft.Extensions.AI.ApprovalRequiredAIFunction"/>)
    /// while the code waits at the call: the in-line approval of an interactive host. Without one, a durable run is
    /// suspended at such a call (<see cref="AgentOutcome.AwaitingApproval"/>) and any other run has the call rejected.
    /// </summary>
    /// <param name="approver">Decides, or answers <see langword="null"/> to leave the decision for later; it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseToolApprover(IToolApprover approver)
    {
        ArgumentNullException.ThrowIfNull(approver);
        Services.Replace(ServiceDescriptor.Singleton(approver));
        return this;
    }

    /// <summary>Decides the calls to tools that need approval with a delegate; see <see cref="UseToolApprover(IToolApprover)"/>.</summary>
    /// <param name="decide">Decides a request, or answers <see langword="null"/> to leave it for later; it must be thread-safe.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseToolApprover(Func<ApprovalRequest, CancellationToken, ValueTask<ApprovalDecision?>> decide) =>
        UseToolApprover(new DelegateToolApprover(decide));

    /// <summary>
    /// Reviews every code block before it runs (see <see cref="CodeReview"/>): <paramref name="reviewer"/> decides, and
    /// <paramref name="human"/> decides when it asks a human. Added as a step middleware, in the order of
    /// <see cref="UseStepMiddleware(IAgentStepMiddleware)"/>: inside the journal of durable runs, outside telemetry, so
    /// each decision lands on the step's span and in <see cref="AgentStep.Reviews"/>.
    /// </summary>
    /// <param name="reviewer">Reviews every code block first.</param>
    /// <param name="human">Decides when <paramref name="reviewer"/> asks a human; when <see langword="null"/>, such code is rejected.</param>
    /// <param name="failurePolicy">The decision when a reviewer throws, runs out of time or answers garbage; rejection by default.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseCodeReviewer(ICodeReviewer reviewer, ICodeReviewer? human = null, ReviewFailurePolicy failurePolicy = ReviewFailurePolicy.Reject)
    {
        ArgumentNullException.ThrowIfNull(reviewer);
        return UseCodeReviewer(_ => reviewer, human is null ? null : _ => human, failurePolicy);
    }

    /// <summary>Reviews every code block before it runs, with reviewers made from the service provider; see <see cref="UseCodeReviewer(ICodeReviewer, ICodeReviewer?, ReviewFailurePolicy)"/>.</summary>
    /// <param name="reviewer">Creates the reviewer (once).</param>
    /// <param name="human">Creates the human reviewer (once); none when <see langword="null"/>.</param>
    /// <param name="failurePolicy">The decision when a reviewer fails; rejection by default.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder UseCodeReviewer(Func<IServiceProvider, ICodeReviewer> reviewer, Func<IServiceProvider, ICodeReviewer>? human = null, ReviewFailurePolicy failurePolicy = ReviewFailurePolicy.Reject)
    {
        ArgumentNullException.ThrowIfNull(reviewer);
        return UseStepMiddleware(provider => new CodeReview(
            reviewer(provider) ?? throw new InvalidOperationException("The reviewer factory given to UseCodeReviewer returned null."),
            human?.Invoke(provider),
            failurePolicy,
            provider.GetService(typeof(TimeProvider)) as TimeProvider));
    }

    /// <summary>Makes <paramref name="tool"/> callable from the sandboxed code.</summary>
    /// <param name="tool">The tool, for example from <c>AIFunctionFactory.Create(...)</c>.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder AddTool(AIFunction tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        Services.AddSingleton(new CodeActToolRegistration(_ => tool));
        return this;
    }

    /// <summary>Makes the tool that <paramref name="factory"/> creates callable from the sandboxed code; for tools that need services.</summary>
    /// <param name="factory">Creates the tool from the service provider, once.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder AddTool(Func<IServiceProvider, AIFunction> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new CodeActToolRegistration(factory));
        return this;
    }

    /// <summary>Makes <paramref name="tools"/> callable from the sandboxed code.</summary>
    /// <param name="tools">The tools.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder AddTools(params AIFunction[] tools) => AddTools((IEnumerable<AIFunction>)tools);

    /// <summary>
    /// Gives the code <c>ask_human(question)</c> (see <see cref="AskHuman"/>): a person's answer as the call's result,
    /// from the tool approver (<see cref="UseToolApprover(IToolApprover)"/>) at once, or, in a durable run, after the
    /// run was suspended and resumed with <see cref="ApprovalDecision.Reply"/>.
    /// </summary>
    /// <returns>This builder.</returns>
    public CodeActBuilder AddAskHuman() => AddTool(_ => AskHuman.CreateTool());

    /// <summary>
    /// Lets the code hand a task to another CodeAct agent, as the tool <c>name(task)</c> (see <see cref="AgentTool"/>):
    /// it runs with its own sandbox, step budget and memory, its steps stream into this agent's run as nested steps,
    /// and its tokens count in the calling step's usage.
    /// </summary>
    /// <param name="name">The tool's name, for example <c>data_analyst</c>.</param>
    /// <param name="description">What the agent is good at, for the model to choose it.</param>
    /// <param name="agent">The sub-agent.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder AddAgentTool(string name, string description, CodeActAgent agent) => AddTool(AgentTool.Create(name, description, agent));

    /// <summary>Lets the code ask a chat model, as the tool <c>name(task)</c>, for one answer in words; see <see cref="AgentTool"/>.</summary>
    /// <param name="name">The tool's name, for example <c>translator</c>.</param>
    /// <param name="description">What the model is asked for.</param>
    /// <param name="model">The model.</param>
    /// <param name="instructions">Its system prompt; none when <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder AddAgentTool(string name, string description, IChatClient model, string? instructions = null) => AddTool(AgentTool.Create(name, description, model, instructions));

    /// <summary>Makes <paramref name="tools"/> callable from the sandboxed code.</summary>
    /// <param name="tools">The tools.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder AddTools(IEnumerable<AIFunction> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var tool in tools)
        {
            AddTool(tool);
        }

        return this;
    }

    /// <summary>
    /// Wraps the interpreter registered so far in the decorator that <paramref name="decorator"/> makes from it, for
    /// example <c>(inner, services) =&gt; new IsolatedInterpreter(inner)</c>. Decorators apply in the order of the calls,
    /// each around the previous one, when the interpreter is resolved; the provider disposes the decorator and, as it
    /// would have without it, the interpreter it wraps (an instance the application gave stays the application's).
    /// </summary>
    /// <remarks>
    /// Call it after the backend's <c>Use...</c> method: a later <c>Use...</c> replaces the decorated interpreter.
    /// </remarks>
    /// <param name="decorator">Makes the decorator from the wrapped interpreter and the service provider.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">No interpreter is registered yet; the message says what to call first.</exception>
    public CodeActBuilder UseInterpreterDecorator(Func<ICodeInterpreter, IServiceProvider, ICodeInterpreter> decorator)
    {
        ArgumentNullException.ThrowIfNull(decorator);
        var inner = Services.LastOrDefault(d => d.ServiceType == typeof(ICodeInterpreter) && !d.IsKeyedService)
            ?? throw new InvalidOperationException(
                "An interpreter decorator (UseProcessIsolation(), UseInterpreterDecorator(...)) wraps the interpreter registered so far, but none is registered yet. " +
                "Call builder.UseJint(), UseV8(), UseCSharp() or UseInterpreter(...) before it.");

        // The wrapped registration moves under a key of its own, unchanged, so the provider creates and disposes it as before.
        var key = new InterpreterDecoratorKey();
        var moved = inner switch
        {
            { ImplementationInstance: { } instance } => new ServiceDescriptor(typeof(ICodeInterpreter), key, instance),
            { ImplementationFactory: { } factory } => new ServiceDescriptor(typeof(ICodeInterpreter), key, (provider, _) => factory(provider), inner.Lifetime),
            { ImplementationType: { } type } => new ServiceDescriptor(typeof(ICodeInterpreter), key, type, inner.Lifetime),
            _ => throw new InvalidOperationException("The registered interpreter has neither an instance, a factory nor a type."),
        };
        Services.Remove(inner);
        Services.Add(moved);
        Services.Add(new ServiceDescriptor(
            typeof(ICodeInterpreter),
            provider => decorator(provider.GetRequiredKeyedService<ICodeInterpreter>(key), provider)
                ?? throw new InvalidOperationException("An interpreter decorator given to CodeActBuilder.UseInterpreterDecorator returned null."),
            inner.Lifetime));
        return this;
    }

    /// <summary>Changes the <see cref="CodeActOptions"/>; they are validated when the agent is first resolved (or at host start).</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public CodeActBuilder Configure(Action<CodeActOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }
}

/// <summary>One tool added through <see cref="CodeActBuilder"/>; kept apart from other <see cref="AIFunction"/> registrations of the application.</summary>
internal sealed class CodeActToolRegistration(Func<IServiceProvider, AIFunction> factory)
{
    public AIFunction Create(IServiceProvider services) =>
        factory(services) ?? throw new InvalidOperationException("A tool factory given to CodeActBuilder.AddTool returned null.");
}

/// <summary>The key of one interpreter registration wrapped by <see cref="CodeActBuilder.UseInterpreterDecorator"/>: unique per call.</summary>
internal sealed class InterpreterDecoratorKey;
