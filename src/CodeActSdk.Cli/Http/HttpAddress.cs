using System.Globalization;
using System.Net;
using CodeActSdk.Cli.Commands;

namespace CodeActSdk.Cli.Http;

/// <summary>
/// The address <c>codeact mcp --http</c> listens on: an IP address (or <c>localhost</c>) and a port, written
/// <c>127.0.0.1:8080</c>, <c>[::1]:0</c>, <c>localhost:8080</c> or with an <c>http://</c> prefix. Port 0 picks a free port.
/// </summary>
/// <param name="Address">The IP address to bind; <c>localhost</c> is 127.0.0.1.</param>
/// <param name="Port">The port, 0 for any free one.</param>
internal sealed record HttpAddress(IPAddress Address, int Port)
{
    /// <summary>The path of the MCP endpoint on the address.</summary>
    public const string EndpointPath = "/mcp";

    /// <summary>Whether only this machine can connect (127.0.0.0/8 or ::1).</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    /// <summary>Reads an address as the user wrote it.</summary>
    /// <exception cref="UsageException">It is not an address this server can listen on; the message says what to write instead.</exception>
    public static HttpAddress Parse(string text)
    {
        const string Expected = "write it as HOST:PORT with an IP address or localhost, for example 127.0.0.1:8080, [::1]:8080 or 0.0.0.0:8080 (port 0 picks a free port)";
        var value = text.Trim();
        if (value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--http '{text}': HTTPS is not served directly; listen on http:// behind a TLS-terminating proxy, or on a loopback address.");
        }

        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            value = value["http://".Length..];
        }

        value = value.TrimEnd('/');
        if (value.EndsWith(EndpointPath, StringComparison.Ordinal))
        {
            value = value[..^EndpointPath.Length];
        }

        if (value.Contains('/', StringComparison.Ordinal) || value.Length == 0)
        {
            throw new UsageException($"--http '{text}' is not an address: {Expected}. The MCP endpoint is always {EndpointPath}.");
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || (value.StartsWith('[') && !value[..colon].EndsWith(']')))
        {
            throw new UsageException($"--http '{text}' has no port: {Expected}.");
        }

        var host = value[..colon].Trim('[', ']');
        var portText = value[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw new UsageException($"--http '{text}': the port '{portText}' is not a number from 0 to 65535; {Expected}.");
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new HttpAddress(IPAddress.Loopback, port);
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            throw new UsageException($"--http '{text}': '{host}' is not an IP address; {Expected}.");
        }

        return new HttpAddress(address, port);
    }
}
