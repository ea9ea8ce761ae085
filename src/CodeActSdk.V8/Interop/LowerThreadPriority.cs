using System.Runtime.InteropServices;

namespace CodeActSdk.V8.Interop;

/// <summary>
/// Lowers the scheduling priority (raises the nice value) of the calling thread on Linux, where
/// <see cref="Thread.Priority"/> has no effect. Used for background work that should yield the CPU to executions.
/// </summary>
internal static partial class LowerThreadPriority
{
    private const int PriorityProcess = 0; // PRIO_PROCESS: with a thread id, one thread only on Linux
    private const int BackgroundNice = 10;

    public static void OfCurrentThread()
    {
        try
        {
            _ = SetPriority(PriorityProcess, GetThreadId(), BackgroundNice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: the thread keeps its priority.
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, uint who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial uint GetThreadId();
}
