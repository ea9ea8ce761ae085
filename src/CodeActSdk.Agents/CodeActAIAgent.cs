using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents;

/// <summary>
/// A <see cref="CodeActAgent"/> as a Microsoft Agent Framework <see cref="AIAgent"/>: the model answers by writing
/// code that a sandbox runs, and the agent can stand wherever the framework takes an agent (a workflow, a hosted
/// agent, a tool of another agent).
/// </summary>
/// <remarks>
/// <para>
/// A run's task is the text of the messages given (several messages are joined, each after its role). The response is
/// one assistant message: each CodeAct step as a <see cref="TextReasoningContent"/> whose
/// <see cref="AIContent.RawRepresentation"/> is the <see cref="AgentStep"/>, then the answer as the only
/// <see cref="TextContent"/>, so <see cref="AgentResponse.Text"/> is the answer. <see cref="AgentResponse.RawRepresentation"/>
/// is the whole <see cref="AgentResult"/>. Streaming yields one update per step as it finishes, then the answer.
/// </para>
/// <para>
/// Sessions are <see cref="CodeActAgentSession"/>s: see there how they map onto durable runs when the CodeAct agent has
/// a checkpoint store, and how a host resumes one after a restart (<c>RunAsync(session)</c> with no message).
/// </para>
/// <para>
/// A durable run that stops to wait for a person's approval (a tool marked <see cref="ApprovalRequiredAIFunction"/>, or
/// a code block a reviewer sent to a human) answers with a <see cref="ToolApprovalRequestContent"/> for it; the host
/// answers the framework's way (<see cref="ToolApprovalRequestContent.CreateResponse"/>, optionally with edited
/// arguments) in the next run of the session, on any host over the same store, and the run goes on from its journal.
/// </para>
/// <para>
/// The CodeAct agent's own settings (model, sandbox, tools, step budget) govern the run; <see cref="AgentRunOptions"/>
/// are not used. Without a session, a run uses a new one and disposes it at the end.
/// </para>
/// <para>Thread-safe, like the <see cref="CodeActAgent"/> it wraps: one instance serves any number of sessions at once.</para>
/// </remarks>
public sealed class CodeActAIAgent : AIAgent
{
    private readonly CodeActAgent _agent;

    /// <summary>Wraps <paramref name="agent"/>.</summary>
    /// <param name="agent">The CodeAct agent that runs each task; give it a checkpoint store for sessions that survive a restart.</param>
    /// <param name="name">The agent's name, shown as the author of its messages; <see langword="null"/> for none.</param>
    /// <param name="description">What the agent is for, for an orchestrator choosing agents; <see langword="null"/> for none.</param>
    public CodeActAIAgent(CodeActAgent agent, string? name = null, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _agent = agent;
        Name = name;
        Description = description;
    }

    /// <inheritdoc />
    public override string? Name { get; }

    /// <inheritdoc />
    public override string? Description { get; }

    /// <summary>The CodeAct agent that runs the tasks.</summary>
    public CodeActAgent CodeActAgent => _agent;

    /// <summary>Creates a session with an id of the host's choosing, for example its own conversation id, so that its durable runs are easy to find.</summary>
    /// <param name="sessionId">1 to <see cref="CodeActAgentSession.MaxSessionIdLength"/> letters, digits, <c>-</c>, <c>_</c> or <c>.</c>.</param>
    /// <param name="cancellationToken">Not used; there for the framework's pattern.</param>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid id.</exception>
    public ValueTask<CodeActAgentSession> CreateSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(new CodeActAgentSession(CodeActAgentSession.ValidateSessionId(sessionId), 0, new AgentSessionStateBag()));
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(_agent) ? _agent : base.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    protected override ValueTask<Microsoft.Agents.AI.AgentSession> CreateSessionCoreAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<Microsoft.Agents.AI.AgentSession>(new CodeActAgentSession(AgentResponses.NewId(), 0, new AgentSessionStateBag()));
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="session"/> is not a <see cref="CodeActAgentSession"/>.</exception>
    protected override ValueTask<JsonElement> SerializeSessionCoreAsync(Microsoft.Agents.AI.AgentSession session, JsonSerializerOptions? jsonSerializerOptions = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(CodeActSessionJson.Serialize(Typed(session)));
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="serializedState"/> is not a serialised CodeAct session; the message says what is wrong.</exception>
    protected override ValueTask<Microsoft.Agents.AI.AgentSession> DeserializeSessionCoreAsync(JsonElement serializedState, JsonSerializerOptions? jsonSerializerOptions = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<Microsoft.Agents.AI.AgentSession>(CodeActSessionJson.Deserialize(serializedState));
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The session is not a <see cref="CodeActAgentSession"/>, or there is no task (no message text) and nothing to resume.</exception>
    /// <exception cref="InvalidOperationException">Another run is going on in the session.</exception>
    /// <exception cref="CheckpointException">The checkpoint store failed, or the journal does not replay; the message says which.</exception>
    protected override async Task<AgentResponse> RunCoreAsync(IEnumerable<ChatMessage> messages, Microsoft.Agents.AI.AgentSession? session = null, AgentRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        var task = TaskText(messages);
        var (typed, owned) = await SessionFor(session, cancellationToken).ConfigureAwait(false);
        typed.BeginRun();
        try
        {
            var request = await RequestFor(typed, messages, task, cancellationToken).ConfigureAwait(false);
            var result = await _agent.RunAsync(request, cancellationToken).ConfigureAwait(false);
            return AgentResponses.FromResult(result, request.DurableSessionId, Id, Name);
        }
        finally
        {
            typed.EndRun();
            if (owned)
            {
                await typed.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    protected override async IAsyncEnumerable<AgentResponseUpdate> RunCoreStreamingAsync(IEnumerable<ChatMessage> messages, Microsoft.Agents.AI.AgentSession? session = null, AgentRunOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var task = TaskText(messages);
        var (typed, owned) = await SessionFor(session, cancellationToken).ConfigureAwait(false);
        typed.BeginRun();
        try
        {
            var request = await RequestFor(typed, messages, task, cancellationToken).ConfigureAwait(false);
            var responseId = AgentResponses.NewId();
            var messageId = AgentResponses.NewId();
            var steps = 0;
            await foreach (var step in _agent.RunStreamingAsync(request, cancellationToken).ConfigureAwait(false))
            {
                steps += step.Depth == 0 ? 1 : 0; // a sub-agent's steps are shown, not counted
                List<AIContent> contents = [AgentResponses.StepContent(step)];
                if (step.Usage is { } usage)
                {
                    contents.Add(new UsageContent(usage));
                }

                yield return Update(contents, responseId, messageId, step, null);
                if (step.Outcome is not null && step.Depth == 0)
                {
                    yield return Update([.. AgentResponses.Ending(step, steps, request.DurableSessionId)], responseId, messageId, step, ChatFinishReason.Stop);
                }
            }
        }
        finally
        {
            typed.EndRun();
            if (owned)
            {
                await typed.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private AgentResponseUpdate Update(IList<AIContent> contents, string responseId, string messageId, AgentStep step, ChatFinishReason? finish) =>
        new(ChatRole.Assistant, contents)
        {
            AuthorName = Name,
            AgentId = Id,
            ResponseId = responseId,
            MessageId = messageId,
            FinishReason = finish,
            RawRepresentation = step,
        };

    /// <summary>The session to run in, and whether this run made it (and so disposes it).</summary>
    private async ValueTask<(CodeActAgentSession Session, bool Owned)> SessionFor(Microsoft.Agents.AI.AgentSession? session, CancellationToken cancellationToken) =>
        session is null
            ? ((CodeActAgentSession)await CreateSessionCoreAsync(cancellationToken).ConfigureAwait(false), true)
            : (Typed(session), false);

    /// <summary>
    /// What the CodeAct agent runs: a resume of the latest durable run with the approval the messages answer, the next
    /// durable run, a resume of the latest one, or a run in the live session.
    /// </summary>
    private async Task<AgentRunRequest> RequestFor(CodeActAgentSession session, IEnumerable<ChatMessage> messages, string? task, CancellationToken cancellationToken)
    {
        if (_agent.CheckpointStore is { } store)
        {
            var latest = await DurableRuns.LatestAsync(store, session, cancellationToken).ConfigureAwait(false);
            if (ApprovalContents.DecisionIn(messages, id => latest is { } n && id == session.DurableIdOf(n)) is { } answered)
            {
                session.SetRunCount(latest!.Value);
                return AgentRunRequest.Resume(answered.DurableId, answered.Decision);
            }

            if (task is null)
            {
                session.SetRunCount(latest
                    ?? throw new ArgumentException($"The CodeAct session '{session.SessionId}' has no run to resume and no task was given: pass the task as a user message.", "messages"));
                return AgentRunRequest.Resume(session.DurableIdOf(latest.Value));
            }

            var next = (latest ?? 0) + 1;
            session.SetRunCount(next);
            return AgentRunRequest.Durable(session.DurableIdOf(next), task);
        }

        if (task is null)
        {
            throw new ArgumentException("No task was given: the messages hold no text. Pass the task as a user message (resuming without a message needs a CodeAct agent with a checkpoint store).", "messages");
        }

        session.SetRunCount(session.RunCount + 1);
        return new AgentRunRequest(task) { Session = await session.GetLiveSessionAsync(_agent, cancellationToken).ConfigureAwait(false) };
    }

    private static CodeActAgentSession Typed(Microsoft.Agents.AI.AgentSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session as CodeActAgentSession ?? throw new ArgumentException(
            $"The session is a {session.GetType().Name}, not a CodeActAgentSession; create sessions with this agent's CreateSessionAsync or DeserializeSessionAsync.", nameof(session));
    }

    /// <summary>The task in the messages: the text of one message, or each message's role and text; null when there is no text.</summary>
    private static string? TaskText(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var withText = messages.Where(m => m is not null && !string.IsNullOrWhiteSpace(m.Text)).ToList();
        return withText.Count switch
        {
            0 => null,
            1 => withText[0].Text.Trim(),
            _ => string.Join("\n\n", withText.Select(m => $"{m.AuthorName ?? m.Role.Value}: {m.Text.Trim()}")),
        };
    }
}
