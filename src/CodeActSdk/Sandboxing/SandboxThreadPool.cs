using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CodeActSdk.Sandboxing;

/// <summary>
/// Threads with a large stack for running sandboxed code. Interpreters recurse on the thread that runs the code,
/// and a .NET stack overflow ends the process, so code never runs on the caller's or the thread pool's small
/// stack: it runs here, where the stack is far larger than any limit a session may ask for, and the guards
/// (<see cref="ExecutionBudget"/>, or the engine's own stack limit) stop deep recursion long before it is exhausted.
/// </summary>
/// <remarks>
/// Threads start on demand up to a maximum and are reused; at most that many executions run at once and the rest
/// wait their turn. Thread-safe. Disposing lets running work finish and ends the threads.
/// </remarks>
public sealed class SandboxThreadPool : IDisposable
{
    /// <summary>The stack each thread reserves. Reserved, not committed: only the pages the code touches use memory.</summary>
    public const int StackBytes = 256 * 1024 * 1024;

    private readonly BlockingCollection<Action> _work = new();
    private readonly string _name;
    private readonly int _maxThreads;
    private readonly Lock _lock = new();
    private int _threads;
    private int _idle;

    /// <summary>Creates a pool whose threads are named <paramref name="name"/>.</summary>
    /// <param name="name">The threads' name, as debuggers and profilers show it.</param>
    /// <param name="maxThreads">The most threads, and so the most executions running at once.</param>
    public SandboxThreadPool(string name, int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        _name = name;
        _maxThreads = maxThreads;
    }

    /// <summary>Runs <paramref name="work"/> on a sandbox thread. Exceptions it throws fault the returned task.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_idle == 0 && _threads < _maxThreads && !_work.IsAddingCompleted)
            {
                _threads++;
                _idle++;
                new Thread(Loop, StackBytes) { IsBackground = true, Name = _name }.Start();
            }
        }

        try
        {
            _work.Add(() =>
            {
                try
                {
                    completion.SetResult(work());
                }
                catch (Exception e)
                {
                    completion.SetException(e);
                }
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(_name, "The interpreter that owns these sandbox threads was disposed.");
        }

        return completion.Task;
    }

    private void Loop()
    {
        while (RunNext())
        {
        }
    }

    /// <summary>
    /// Waits for one work item and runs it. A frame of its own, returned from before the next wait: the loop runs
    /// for ever and so stays unoptimised (tier-0) code, whose temporaries would keep the last item, and every
    /// engine it reaches, alive until the next one arrived.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RunNext()
    {
        Action item;
        try
        {
            item = _work.Take();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return false; // completed: the pool is shutting down.
        }

        Interlocked.Decrement(ref _idle);
        item();
        Interlocked.Increment(ref _idle);
        return true;
    }

    /// <summary>Lets queued and running work finish, then ends the threads; later calls to <see cref="Run{T}"/> throw.</summary>
    public void Dispose() => _work.CompleteAdding();
}
