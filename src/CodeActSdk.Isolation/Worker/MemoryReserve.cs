using System.Runtime;
using System.Runtime.ExceptionServices;

namespace CodeActSdk.Isolation.Worker;

/// <summary>
/// Headroom a worker keeps back for the moment the code fills its heap. The code's own objects stay reachable after
/// an <see cref="OutOfMemoryException"/> (a global array, say), so without a reserve the work that follows the failure
/// (the backend's error handling, the result, the reply) would need memory that is not there and fail in turn,
/// wherever its next allocation happens to be. The reserve is let go at the first sight of an
/// <see cref="OutOfMemoryException"/> on any thread, before any handler runs, and taken again after the reply.
/// </summary>
/// <remarks>
/// One per worker process: it watches <see cref="AppDomain.FirstChanceException"/>, which is process-wide. Thread-safe.
/// </remarks>
public sealed class MemoryReserve : IDisposable
{
    private readonly int _bytes;
    private byte[]? _reserve;

    /// <summary>Takes the reserve and starts watching for an exhausted heap.</summary>
    /// <param name="bytes">The headroom: enough to describe a failure and send the reply.</param>
    public MemoryReserve(int bytes = 16 * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        _bytes = bytes;
        Refill();
        AppDomain.CurrentDomain.FirstChanceException += Release;
    }

    /// <summary>Whether the reserve is held now (false after the heap ran out, until a <see cref="Refill"/> succeeds).</summary>
    public bool IsHeld => Volatile.Read(ref _reserve) is not null;

    /// <summary>
    /// Takes the reserve again if it was let go and the heap, collected and compacted, has room for it and as much again
    /// besides: the code that filled the heap may still hold it, and its next step (the one that lets go) needs room to
    /// run. While the reserve is not held, every call compacts the heap, so call it before that next step compiles.
    /// </summary>
    /// <returns>Whether the reserve is held.</returns>
    public bool Refill()
    {
        if (IsHeld)
        {
            return true;
        }

        // The reserve is one large object, so what letting it go freed is large-object space: a plain collection sweeps
        // it, and it stays committed (the heap's hard limit counts it) while usable only by other large objects. The
        // next step's compilation and run allocate small objects, so the collection compacts every generation, the
        // large object heap included, and gives back what is free: the room the reserve made is then room for anything.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var heap = GC.GetGCMemoryInfo();
        if (heap.HeapSizeBytes + 2L * _bytes > heap.TotalAvailableMemoryBytes)
        {
            return false;
        }

        try
        {
            // Uninitialised: the heap's hard limit counts it, the process's resident memory need not.
            Interlocked.CompareExchange(ref _reserve, GC.AllocateUninitializedArray<byte>(_bytes), null);
            return true;
        }
        catch (OutOfMemoryException)
        {
            // The code's objects still fill the heap; the next reply tries again.
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= Release;

    private void Release(object? sender, FirstChanceExceptionEventArgs e)
    {
        // Allocates nothing: it runs where the heap has just been found full.
        if (e.Exception is OutOfMemoryException)
        {
            Volatile.Write(ref _reserve, null);
        }
    }
}
