namespace CodeActSdk.Mcp.Server;

/// <summary>
/// Lets at most a fixed number of executions run at once; the next ones wait, up to a bounded queue, and beyond it a
/// call is refused at once. Thread-safe.
/// </summary>
internal sealed class ExecutionGate(int maxRunning, int maxQueued)
{
    private readonly SemaphoreSlim _slots = new(maxRunning, maxRunning);
    private int _queued;

    /// <summary>Executions running now.</summary>
    public int Running => maxRunning - _slots.CurrentCount;

    /// <summary>Executions waiting for a slot now.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Takes a slot, waiting in the queue when none is free; <paramref name="queued"/> is called once when the call has to wait.</summary>
    /// <returns>The slot; dispose it when the execution has returned.</returns>
    /// <exception cref="SandboxRequestException">Every slot is taken and the queue is full; nothing ran.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public async Task<IDisposable> EnterAsync(Action queued, CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return new Slot(_slots);
        }

        if (Interlocked.Increment(ref _queued) > maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            throw new SandboxRequestException(
                $"The server is busy: {Count(maxRunning, "execution is", "executions are")} running and {maxQueued} {(maxQueued == 1 ? "is" : "are")} waiting, the most it allows " +
                "(SandboxMcpServerOptions.MaxConcurrentExecutions and MaxQueuedExecutions; codeact mcp --max-concurrency and --max-queue). Nothing ran; try again when a call has returned.");
        }

        try
        {
            queued();
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Slot(_slots);
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private static string Count(int count, string one, string many) => $"{count} {(count == 1 ? one : many)}";

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
