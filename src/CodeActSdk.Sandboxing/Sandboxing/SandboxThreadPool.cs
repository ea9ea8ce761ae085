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
/// wait their turn. Work stuck in a call that cannot be interrupted can be given up with <see cref="Abandon"/>: its
/// thread then no longer counts, so the others are not held up by it. Thread-safe. Disposing lets running work finish
/// and ends the threads.
/// </remarks>
public sealed class SandboxThreadPool : IDisposable
{
    /// <summary>The stack each thread reserves. Reserved, not committed: only the pages the code touches use memory.</summary>
    public const int StackBytes = 256 * 1024 * 1024;

    [ThreadStatic]
    private static SandboxThreadPool? t_owner;

    private readonly BlockingCollection<WorkItem> _work = new();
    private readonly string _name;
    private readonly int _maxThreads;
    private readonly Lock _lock = new();
    private int _threads;
    private int _idle;
    private int _abandoned;

    /// <summary>Creates a pool whose threads are named <paramref name="name"/>.</summary>
    /// <param name="name">The threads' name, as debuggers and profilers show it.</param>
    /// <param name="maxThreads">The most threads, and so the most executions running at once.</param>
    public SandboxThreadPool(string name, int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        _name = name;
        _maxThreads = maxThreads;
    }

    /// <summary>Threads that run abandoned work until it returns; they no longer count toward the maximum.</summary>
    public int AbandonedThreads
    {
        get
        {
            lock (_lock)
            {
                return _abandoned;
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on a sandbox thread. Exceptions it throws fault the returned task.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new WorkItem();
        // The task carries its work item, so that Abandon can find it.
        var completion = new TaskCompletionSource<T>(item, TaskCreationOptions.RunContinuationsAsynchronously);
        item.Start(
            () =>
            {
                try
                {
                    completion.SetResult(work());
                }
                catch (Exception e)
                {
                    completion.SetException(e);
                }
            },
            () => completion.TrySetCanceled());
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
            _work.Add(item);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(_name, "The interpreter that owns these sandbox threads was disposed.");
        }

        return completion.Task;
    }

    /// <summary>
    /// Gives up waiting for <paramref name="work"/>, which is stuck in a call that cannot be interrupted: its thread
    /// stops counting toward the maximum, so that other work gets a thread at once, and it ends once the work returns
    /// instead of taking more. Work that has not started yet is not run at all (its task is cancelled). At most as many
    /// threads as the pool's maximum can be abandoned at a time; past that the thread keeps its place.
    /// </summary>
    /// <param name="work">A task returned by <see cref="Run{T}"/>.</param>
    /// <returns>Whether the work was abandoned; <see langword="false"/> when it had already finished, is not this pool's, or too many threads are abandoned already.</returns>
    public bool Abandon(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (work.AsyncState is not WorkItem item)
        {
            return false;
        }

        lock (_lock)
        {
            if (item.State == WorkState.Queued)
            {
                item.State = WorkState.Abandoned;
                item.Cancel();
                return true;
            }

            if (item.State != WorkState.Running || _abandoned >= _maxThreads)
            {
                return false;
            }

            item.State = WorkState.Abandoned;
            _abandoned++;
            _threads--;
            return true;
        }
    }

    /// <summary>
    /// Marks the current sandbox thread as waiting for the host (a tool call) until the returned scope is disposed: it
    /// stops counting toward the maximum meanwhile, and a thread is started for queued work. Code waiting on a tool
    /// runs nothing, and the tool may itself need a sandbox thread (a sub-agent's code): without this, nested work
    /// would wait for a thread its own caller holds. On another thread it does nothing.
    /// </summary>
    /// <returns>The scope; dispose it when the wait is over.</returns>
    public static WaitScope WaitingOnHost()
    {
        var pool = t_owner;
        if (pool is null)
        {
            return default;
        }

        lock (pool._lock)
        {
            pool._threads--;
            if (pool._work.Count > 0 && pool._idle == 0 && pool._threads < pool._maxThreads && !pool._work.IsAddingCompleted)
            {
                pool._threads++;
                pool._idle++;
                new Thread(pool.Loop, StackBytes) { IsBackground = true, Name = pool._name }.Start();
            }
        }

        return new WaitScope(pool);
    }

    /// <summary>A sandbox thread's wait for the host; see <see cref="WaitingOnHost"/>.</summary>
    public readonly struct WaitScope : IDisposable
    {
        private readonly SandboxThreadPool? _pool;

        internal WaitScope(SandboxThreadPool pool) => _pool = pool;

        /// <summary>The thread counts toward the maximum again; if the pool is over it, the thread ends after its work.</summary>
        public void Dispose()
        {
            if (_pool is { } pool)
            {
                lock (pool._lock)
                {
                    pool._threads++;
                }
            }
        }
    }

    private void Loop()
    {
        t_owner = this;
        while (RunNext())
        {
        }
    }

    /// <summary>
    /// Waits for one work item and runs it; returns whether the thread should take more. A frame of its own,
    /// returned from before the next wait: the loop runs for ever and so stays unoptimised (tier-0) code, whose
    /// temporaries would keep the last item, and every engine it reaches, alive until the next one arrived.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RunNext()
    {
        WorkItem item;
        try
        {
            item = _work.Take();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return false; // completed: the pool is shutting down.
        }

        lock (_lock)
        {
            if (item.State == WorkState.Abandoned)
            {
                return true; // given up before it started
            }

            item.State = WorkState.Running;
            _idle--;
        }

        item.Run();
        lock (_lock)
        {
            if (item.State == WorkState.Abandoned)
            {
                // Another thread took this one's place meanwhile: end, so that the pool stays at its size.
                _abandoned--;
                return false;
            }

            item.State = WorkState.Done;
            if (_threads > _maxThreads)
            {
                // A thread started while this one waited on the host: end, so that the pool is back at its size.
                _threads--;
                return false;
            }

            _idle++;
            return true;
        }
    }

    /// <summary>Lets queued and running work finish, then ends the threads; later calls to <see cref="Run{T}"/> throw.</summary>
    public void Dispose() => _work.CompleteAdding();

    private enum WorkState
    {
        Queued,
        Running,
        Done,
        Abandoned,
    }

    /// <summary>One piece of work. It lets go of the work's delegate once run, since its task may be kept long after.</summary>
    private sealed class WorkItem
    {
        private Action? _body;
        private Action? _cancel;

        public WorkState State { get; set; }

        public void Start(Action body, Action cancel)
        {
            _body = body;
            _cancel = cancel;
        }

        public void Run()
        {
            var body = _body;
            _body = null;
            _cancel = null;
            body?.Invoke();
        }

        public void Cancel()
        {
            var cancel = _cancel;
            _body = null;
            _cancel = null;
            cancel?.Invoke();
        }
    }
}
