namespace CodeActSdk;

/// <summary>Shorthands for the common runs of a <see cref="CodeActAgent"/>, over its <see cref="AgentRunRequest"/> methods.</summary>
public static class CodeActAgentExtensions
{
    /// <summary>Runs the agent on <paramref name="task"/> in a new session, until a final answer or the step budget.</summary>
    /// <param name="agent">The agent.</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>How the run ended, the answer, every step and the totals.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public static Task<AgentResult> RunAsync(this CodeActAgent agent, string task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.RunAsync(new AgentRunRequest(task), cancellationToken);
    }

    /// <summary>
    /// Runs the agent on <paramref name="task"/> in <paramref name="session"/>, which stays open afterwards: its
    /// variables, files and plan carry over to the next run.
    /// </summary>
    /// <param name="agent">The agent.</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="session">A session from this agent's <see cref="CodeActAgent.CreateSessionAsync"/>.</param>
    /// <param name="cancellationToken">Stops the run: the current model call or execution is cancelled and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <returns>How the run ended, the answer, every step and the totals.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty, or the session was made by another agent.</exception>
    /// <exception cref="InvalidOperationException">Another run is going on in the session.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public static Task<AgentResult> RunAsync(this CodeActAgent agent, string task, AgentSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(session);
        return agent.RunAsync(new AgentRunRequest(task) { Session = session }, cancellationToken);
    }

    /// <summary>Runs the agent on <paramref name="task"/> in a new session, yielding each step as soon as it has finished.</summary>
    /// <param name="agent">The agent.</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The steps, in order; the last has <see cref="AgentStep.Outcome"/> set.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty.</exception>
    public static IAsyncEnumerable<AgentStep> RunStreamingAsync(this CodeActAgent agent, string task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.RunStreamingAsync(new AgentRunRequest(task), cancellationToken);
    }

    /// <summary>Runs the agent on <paramref name="task"/> in <paramref name="session"/>, yielding each step as soon as it has finished.</summary>
    /// <param name="agent">The agent.</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="session">A session from this agent's <see cref="CodeActAgent.CreateSessionAsync"/>.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The steps, in order; the last has <see cref="AgentStep.Outcome"/> set.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty, or the session was made by another agent.</exception>
    public static IAsyncEnumerable<AgentStep> RunStreamingAsync(this CodeActAgent agent, string task, AgentSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(session);
        return agent.RunStreamingAsync(new AgentRunRequest(task) { Session = session }, cancellationToken);
    }

    /// <summary>
    /// Resumes durable session <paramref name="sessionId"/> from its journal: after a crash, or, with
    /// <paramref name="decision"/>, after it stopped to wait for a person's approval (<see cref="AgentOutcome.AwaitingApproval"/>).
    /// Shorthand for <see cref="CodeActAgent.RunAsync(AgentRunRequest, CancellationToken)"/> with
    /// <see cref="AgentRunRequest.Resume(string)"/> or <see cref="AgentRunRequest.Resume(string, ApprovalDecision)"/>.
    /// </summary>
    /// <param name="agent">The agent; it needs the checkpoint store the session is journaled in.</param>
    /// <param name="sessionId">The durable session.</param>
    /// <param name="decision">The decision about the approval the session waits for; <see langword="null"/> to resume without one.</param>
    /// <param name="cancellationToken">Stops the run; the journal keeps what was done.</param>
    /// <returns>The whole run: the replayed steps, then the live ones.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is not a valid id, or the decision edits a code block's arguments.</exception>
    /// <exception cref="InvalidOperationException">The agent has no checkpoint store, or a decision was given for a session that waits for none.</exception>
    /// <exception cref="CheckpointException">The store failed, or the session was not found, is leased, damaged or does not replay; the message says which.</exception>
    public static Task<AgentResult> ResumeAsync(this CodeActAgent agent, string sessionId, ApprovalDecision? decision = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.RunAsync(decision is null ? AgentRunRequest.Resume(sessionId) : AgentRunRequest.Resume(sessionId, decision), cancellationToken);
    }

    /// <summary>
    /// Runs the agent on <paramref name="task"/> in a new session for an answer of type <typeparamref name="T"/>, checked
    /// against the type's JSON schema (see <see cref="CodeActAgent.RunAsync{T}(AgentRunRequest, CancellationToken)"/>).
    /// </summary>
    /// <typeparam name="T">The answer's type, for example a record.</typeparam>
    /// <param name="agent">The agent.</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The whole run and its typed <see cref="AgentResult{T}.Answer"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public static Task<AgentResult<T>> RunAsync<T>(this CodeActAgent agent, string task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.RunAsync<T>(new AgentRunRequest(task), cancellationToken);
    }

    /// <summary>
    /// Runs the agent on <paramref name="task"/> for an answer of type <typeparamref name="T"/>, yielding each step as soon
    /// as it has finished; the last step's <see cref="AgentStep.Answer"/> holds the answer.
    /// </summary>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="agent">The agent.</param>
    /// <param name="task">What the agent should do, as the user would say it.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The steps, in order.</returns>
    /// <exception cref="ArgumentException"><paramref name="task"/> is empty.</exception>
    public static IAsyncEnumerable<AgentStep> RunStreamingAsync<T>(this CodeActAgent agent, string task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.RunStreamingAsync<T>(new AgentRunRequest(task), cancellationToken);
    }
}
