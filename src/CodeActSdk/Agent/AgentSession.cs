namespace CodeActSdk;

/// <summary>
/// An interpreter session prepared by a <see cref="CodeActAgent"/> (its tools, skills and plan), for a host that wants
/// to work with the session around its runs: add the user's files before or during a run through
/// <see cref="Files"/>, or ask a follow-up question in the same state by running the agent again.
/// </summary>
/// <remarks>
/// Create one with <see cref="CodeActAgent.CreateSessionAsync"/> and pass it to <see cref="AgentRunRequest.Session"/>;
/// dispose it when done. One run at a time: a second concurrent run in the same session is refused. Variables, files
/// and the plan carry over from one run to the next.
/// </remarks>
public sealed class AgentSession : IAsyncDisposable
{
    private int _running;

    internal AgentSession(CodeActAgent owner, IInterpreterSession session, PlanBoard? plan, string? skillList, SessionScope scope)
    {
        Scope = scope;
        Owner = owner;
        Session = session;
        Plan = plan;
        SkillList = skillList;
        Notice = new FilesNotice(session.Files);
    }

    /// <summary>The interpreter session the runs execute in.</summary>
    public IInterpreterSession Session { get; }

    /// <summary>The session's files: add files for the code to read, take the artifacts it wrote.</summary>
    public ISessionFiles Files => Session.Files;

    internal CodeActAgent Owner { get; }

    internal PlanBoard? Plan { get; }

    /// <summary>The saved skills loaded into the session, as listed for the model; null when none.</summary>
    internal string? SkillList { get; }

    internal FilesNotice Notice { get; }

    /// <summary>Where the session's tools find the step that runs now (its approvals, its delegations).</summary>
    internal SessionScope Scope { get; }

    /// <summary>Disposes the interpreter session.</summary>
    public ValueTask DisposeAsync() => Session.DisposeAsync();

    /// <summary>Marks a run as started; throws when one is already running.</summary>
    internal void BeginRun()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("A run is already going on in this session; an AgentSession runs one task at a time.");
        }
    }

    internal void EndRun() => Volatile.Write(ref _running, 0);
}
