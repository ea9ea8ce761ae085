using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// Not a target: what it costs to hand a trivial work item to a dedicated, otherwise idle thread and await its
/// result, completed with asynchronous continuations. JintSession does this for every execution (code runs on a
/// big-stack thread, never on the caller's), so this is the floor under the `1+1` figure that no engine speed-up
/// removes. Written for this benchmark; it mirrors the pattern, not the SDK's code.
/// </summary>
public class ThreadHopBaselineBenchmarks
{
    private BlockingCollection<Action> _queue = null!;
    private Thread _worker = null!;

    [GlobalSetup]
    public void Setup()
    {
        _queue = new BlockingCollection<Action>();
        _worker = new Thread(() =>
        {
            foreach (var item in _queue.GetConsumingEnumerable())
            {
                item();
            }
        })
        { IsBackground = true, Name = "hop baseline" };
        _worker.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _queue.CompleteAdding();
        _worker.Join();
        _queue.Dispose();
    }

    [Benchmark(Description = "Baseline: round trip to a dedicated thread (async continuations)")]
    public async Task<int> RoundTrip()
    {
        var completion = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() => completion.SetResult(2));
        return await completion.Task.ConfigureAwait(false);
    }
}
