namespace CodeActSdk.Mcp.Server;

/// <summary>
/// A request to <see cref="SandboxMcpServer"/> that cannot be carried out as asked: an unknown or unavailable
/// backend, no code, a malformed session id, limits that differ from the session's, too many sessions. Nothing ran.
/// The message names the offending argument and says what to do instead; the MCP tools return it as an error result.
/// </summary>
/// <remarks>Failures of the code itself are never thrown: they are <see cref="ExecutionResult"/>s.</remarks>
public sealed class SandboxRequestException : Exception
{
    /// <summary>Creates the exception with a message for the caller.</summary>
    /// <param name="message">What is wrong with the request and what to do instead.</param>
    public SandboxRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the caller and the exception behind it.</summary>
    /// <param name="message">What is wrong with the request and what to do instead.</param>
    /// <param name="innerException">The exception that revealed the problem.</param>
    public SandboxRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
