using System.Text.Json;

namespace CodeActSdk;

/// <summary>
/// The journal side of one durable run: it holds the session's lease (renewed in the background), serves what the
/// journal already holds while the run is replayed (model turns, tool results, finished steps), and appends what
/// happens live. Created by <see cref="CodeActAgent"/> for <see cref="AgentRunRequest.Durable"/> and <see cref="AgentRunRequest.Resume(string)"/>; read and written by <see cref="StepJournal"/>.
/// </summary>
/// <remarks>Used by one run; tool calls and appends happen one at a time, guarded by one lock.</remarks>
internal sealed class DurableRun : IAsyncDisposable
{
    /// <summary>How long a lease lasts unless renewed; it is renewed every third of that.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);

    private readonly ICheckpointStore _store;
    private readonly ICheckpointLease _lease;
    private readonly TimeProvider _time;
    private readonly Dictionary<int, string> _turns = [];
    private readonly Dictionary<int, string> _turnFormats = [];
    private readonly Dictionary<int, Queue<JournaledToolCall>> _toolCalls = [];
    private readonly Dictionary<int, JournaledStep> _completed = [];
    private readonly Dictionary<string, (JournaledApprovalRequest Request, int Step, DateTimeOffset At)> _approvalRequests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JournaledDecision> _approvalDecisions = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Step, int Block), List<JournaledDecision>> _reviews = [];
    private string? _lastRequestId;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly Task _renewing;
    private long _nextSequence;
    private Exception? _leaseLost;
    private long _leaseRenewedTicks; // UTC ticks; written by the renewal loop and the appends, so read and written whole

    private DurableRun(ICheckpointStore store, ICheckpointLease lease, CheckpointJournal journal, TimeProvider time)
    {
        _store = store;
        _lease = lease;
        _time = time;
        Session = journal.Session;
        _nextSequence = journal.Entries.Count + 1;
        _leaseRenewedTicks = time.GetUtcNow().UtcTicks;
        foreach (var entry in journal.Entries)
        {
            switch (entry.Kind)
            {
                case JournalEntryKind.ModelTurn:
                    _turns[entry.Step] = entry.ModelText!;
                    if (entry.ModelTurnFormat is { } format)
                    {
                        _turnFormats[entry.Step] = format;
                    }

                    break;
                case JournalEntryKind.ToolCall:
                    (_toolCalls.TryGetValue(entry.Step, out var calls) ? calls : _toolCalls[entry.Step] = new()).Enqueue(entry.ToolCall!);
                    break;
                case JournalEntryKind.StepCompleted:
                    _completed[entry.Step] = entry.Completed!;
                    break;
                case JournalEntryKind.ApprovalRequested:
                    Remember(entry.Step, entry.ApprovalRequest!, entry.At);
                    break;
                case JournalEntryKind.Decision:
                    Remember(entry.Step, entry.Decision!);
                    break;
            }
        }

        _renewing = RenewAsync(_stopRenewing.Token);
    }

    /// <summary>The session as journaled when the run began.</summary>
    public CheckpointSession Session { get; }

    /// <summary>The step whose code is running, for the tool calls it makes.</summary>
    public int CurrentStep { get; set; }

    /// <summary>Why the replay diverged from the journal, once it has.</summary>
    private string? Divergence { get; set; }

    /// <summary>Starts the journal of a new session and takes its lease.</summary>
    public static async Task<DurableRun> StartAsync(ICheckpointStore store, string sessionId, string task, string language, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var session = new CheckpointSession(JournalCodec.ValidateSessionId(sessionId), task, language, now, now);
        await store.CreateAsync(session, cancellationToken).ConfigureAwait(false);
        var lease = await store.AcquireLeaseAsync(sessionId, Holder(), LeaseDuration, cancellationToken).ConfigureAwait(false);
        return new DurableRun(store, lease, new CheckpointJournal(session, []), time);
    }

    /// <summary>Takes a journaled session's lease, then reads its journal (so that nobody appends meanwhile).</summary>
    /// <remarks>A <paramref name="language"/> of <see langword="null"/> accepts any: for work on the journal that runs no code.</remarks>
    public static async Task<DurableRun> ResumeAsync(ICheckpointStore store, string sessionId, string? language, TimeProvider time, CancellationToken cancellationToken)
    {
        var lease = await TakeLeaseAsync(store, JournalCodec.ValidateSessionId(sessionId), cancellationToken).ConfigureAwait(false);
        try
        {
            var journal = await store.ReadAsync(sessionId, cancellationToken).ConfigureAwait(false);
            if (language is not null && journal.Session.Language != language)
            {
                throw new CheckpointException($"Session '{sessionId}' was run in {journal.Session.Language}; this agent's interpreter runs {language}. Resume it with a {journal.Session.Language} backend.");
            }

            return new DurableRun(store, lease, journal, time);
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The journaled model turn of <paramref name="step"/>, or null when the model must be asked.</summary>
    public string? JournaledTurn(int step) => _turns.GetValueOrDefault(step);

    /// <summary>The format of the journaled model turn of <paramref name="step"/> (<see cref="JournalEntry.ModelTurnFormat"/>); null for fenced code.</summary>
    public string? JournaledTurnFormat(int step) => _turnFormats.GetValueOrDefault(step);

    /// <summary>The journaled outcome of <paramref name="step"/>, or null when it has not finished before.</summary>
    public JournaledStep? JournaledStep(int step) => _completed.GetValueOrDefault(step);

    /// <summary>The request the run stopped at, journaled without a decision; <see langword="null"/> when the run does not wait for one.</summary>
    public ApprovalRequest? PendingApproval =>
        _lastRequestId is { } id && !_approvalDecisions.ContainsKey(id) && _approvalRequests[id] is var pending
            ? JournaledApprovals.ToRequest(pending.Request, pending.Step, pending.At)
            : null;

    /// <summary>The journaled approval request <paramref name="id"/> and when it was made, if the journal holds it.</summary>
    public (JournaledApprovalRequest Request, DateTimeOffset At)? ApprovalRequestOf(string id) =>
        _approvalRequests.TryGetValue(id, out var found) ? (found.Request, found.At) : null;

    /// <summary>The journaled decision about approval request <paramref name="id"/>, if it was decided.</summary>
    public JournaledDecision? DecisionOf(string id) => _approvalDecisions.GetValueOrDefault(id);

    /// <summary>The journaled review decisions about code block <paramref name="block"/> of <paramref name="step"/>, in order; empty when it was not reviewed.</summary>
    public IReadOnlyList<JournaledDecision> ReviewsOf(int step, int block) => _reviews.TryGetValue((step, block), out var reviews) ? reviews : [];

    /// <summary>
    /// Journals <paramref name="decision"/> about the request the run stopped at, before the resume replays up to it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The session does not wait for an approval.</exception>
    /// <exception cref="ArgumentException">The decision edits the arguments of a code block, which has none.</exception>
    public async Task<ApprovalRequest> DecidePendingAsync(ApprovalDecision decision, TimeProvider time)
    {
        var pending = PendingApproval
            ?? throw new InvalidOperationException($"Session '{Session.Id}' is not waiting for an approval, so there is nothing to decide. Resume it without a decision.");
        if (decision.Arguments is not null && !pending.IsToolCall)
        {
            throw new ArgumentException($"Session '{Session.Id}' waits for the approval of a code block ({pending.Id}), which has no arguments to edit. Approve or reject it.", nameof(decision));
        }

        decision = decision.DecidedAt == default ? decision with { DecidedAt = time.GetUtcNow() } : decision;
        await RecordDecisionAsync(pending.Step, JournaledApprovals.ToJournal(pending.Id, decision)).ConfigureAwait(false);
        return pending;
    }

    /// <summary>The next journaled tool call of the current step, when there is one left to serve.</summary>
    public bool TryTakeJournaledCall(out JournaledToolCall call)
    {
        call = null!;
        return _toolCalls.TryGetValue(CurrentStep, out var calls) && calls.TryDequeue(out call!);
    }

    /// <summary>How many journaled tool calls of <paramref name="step"/> the replay did not make.</summary>
    public int UnservedCalls(int step) => _toolCalls.TryGetValue(step, out var calls) ? calls.Count : 0;

    /// <summary>Notes that the replay went differently from the journal; the agent stops the run after the execution.</summary>
    public void Diverge(string why) => Divergence ??= why;

    /// <summary>
    /// Throws when a step of a durable run went differently from its journal: a tool call the journal does not hold
    /// (noted by the tools), journaled calls left unmade, or code blocks that ended, printed or returned otherwise.
    /// </summary>
    public void CheckReplay(int number, IReadOnlyList<ExecutionResult> executions, JsonElement? finalAnswer)
    {
        var why = Divergence;
        var journaled = JournaledStep(number);
        if (why is null && journaled is not null)
        {
            var now = executions.Select(JournaledExecution.From).ToList();
            var first = Enumerable.Range(0, Math.Max(now.Count, journaled.Executions.Count))
                .FirstOrDefault(i => i >= now.Count || i >= journaled.Executions.Count || !SameExecution(now[i], journaled.Executions[i]), -1);
            if (UnservedCalls(number) > 0)
            {
                why = $"step {number} made {UnservedCalls(number)} fewer tool call(s) than the journal holds";
            }
            else if (first >= 0)
            {
                why = first < now.Count && first < journaled.Executions.Count
                    ? $"code block {first + 1} of step {number} {Describe(journaled.Executions[first])} when journaled but {Describe(now[first])} now"
                    : $"step {number} ran {now.Count} code block(s) where the journal holds {journaled.Executions.Count}";
            }
            else if (!SameJson(finalAnswer, journaled.FinalAnswer))
            {
                if (journaled.AnswerMismatches is { Count: > 0 } && journaled.FinalAnswer is null)
                {
                    // Not a replay that went otherwise: a typed run resumed without its answer type.
                    throw new JournalDivergenceException($"Session '{Session.Id}' asked for a typed answer, and step {number}'s answer was sent back as not matching it ({journaled.AnswerMismatches[0]}). Resume it with the same answer type: RunAsync<T>(AgentRunRequest.Resume(\"{Session.Id}\")).");
                }

                why = $"step {number} gave a different final answer";
            }
        }

        if (why is not null)
        {
            throw new JournalDivergenceException($"Session '{Session.Id}' cannot be resumed exactly: {why}. The code probably depends on something that changes between runs, such as the time or random numbers. Nothing was changed; the journal can still be inspected.");
        }
    }

    private static bool SameExecution(JournaledExecution a, JournaledExecution b) =>
        a.Status == b.Status && a.Stdout == b.Stdout && a.Error == b.Error && SameJson(a.Value, b.Value);

    private static bool SameJson(JsonElement? a, JsonElement? b) =>
        a is { } x ? b is { } y && JsonElement.DeepEquals(x, y) : b is null;

    private static string Describe(JournaledExecution execution)
    {
        var output = execution.Stdout.Length <= 60 ? execution.Stdout : execution.Stdout[..60] + "…";
        return $"ended {execution.Status} printing \"{output.ReplaceLineEndings(" ")}\"" + (execution.Value is { } value ? $" with value {Preview(value.GetRawText())}" : "");
    }

    private static string Preview(string text) => text.Length <= 60 ? text : text[..60] + "…";

    public Task RecordTurnAsync(int step, string text, string? format = null) =>
        (Task)AppendAsync(new JournalEntry { Sequence = 0, Kind = JournalEntryKind.ModelTurn, Step = step, ModelText = text, ModelTurnFormat = format });

    public Task RecordToolCallAsync(JournaledToolCall call) =>
        (Task)AppendAsync(new JournalEntry { Sequence = 0, Kind = JournalEntryKind.ToolCall, Step = CurrentStep, ToolCall = call });

    public Task RecordStepAsync(int step, JournaledStep completed) =>
        (Task)AppendAsync(new JournalEntry { Sequence = 0, Kind = JournalEntryKind.StepCompleted, Step = step, Completed = completed });

    public async Task RecordApprovalRequestAsync(int step, JournaledApprovalRequest request)
    {
        var at = await AppendAsync(new JournalEntry { Sequence = 0, Kind = JournalEntryKind.ApprovalRequested, Step = step, ApprovalRequest = request }).ConfigureAwait(false);
        Remember(step, request, at);
    }

    public async Task RecordDecisionAsync(int step, JournaledDecision decision)
    {
        await AppendAsync(new JournalEntry { Sequence = 0, Kind = JournalEntryKind.Decision, Step = step, Decision = decision }).ConfigureAwait(false);
        Remember(step, decision);
    }

    private void Remember(int step, JournaledApprovalRequest request, DateTimeOffset at)
    {
        _approvalRequests[request.Id] = (request, step, at);
        _lastRequestId = request.Id;
    }

    private void Remember(int step, JournaledDecision decision)
    {
        if (decision.RequestId is { } id)
        {
            _approvalDecisions[id] = decision;
        }
        else
        {
            var key = (step, decision.BlockIndex ?? 0);
            (_reviews.TryGetValue(key, out var reviews) ? reviews : _reviews[key] = []).Add(decision);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopRenewing.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await _lease.DisposeAsync().ConfigureAwait(false);
        }
        catch (CheckpointException)
        {
            // The lease expires by itself; a store that went away meanwhile must not hide how the run ended.
        }

        _stopRenewing.Dispose();
        _gate.Dispose();
    }

    /// <summary>Appends <paramref name="entry"/> as the next entry and returns the time it carries.</summary>
    private async Task<DateTimeOffset> AppendAsync(JournalEntry entry)
    {
        // Not cancellable: once the work is done, recording it is what makes a resume skip it.
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_leaseLost is not null)
            {
                throw new CheckpointException($"The run of session '{Session.Id}' lost its lease, so it stopped journaling: {_leaseLost.Message}", _leaseLost);
            }

            // A host that was paused (or whose renewals failed) past two thirds of the lease renews before it writes:
            // if another host took the session meanwhile, this throws instead of appending to its journal.
            if (_time.GetUtcNow().UtcTicks - Interlocked.Read(ref _leaseRenewedTicks) > (LeaseDuration * 2 / 3).Ticks)
            {
                await _lease.RenewAsync().ConfigureAwait(false);
                Interlocked.Exchange(ref _leaseRenewedTicks, _time.GetUtcNow().UtcTicks);
            }

            var at = _time.GetUtcNow();
            await _store.AppendAsync(Session.Id, entry with { Sequence = _nextSequence, At = at }).ConfigureAwait(false);
            _nextSequence++;
            return at;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(LeaseDuration / 3, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _lease.RenewAsync(cancellationToken).ConfigureAwait(false);
                    Interlocked.Exchange(ref _leaseRenewedTicks, _time.GetUtcNow().UtcTicks);
                }
                catch (CheckpointStoreUnavailableException)
                {
                    // A moment without the store is not a lost lease: the next tick tries again, well before it expires.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (CheckpointException e)
        {
            _leaseLost = e;
        }
    }

    /// <summary>
    /// Takes the lease to resume a session. A lease still held by a process of this machine that no longer exists
    /// (it crashed) is released first, so that a resume right after a crash does not wait for the lease to expire.
    /// </summary>
    private static async Task<ICheckpointLease> TakeLeaseAsync(ICheckpointStore store, string sessionId, CancellationToken cancellationToken)
    {
        try
        {
            return await store.AcquireLeaseAsync(sessionId, Holder(), LeaseDuration, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionLeasedException e) when (IsGoneFromThisMachine(e.Holder))
        {
            // A holder that asks again gets its lease again: so, in its name, take the lease and release it.
            await (await store.AcquireLeaseAsync(sessionId, e.Holder, LeaseDuration, cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            return await store.AcquireLeaseAsync(sessionId, Holder(), LeaseDuration, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="holder"/> (see <see cref="Holder"/>) names a process of this machine that is not running.</summary>
    private static bool IsGoneFromThisMachine(string holder)
    {
        var parts = holder.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out var processId) || processId == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no process has that id
        }
    }

    /// <summary>A holder name for one run: this machine, this process, and a random part that tells runs apart.</summary>
    private static string Holder() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}
