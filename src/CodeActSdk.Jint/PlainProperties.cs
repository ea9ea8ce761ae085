using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime.Descriptors;

namespace CodeActSdk.Jint;

/// <summary>
/// Reads properties of the code's objects without running the code's getters, for the host's own use where running
/// them would be wrong: describing an error after the execution failed, or the state digest. A proxy on the prototype
/// chain still runs its traps; callers that cannot afford that catch what they throw.
/// </summary>
internal static class PlainProperties
{
    /// <summary>The property <paramref name="key"/> as the prototype chain gives it (at most 64 prototypes deep).</summary>
    public static PropertyDescriptor Lookup(ObjectInstance obj, string key)
    {
        for (var (current, hops) = (obj, 0); current is not null && hops < 64; current = current.Prototype, hops++)
        {
            var descriptor = current.GetOwnProperty(key);
            if (descriptor != PropertyDescriptor.Undefined)
            {
                return descriptor;
            }
        }

        return PropertyDescriptor.Undefined;
    }

    /// <summary>The string value of the data property <paramref name="key"/>, or <see langword="null"/> when it is missing, a getter or not a string.</summary>
    public static string? String(ObjectInstance obj, string key) =>
        Lookup(obj, key) is { } descriptor && descriptor != PropertyDescriptor.Undefined && !descriptor.IsAccessorDescriptor() && descriptor.Value is JsString text
            ? text.ToString()
            : null;
}
