using System.Runtime.InteropServices;

namespace CodeActSdk.V8.Interop;

/// <summary>The one function V8 calls back into: console output and tool calls of the execution running.</summary>
internal static unsafe class V8HostCallbacks
{
    /// <summary>
    /// Called on the sandbox thread, inside a run. <paramref name="state"/> is the <see cref="GCHandle"/> of the
    /// run's <see cref="V8Execution"/>. Never throws: an exception cannot cross back into V8.
    /// </summary>
    [UnmanagedCallersOnly]
    public static int OnHostCall(nint state, int op, int index, byte* text, int length, nint reply)
    {
        try
        {
            if (state == 0 || GCHandle.FromIntPtr(state).Target is not V8Execution execution)
            {
                return NativeMethods.ReplyError;
            }

            return execution.OnHostCall(op, index, new ReadOnlySpan<byte>(text, length), reply);
        }
        catch (Exception e)
        {
            try
            {
                Reply(reply, $"The host failed: {e.Message}");
            }
            catch (Exception)
            {
                // Nothing more can be said.
            }

            return NativeMethods.ReplyError;
        }
    }

    /// <summary>Writes the host's answer for the shim to read.</summary>
    public static void Reply(nint reply, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        fixed (byte* data = bytes)
        {
            NativeMethods.ReplySet(reply, data, bytes.Length);
        }
    }
}
