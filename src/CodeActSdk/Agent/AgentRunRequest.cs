namespace CodeActSdk;

/// <summary>
/// What <see cref="CodeActAgent.RunAsync(AgentRunRequest, CancellationToken)"/> and
/// <see cref="CodeActAgent.RunStreamingAsync(AgentRunRequest, CancellationToken)"/> run: a task, in a new session or in
/// one the host made, or a durable session to start or resume.
/// </summary>
/// <remarks>
/// Make one with <see cref="AgentRunRequest(string)"/> (optionally with <see cref="Session"/>),
/// <see cref="Durable(string, string)"/>, <see cref="Resume(string)"/> or <see cref="Resume(string, ApprovalDecision)"/>. An immutable record; safe to share.
/// </remarks>
public sealed record AgentRunRequest
{
    /// <summary>A run of <paramref name="task"/> in a new session (or in <see cref="Session"/> when it is set).</summary>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty.</exception>
    public AgentRunRequest(string task)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        Task = task;
    }

    private AgentRunRequest(string? task, string sessionId)
    {
        Task = task;
        DurableSessionId = sessionId;
    }

    /// <summary>
    /// A durable run of <paramref name="task"/>: every model turn, tool call and finished step is journaled in the
    /// agent's <see cref="ICheckpointStore"/> before it counts as done, so that <see cref="Resume(string)"/> can continue
    /// the run after a crash, on this host or another.
    /// </summary>
    /// <param name="sessionId">A new session id (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty, or <paramref name="sessionId"/> is not a valid id.</exception>
    public static AgentRunRequest Durable(string sessionId, string task)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        JournalCodec.ValidateSessionId(sessionId);
        return new AgentRunRequest(task, sessionId);
    }

    /// <summary>
    /// Resumes a durable session after a crash (or finishes replaying one that ended). The interpreter state is rebuilt
    /// by running the journaled code again, with the model's turns and the tools' results served from the journal (no
    /// tool is called again, the model is not asked); then the run continues live from the first step not journaled.
    /// The result holds the whole run: the replayed steps (<see cref="AgentStep.Replayed"/>), then the live ones. A step
    /// that does not replay the same way (its code read the clock or random numbers) stops the resume with a
    /// <see cref="JournalDivergenceException"/>.
    /// </summary>
    /// <param name="sessionId">The session to resume.</param>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid id.</exception>
    public static AgentRunRequest Resume(string sessionId)
    {
        JournalCodec.ValidateSessionId(sessionId);
        return new AgentRunRequest(null, sessionId);
    }

    /// <summary>
    /// Resumes a durable session that waits for a person's approval (<see cref="AgentOutcome.AwaitingApproval"/>) with
    /// <paramref name="decision"/>. The decision is journaled first; then the run is rebuilt from the journal as by
    /// <see cref="Resume(string)"/> and goes on from the call (or code block) that waited: approved, it happens (with the
    /// edited arguments, if any); rejected, the code sees the call fail with the reason. No earlier tool call is repeated.
    /// </summary>
    /// <param name="sessionId">The session to resume.</param>
    /// <param name="decision">The decision about its <see cref="AgentResult.PendingApproval"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid id.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="decision"/> is <see langword="null"/>.</exception>
    public static AgentRunRequest Resume(string sessionId, ApprovalDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return Resume(sessionId) with { Decision = decision };
    }

    /// <summary>The decision a resume brings for the approval its session waits for (<see cref="Resume(string, ApprovalDecision)"/>); otherwise <see langword="null"/>.</summary>
    public ApprovalDecision? Decision { get; private init; }

    /// <summary>
    /// The type the final answer must have, checked against its JSON schema (a mismatch goes back to the model as an
    /// observation it can fix, up to <see cref="CodeActOptions.MaxAnswerRetries"/> times); <see langword="null"/> (the
    /// default) accepts any answer. <see cref="CodeActAgent.RunAsync{T}(AgentRunRequest, CancellationToken)"/> sets it.
    /// A durable typed run is resumed with the same type.
    /// </summary>
    public AnswerSchema? AnswerSchema { get; init; }

    /// <summary>What the agent should do; <see langword="null"/> when a durable session is resumed (its journal holds it).</summary>
    public string? Task { get; }

    /// <summary>
    /// A session from the agent's <see cref="CodeActAgent.CreateSessionAsync"/> to run in; it stays open afterwards, so
    /// its variables, files and plan carry over to the next run. <see langword="null"/> (the default) runs in a new
    /// session, disposed at the end. Durable runs make their own session, so this must be null for them.
    /// </summary>
    public AgentSession? Session { get; init; }

    /// <summary>The durable session's id, for <see cref="Durable(string, string)"/> and <see cref="Resume(string)"/>; otherwise <see langword="null"/>.</summary>
    public string? DurableSessionId { get; }

    /// <summary>How many agents up the delegation goes: 0 for a run the host started, 1 for a sub-agent's (<see cref="AgentTool"/>).</summary>
    internal int Depth { get; init; }

    /// <summary>Whether this request resumes a durable session.</summary>
    public bool IsResume => DurableSessionId is not null && Task is null;
}
