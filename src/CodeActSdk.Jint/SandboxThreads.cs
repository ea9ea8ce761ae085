using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CodeActSdk.Jint;

/// <summary>
/// The threads that run sandboxed code. Jint is a recursive interpreter running on the .NET stack, and a .NET
/// stack overflow ends the process, so code never runs on the caller's (or the thread pool's) small stack: it runs
/// here, on threads with a large stack, where the guards stop deep recursion long before the stack is exhausted.
/// Threads start on demand up to a maximum and are reused; they end when the pool is disposed.
/// </summary>
internal sealed class SandboxThreads : IDisposable
{
    /// <summary>Reserved, not committed: only the pages the code actually touches use memory.</summary>
    public const int StackBytes = 256 * 1024 * 1024;

    private readonly BlockingCollection<Action> _work = new();
    private readonly int _maxThreads;
    private readonly Lock _lock = new();
    private int _threads;
    private int _idle;

    public SandboxThreads(int maxThreads) => _maxThreads = maxThreads;

    /// <summary>Runs <paramref name="work"/> on a sandbox thread. Exceptions it throws fault the returned task.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_idle == 0 && _threads < _maxThreads)
            {
                _threads++;
                _idle++;
                new Thread(Loop, StackBytes) { IsBackground = true, Name = "CodeActSdk.Jint sandbox" }.Start();
            }
        }

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

    public void Dispose()
    {
        _work.CompleteAdding();
    }
}
