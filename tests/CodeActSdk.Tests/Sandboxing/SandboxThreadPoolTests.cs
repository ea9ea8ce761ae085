using CodeActSdk.Sandboxing;

namespace CodeActSdk.Tests.Sandboxing;

/// <summary>Work stuck in a call that cannot be interrupted can be given up, and work waiting on the host lends its place, so that neither holds the pool's threads.</summary>
public class SandboxThreadPoolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Abandoned_work_gives_its_thread_s_place_to_other_work()
    {
        using var pool = new SandboxThreadPool("test", maxThreads: 1);
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = pool.Run(() => { started.SetResult(); release.Wait(); return 1; });
        await started.Task;

        pool.Abandon(stuck).Should().BeTrue();
        var next = pool.Run(() => 2);

        (await next.WaitAsync(Patience)).Should().Be(2, "a new thread took the abandoned one's place");
        pool.AbandonedThreads.Should().Be(1);
        release.Set();
        (await stuck.WaitAsync(Patience)).Should().Be(1, "abandoned work still completes");
        await WaitUntil(() => pool.AbandonedThreads == 0);
        (await pool.Run(() => 3).WaitAsync(Patience)).Should().Be(3);
    }

    [Test]
    public async Task Work_that_waits_on_the_host_lends_its_place_to_the_work_it_waits_for()
    {
        using var pool = new SandboxThreadPool("test", maxThreads: 1);

        // Nested three deep on a pool of one thread: each level waits (as code waits on a tool) for work queued on the same pool.
        int Nest(int depth)
        {
            if (depth == 0)
            {
                return 0;
            }

            using var waiting = SandboxThreadPool.WaitingOnHost();
            return pool.Run(() => Nest(depth - 1)).Result + 1;
        }

        (await pool.Run(() => Nest(3)).WaitAsync(Patience)).Should().Be(3);
        (await pool.Run(() => 7).WaitAsync(Patience)).Should().Be(7, "the pool is back at its size and still works");
    }

    [Test]
    public async Task Abandoned_work_that_has_not_started_never_runs()
    {
        using var pool = new SandboxThreadPool("test", maxThreads: 1);
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = pool.Run(() => { started.SetResult(); release.Wait(); return 1; });
        await started.Task;
        var ran = false;
        var queued = pool.Run(() => ran = true);

        pool.Abandon(queued).Should().BeTrue();
        release.Set();
        await busy.WaitAsync(Patience);

        var wait = () => queued.WaitAsync(Patience);
        await wait.Should().ThrowAsync<OperationCanceledException>();
        (await pool.Run(() => ran).WaitAsync(Patience)).Should().BeFalse();
    }

    [Test]
    public async Task No_more_threads_are_abandoned_than_the_pool_may_run()
    {
        using var pool = new SandboxThreadPool("test", maxThreads: 1);
        using var release = new ManualResetEventSlim();
        var tasks = new List<Task<int>>();
        for (var i = 0; i < 2; i++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = pool.Run(() => { started.SetResult(); release.Wait(); return 1; });
            await started.Task;
            tasks.Add(task);
            pool.Abandon(task).Should().Be(i == 0, "only one thread may be abandoned at a time in a pool of one");
        }

        release.Set();
        await Task.WhenAll(tasks).WaitAsync(Patience);
        pool.Abandon(tasks[0]).Should().BeFalse("finished work cannot be abandoned");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        condition().Should().BeTrue();
    }
}
