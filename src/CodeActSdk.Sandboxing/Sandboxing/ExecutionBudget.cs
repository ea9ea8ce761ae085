using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace CodeActSdk.Sandboxing;

/// <summary>
/// One execution's limits as they are being consumed: wall-clock time, caller cancellation, operations, memory
/// allocated and stack space. Backends call <see cref="Tick"/> at loop back-edges and function entries, and
/// <see cref="Charge"/> before built-in work whose size the code controls.
/// </summary>
/// <remarks>
/// Not thread-safe, and thread-affine: allocation is counted on the thread that created the budget, so create it
/// and call it on the thread that runs the code. Memory kept is measured on the process's heap, so executions
/// running at the same time may see part of each other's growth. Once a limit is hit the stop is latched:
/// every later check throws the same <see cref="SandboxStopException"/>, so user code cannot swallow it.
/// </remarks>
public sealed class ExecutionBudget : IDisposable
{
    private readonly SandboxOptions _options;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _deadline;
    private readonly long _startTimestamp;
    private readonly long _allocationBaseline;
    private readonly long _heapBaseline;
    private readonly nint _stackBase;
    private readonly long _maxStackBytes;
    private long _nextMemoryCheck;
    private long _operations;
    private SandboxStopException? _stop;

    /// <summary>Starts the clock and the memory count for one execution on the current thread.</summary>
    /// <param name="options">The limits.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    public ExecutionBudget(SandboxOptions options, CancellationToken cancellationToken)
    {
        _options = options;
        _callerToken = cancellationToken;
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _deadline.CancelAfter(options.Timeout);
        _startTimestamp = Stopwatch.GetTimestamp();
        _allocationBaseline = GC.GetAllocatedBytesForCurrentThread();
        _heapBaseline = GC.GetTotalMemory(forceFullCollection: false);
        _nextMemoryCheck = options.MemoryLimitBytes;
        _stackBase = StackPosition();
        _maxStackBytes = Math.Max(options.MaxRecursionDepth * StackBytesPerLevel, 1024 * 1024);
    }

    /// <summary>
    /// Stack space allowed per level of <see cref="SandboxOptions.MaxRecursionDepth"/>. Interpreters count the calls
    /// they see, but recursion also runs through constructors, getters and conversions; measuring the stack
    /// itself catches every form, long before the thread's stack is exhausted.
    /// </summary>
    public const long StackBytesPerLevel = 8 * 1024;

    /// <summary>Cancelled at the deadline or when the caller cancels: pass it to tools and other host work.</summary>
    public CancellationToken Token => _deadline.Token;

    /// <summary>Time left before the deadline.</summary>
    public TimeSpan Remaining => _options.Timeout - Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>The execution's time limit (<see cref="SandboxOptions.Timeout"/>).</summary>
    public TimeSpan Limit => _options.Timeout;

    /// <summary>Bytes allocated on this thread since the execution started, garbage included.</summary>
    public long AllocatedBytes => GC.GetAllocatedBytesForCurrentThread() - _allocationBaseline;

    /// <summary>Operations counted so far.</summary>
    public long Operations => _operations;

    /// <summary>The stop that ended the execution, if a limit was hit.</summary>
    public SandboxStopException? Stop => _stop;

    /// <summary>Counts one operation and checks every limit.</summary>
    /// <exception cref="SandboxStopException">A limit was hit.</exception>
    public void Tick() => Charge(1);

    /// <summary>Counts <paramref name="operations"/> and <paramref name="bytes"/> about to be spent, then checks every limit.</summary>
    /// <exception cref="SandboxStopException">A limit was hit, or would be by this charge.</exception>
    public void Charge(long operations, long bytes = 0)
    {
        if (_stop is not null)
        {
            throw _stop;
        }

        _operations += operations;
        if (_operations > _options.MaxOperations)
        {
            Halt(ExecutionStatus.Timeout, ErrorKind.OperationLimit,
                $"The code exceeded its budget of {_options.MaxOperations:N0} operations (loop iterations, calls and elements visited by built-ins). Process less data per step or use a cheaper algorithm.");
        }

        if (_deadline.IsCancellationRequested)
        {
            ThrowCancelledOrTimedOut();
        }

        if (AllocatedBytes + bytes > _nextMemoryCheck)
        {
            CheckLiveMemory(bytes);
        }

        if (_stackBase - StackPosition() > _maxStackBytes || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            Halt(ExecutionStatus.RuntimeError, ErrorKind.RecursionLimit,
                "The code nested too deeply (recursion or deeply nested data) and ran out of stack space. Use a loop or flatten the data.");
        }
    }

    /// <summary>
    /// The limit is on memory kept, not on memory churned: interpreters allocate freely and most of it is garbage
    /// at once. Live growth cannot pass the budget before this thread has allocated that much, so the check is
    /// cheap until then; past that point a full collection measures what is really kept. The next check is due
    /// only when enough further allocation could reach the budget, which bounds both the cost and the overshoot.
    /// </summary>
    private void CheckLiveMemory(long bytes)
    {
        if (bytes > _options.MemoryLimitBytes)
        {
            ThrowMemoryLimit();
        }

        // A young-generation collection is cheap and usually enough to show the budget is not reached; only when
        // it is not (old garbage still counts) does a full, process-wide pause decide.
        var growth = LiveGrowthAfterCollecting(generation: 1);
        if (growth + bytes > _options.MemoryLimitBytes)
        {
            growth = LiveGrowthAfterCollecting(GC.MaxGeneration);
            if (growth + bytes > _options.MemoryLimitBytes)
            {
                ThrowMemoryLimit();
            }
        }

        // Growth below zero means the heap held garbage when the execution started, which the collection removed: the
        // next check must still come before this thread could have allocated the whole budget, so it counts as none.
        _nextMemoryCheck = AllocatedBytes + Math.Max(_options.MemoryLimitBytes - Math.Max(growth, 0), _options.MemoryLimitBytes / 8);
    }

    private long LiveGrowthAfterCollecting(int generation)
    {
        GC.Collect(generation, GCCollectionMode.Forced, blocking: true, compacting: false);
        return GC.GetTotalMemory(forceFullCollection: false) - _heapBaseline;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe nint StackPosition()
    {
        byte marker = 0;
        return (nint)(&marker);
    }

    /// <summary>Throws the stop for a cancelled or timed-out execution: <see cref="ExecutionStatus.Cancelled"/> when the caller cancelled, else <see cref="ExecutionStatus.Timeout"/>.</summary>
    [DoesNotReturn]
    public void ThrowCancelledOrTimedOut()
    {
        if (_callerToken.IsCancellationRequested)
        {
            Halt(ExecutionStatus.Cancelled, ErrorKind.Cancelled, "The execution was cancelled by the host.");
        }

        Halt(ExecutionStatus.Timeout, ErrorKind.Timeout,
            $"The code ran longer than its time limit of {_options.Timeout.TotalSeconds:0.###} s. Look for an endless loop, or do less work per step.");
    }

    /// <summary>
    /// What a backend says when a regular expression hit its match timeout (the backends give every regex the time
    /// limit as its match timeout).
    /// </summary>
    public static string RegexTimeoutMessage(TimeSpan limit) =>
        $"A regular expression ran past the time limit of {limit.TotalSeconds:0.###} s. Simplify the pattern (avoid nested quantifiers such as (a+)+).";

    /// <summary>Throws the stop for an execution that would allocate past its memory budget.</summary>
    [DoesNotReturn]
    public void ThrowMemoryLimit() =>
        Halt(ExecutionStatus.MemoryLimit, ErrorKind.MemoryLimit,
            $"The code exceeded its memory budget of {_options.MemoryLimitBytes / (1024.0 * 1024):0.#} MiB. Work on smaller pieces of data, or avoid building huge strings and arrays.");

    /// <summary>Latches a stop with the given status and throws it.</summary>
    [DoesNotReturn]
    public void Halt(ExecutionStatus status, ErrorKind kind, string message)
    {
        _stop ??= new SandboxStopException(status, new ExecutionError(kind, message));
        throw _stop;
    }

    /// <summary>Releases the deadline timer.</summary>
    public void Dispose() => _deadline.Dispose();
}
