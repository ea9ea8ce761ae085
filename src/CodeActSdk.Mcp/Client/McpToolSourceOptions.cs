using Microsoft.Extensions.Logging;

namespace CodeActSdk.Mcp;

/// <summary>Limits for talking to MCP servers on behalf of sandboxed code.</summary>
public sealed record McpToolSourceOptions
{
    /// <summary>How long a server may take to start and answer the handshake and the tool list. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one tool call may take. Default 60 s; the sandbox's own time limit applies too.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest result, in characters of JSON, handed to the code. Larger results are an error the code sees. Default 1,000,000.</summary>
    public int MaxResultChars { get; init; } = 1_000_000;

    /// <summary>
    /// The most base64 characters of an image or audio result handed to the code as <c>data</c>; a larger one comes
    /// as <c>{type, mimeType, base64Length, note}</c> without its data. Default 750,000 (about 560 KB of data), within
    /// <see cref="MaxResultChars"/>.
    /// </summary>
    public int MaxBinaryContentChars { get; init; } = 750_000;

    /// <summary>Where the MCP client logs; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is not positive.</exception>
    public McpToolSourceOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CallTimeout, TimeSpan.Zero, nameof(CallTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxResultChars, 0, nameof(MaxResultChars));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxBinaryContentChars, nameof(MaxBinaryContentChars));
        return this;
    }
}
