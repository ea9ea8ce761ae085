namespace CodeActSdk.V8;

/// <summary>
/// V8 cannot run in this process: libnode.so.108 or the CodeActSdk.V8 shim is missing or unusable. The message
/// names the library and how to install it. Check beforehand with <see cref="V8Interpreter.IsAvailable"/>.
/// </summary>
public sealed class V8UnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with the reason V8 is unavailable.</summary>
    public V8UnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason V8 is unavailable and its cause.</summary>
    public V8UnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
