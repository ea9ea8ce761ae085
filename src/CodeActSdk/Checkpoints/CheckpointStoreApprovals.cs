namespace CodeActSdk;

/// <summary>
/// Approvals of durable sessions, read and decided in their store without running them: what a host shows a person
/// (a web page, <c>codeact sessions</c>) and how it records the answer. The next resume of the session
/// (<see cref="AgentRunRequest.Resume(string)"/>) goes on with the decision, on any host that shares the store.
/// </summary>
public static class CheckpointStoreApprovals
{
    /// <summary>What <paramref name="sessionId"/> waits for: the approval request its run stopped at, if it is not decided yet.</summary>
    /// <param name="store">The sessions' store.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The pending request, or <see langword="null"/> when the session waits for none.</returns>
    /// <exception cref="CheckpointException">The store failed, the session does not exist, or its journal is damaged; the message says which.</exception>
    public static async Task<ApprovalRequest?> GetPendingApprovalAsync(this ICheckpointStore store, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var journal = await store.ReadAsync(JournalCodec.ValidateSessionId(sessionId), cancellationToken).ConfigureAwait(false);
        return JournaledApprovals.PendingIn(journal.Entries);
    }

    /// <summary>
    /// Journals <paramref name="decision"/> about the approval <paramref name="sessionId"/> waits for. The session's lease
    /// is taken meanwhile, so a session that is running is refused rather than changed under its run.
    /// </summary>
    /// <param name="store">The sessions' store.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="decision">The decision.</param>
    /// <param name="timeProvider">The clock for the decision's time when it has none; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the work before the decision is written.</param>
    /// <returns>The request that was decided.</returns>
    /// <exception cref="InvalidOperationException">The session does not wait for an approval.</exception>
    /// <exception cref="ArgumentException">The decision edits the arguments of a code block, which has none.</exception>
    /// <exception cref="SessionLeasedException">The session is running on some host now.</exception>
    /// <exception cref="CheckpointException">The store failed, the session does not exist, or its journal is damaged; the message says which.</exception>
    public static async Task<ApprovalRequest> DecideApprovalAsync(this ICheckpointStore store, string sessionId, ApprovalDecision decision, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(decision);
        var time = timeProvider ?? TimeProvider.System;
        await using var run = await DurableRun.ResumeAsync(store, sessionId, null, time, cancellationToken).ConfigureAwait(false);
        return await run.DecidePendingAsync(decision, time).ConfigureAwait(false);
    }
}
