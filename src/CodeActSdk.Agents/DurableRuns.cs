namespace CodeActSdk.Agents;

/// <summary>
/// Finds a <see cref="CodeActAgentSession"/>'s runs in the checkpoint store. The journal is the truth, not the
/// session's <see cref="CodeActAgentSession.RunCount"/>: a host may have saved the session before its latest run
/// started, so the search starts at the count it knows and looks further while journals exist.
/// </summary>
internal static class DurableRuns
{
    /// <summary>The number of the session's latest journaled run; null when it has none.</summary>
    public static async Task<int?> LatestAsync(ICheckpointStore store, CodeActAgentSession session, CancellationToken cancellationToken)
    {
        var latest = session.RunCount;
        while (await ExistsAsync(store, session.DurableIdOf(latest + 1), cancellationToken).ConfigureAwait(false))
        {
            latest++;
        }

        return latest == 0 ? null : latest;
    }

    private static async Task<bool> ExistsAsync(ICheckpointStore store, string durableId, CancellationToken cancellationToken)
    {
        try
        {
            _ = await store.ReadAsync(durableId, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CheckpointNotFoundException)
        {
            return false;
        }
    }
}
