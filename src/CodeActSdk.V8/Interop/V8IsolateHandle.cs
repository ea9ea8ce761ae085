using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CodeActSdk.V8.Interop;

/// <summary>
/// Owns one native isolate (with its context). Releasing it disposes the isolate; the runtime's reference counting
/// defers that until no call using the handle is in flight, so disposing a session while its code is still being
/// stopped is safe.
/// </summary>
internal sealed unsafe class V8IsolateHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>
    /// Native memory an idle isolate with its context holds, told to the GC so that sessions a host forgets to
    /// dispose are finalized (and their isolates freed) before they pile up.
    /// </summary>
    private const long EstimatedNativeBytes = 2 * 1024 * 1024;

    public V8IsolateHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Creates an isolate with a ready context.</summary>
    /// <exception cref="InvalidOperationException">V8 could not create it.</exception>
    public static V8IsolateHandle Create(long heapLimitBytes, bool allowWebAssembly)
    {
        var options = new NativeMethods.IsolateOptions { HeapLimitBytes = heapLimitBytes, AllowWebAssembly = allowWebAssembly ? 1 : 0 };
        if (NativeMethods.IsolateNew(in options, out var handle, out var error) != NativeMethods.Ok)
        {
            handle.Dispose();
            throw new InvalidOperationException(NativeMethods.TakeError(error, "V8 could not create an isolate."));
        }

        GC.AddMemoryPressure(EstimatedNativeBytes);
        return handle;
    }

    public void SetLimits(long heapLimitBytes, long arrayBufferLimitBytes, long stackLimitBytes)
    {
        var limits = new NativeMethods.Limits
        {
            HeapLimitBytes = heapLimitBytes,
            ArrayBufferLimitBytes = arrayBufferLimitBytes,
            StackLimitBytes = stackLimitBytes,
        };
        if (NativeMethods.IsolateSetLimits(this, in limits, out var error) != NativeMethods.Ok)
        {
            throw new InvalidOperationException(NativeMethods.TakeError(error, "V8 refused the session's limits."));
        }
    }

    /// <summary>Defines a global function that calls tool <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentException">The name is already a global of the context.</exception>
    public void DefineTool(string name, int index, int arity)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* text = bytes)
        {
            if (NativeMethods.IsolateDefineTool(this, text, bytes.Length, index, arity, out var error) != NativeMethods.Ok)
            {
                throw new ArgumentException(NativeMethods.TakeError(error, $"The tool '{name}' could not be defined."), "options");
            }
        }
    }

    /// <summary>
    /// Computes the state digest as the shim's JSON (see cav8_isolate_describe): <paramref name="candidateNames"/>
    /// are probed as top-level lexical bindings. Stopped like a run by <see cref="Terminate"/> with <paramref name="runId"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The shim failed.</exception>
    public string Describe(IEnumerable<string> candidateNames, long runId, int maxPreviewChars)
    {
        var names = Encoding.UTF8.GetBytes(string.Join('\n', candidateNames));
        int status;
        nint digest, error;
        int length;
        fixed (byte* text = names)
        {
            status = NativeMethods.IsolateDescribe(this, text, names.Length, runId, maxPreviewChars, out digest, out length, out error);
        }

        if (status != NativeMethods.Ok)
        {
            throw new InvalidOperationException(NativeMethods.TakeError(error, "V8 could not describe the session's variables."));
        }

        try
        {
            return Encoding.UTF8.GetString((byte*)digest, length);
        }
        finally
        {
            NativeMethods.StringFree(digest);
        }
    }

    /// <summary>Stops run <paramref name="runId"/>; safe from any thread, and after the handle was disposed.</summary>
    public void Terminate(long runId)
    {
        try
        {
            NativeMethods.IsolateTerminate(this, runId);
        }
        catch (ObjectDisposedException)
        {
            // The session was disposed: nothing is left to stop.
        }
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.IsolateFree(handle);
        GC.RemoveMemoryPressure(EstimatedNativeBytes);
        return true;
    }
}
