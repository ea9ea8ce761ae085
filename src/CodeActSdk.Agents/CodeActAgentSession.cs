using System.Globalization;
using Microsoft.Agents.AI;

namespace CodeActSdk.Agents;

/// <summary>
/// The Agent Framework session of a <see cref="CodeActAIAgent"/>: a conversation with the CodeAct agent, which a host
/// can serialise (<see cref="AIAgent.SerializeSessionAsync"/>), store, and deserialise after a restart to resume it.
/// </summary>
/// <remarks>
/// <para>
/// With a checkpoint store on the <see cref="CodeActAgent"/>, each run of the session is a durable run of our own
/// (<see cref="AgentRunRequest.Durable"/>) whose journal id is <c>{SessionId}.{n}</c> for the session's n-th run. The
/// journal is the truth: after a crash, a new host deserialises the session and calls <c>RunAsync(session)</c> with no
/// message, and the latest run is resumed from its journal (<see cref="AgentRunRequest.Resume(string)"/>), even when the session
/// was saved before that run started; when that run had already finished, its answer is replayed from the journal
/// without asking the model. A run with a message always starts the next run.
/// </para>
/// <para>
/// Without a checkpoint store, the session keeps one live CodeAct session (<see cref="CodeActSdk.AgentSession"/>) for
/// all its runs, so a follow-up question sees the variables of the earlier runs. That state lives in this process only:
/// a deserialised session starts with a fresh sandbox. Dispose the session to free its sandbox.
/// </para>
/// <para>One run at a time: a second concurrent run in the same session is refused. Otherwise thread-safe.</para>
/// </remarks>
public sealed class CodeActAgentSession : Microsoft.Agents.AI.AgentSession, IAsyncDisposable
{
    /// <summary>The longest session id: room is left for the run number that is appended to it.</summary>
    public const int MaxSessionIdLength = 100;

    private readonly SemaphoreSlim _liveGate = new(1, 1);
    private CodeActSdk.AgentSession? _live;
    private int _running;
    private int _runCount;
    private bool _disposed;

    internal CodeActAgentSession(string sessionId, int runCount, AgentSessionStateBag stateBag)
        : base(stateBag)
    {
        SessionId = sessionId;
        _runCount = runCount;
    }

    /// <summary>The session's id; its runs are journaled as <c>{SessionId}.{n}</c>.</summary>
    public string SessionId { get; }

    /// <summary>How many runs the session has started, as far as this object knows (the journal may know of a later one, see the remarks).</summary>
    public int RunCount => Volatile.Read(ref _runCount);

    /// <summary>Disposes the live CodeAct session of an agent without a checkpoint store, if one was made. Later runs in this session throw <see cref="ObjectDisposedException"/>; a durable session can still be serialised and resumed.</summary>
    public async ValueTask DisposeAsync()
    {
        await _liveGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_live is not null)
            {
                await _live.DisposeAsync().ConfigureAwait(false);
                _live = null;
            }
        }
        finally
        {
            _liveGate.Release();
        }
    }

    /// <summary>Checks a session id given by a host and returns it.</summary>
    internal static string ValidateSessionId(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        if (sessionId.Length > MaxSessionIdLength)
        {
            throw new ArgumentException($"The session id '{sessionId[..20]}…' has {sessionId.Length} characters; use at most {MaxSessionIdLength}.", nameof(sessionId));
        }

        return JournalCodec.ValidateSessionId(sessionId);
    }

    /// <summary>The journal id of the session's run <paramref name="run"/>.</summary>
    internal string DurableIdOf(int run) => SessionId + "." + run.ToString(CultureInfo.InvariantCulture);

    internal void SetRunCount(int runCount) => Volatile.Write(ref _runCount, runCount);

    /// <summary>The live CodeAct session for runs of an agent without a checkpoint store, made on first use.</summary>
    internal async Task<CodeActSdk.AgentSession> GetLiveSessionAsync(CodeActAgent agent, CancellationToken cancellationToken)
    {
        await _liveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _live ??= await agent.CreateSessionAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _liveGate.Release();
        }
    }

    internal void BeginRun()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException($"A run is already going on in the CodeAct session '{SessionId}'; a session runs one task at a time.");
        }
    }

    internal void EndRun() => Volatile.Write(ref _running, 0);
}
