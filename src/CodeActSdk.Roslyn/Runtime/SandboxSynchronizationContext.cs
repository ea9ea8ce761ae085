using System.Collections.Concurrent;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// Keeps asynchronous script code on its sandbox thread. While an execution runs, this is the thread's
/// synchronization context, so every <c>await</c> in the script resumes here rather than on the thread pool (whose
/// small stacks and missing budget would escape the guards). The sandbox thread pumps the posted continuations until
/// the submission's task completes, waiting no longer than the execution's deadline. Continuations posted after the
/// execution ended are dropped: nothing of an execution runs after its result is returned.
/// </summary>
internal sealed class SandboxSynchronizationContext : SynchronizationContext
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly int _threadId = Environment.CurrentManagedThreadId;

    public override void Post(SendOrPostCallback d, object? state)
    {
        try
        {
            _queue.Add((d, state));
        }
        catch (InvalidOperationException)
        {
            // The execution is over; its leftover continuations never run.
        }
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new NotSupportedException("Sandboxed code cannot be called synchronously from another thread.");
        }

        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs posted continuations until <paramref name="task"/> completes, and returns its result.</summary>
    /// <exception cref="SandboxStopException">The deadline passed or the caller cancelled while the code was waiting.</exception>
    public T Pump<T>(Task<T> task, ExecutionBudget budget)
    {
        if (!task.IsCompleted)
        {
            task.ContinueWith(static (_, state) => ((SandboxSynchronizationContext)state!).Post(static _ => { }, null),
                this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        while (!task.IsCompleted)
        {
            (SendOrPostCallback Callback, object? State) item;
            try
            {
                item = _queue.Take(budget.Token);
            }
            catch (OperationCanceledException)
            {
                budget.ThrowCancelledOrTimedOut();
                throw; // unreachable
            }

            item.Callback(item.State);
        }

        return task.GetAwaiter().GetResult();
    }

    /// <summary>Ends the execution's pumping: later posts are dropped.</summary>
    public void Close()
    {
        _queue.CompleteAdding();
        while (_queue.TryTake(out _))
        {
        }
    }
}
