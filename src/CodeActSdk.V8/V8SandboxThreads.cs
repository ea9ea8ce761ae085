using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CodeActSdk.V8;

/// <summary>
/// The threads that run sandboxed code. V8 checks its stack against a limit the shim sets below the point where a
/// run enters, so the code runs here, on threads whose stack is known to be far larger than any limit a session
/// may ask for (the pages are reserved, not committed). Threads start on demand up to a maximum and are reused;
/// they end when the pool is disposed.
/// </summary>
internal sealed class V8SandboxThreads : IDisposable
{
    /// <summary>Reserved stack of each thread.</summary>
    public const int StackBytes = 256 * 1024 * 1024;

    /// <summary>The most a session's JavaScript may use of it; the rest is room for V8's and the host's own frames.</summary>
    public const long MaxJavaScriptStackBytes = 128L * 1024 * 1024;

    private readonly BlockingCollection<Action> _work = new();
    private readonly int _maxThreads;
    private readonly Lock _lock = new();
    private int _threads;
    private int _idle;

    public V8SandboxThreads(int maxThreads) => _maxThreads = maxThreads;

    /// <summary>Runs <paramref name="work"/> on a sandbox thread. Exceptions it throws fault the returned task.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_idle == 0 && _threads < _maxThreads)
            {
                _threads++;
                _idle++;
                new Thread(Loop, StackBytes) { IsBackground = true, Name = "CodeActSdk.V8 sandbox" }.Start();
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
            throw new ObjectDisposedException(nameof(V8Interpreter), "The V8Interpreter that created this session was disposed.");
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
    /// Waits for one work item and runs it, in a frame of its own so that the item (and the session it reaches) is
    /// not kept alive by the loop's locals until the next item arrives.
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

    public void Dispose() => _work.CompleteAdding();
}
