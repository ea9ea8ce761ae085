namespace CodeActSdk.V8;

/// <summary>
/// V8 cannot run in this process: ClearScript's native V8 library for the platform is missing or unusable (another
/// operating system or processor than Linux x64, or a trimmed publish). The message names the NuGet package to add
/// (<c>Microsoft.ClearScript.V8.Native.&lt;platform&gt;</c>). Check beforehand with <see cref="V8Interpreter.IsAvailable"/>.
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
