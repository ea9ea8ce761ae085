namespace CodeActSdk.Mcp;

/// <summary>
/// How to reach one MCP server whose tools sandboxed code may call: a command started as a child process that speaks
/// MCP over its standard input and output, or an HTTP URL (Streamable HTTP, falling back to SSE).
/// </summary>
/// <param name="Name">
/// A short name for the server. It prefixes its tools' names in the sandbox (<c>weather_get_forecast</c>), groups them
/// in the prompt, and names the server in error messages.
/// </param>
public sealed record McpServerConfig(string Name)
{
    /// <summary>The command to start (stdio servers).</summary>
    public string? Command { get; init; }

    /// <summary>The command's arguments (stdio servers).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The server's URL (HTTP servers).</summary>
    public Uri? Url { get; init; }

    /// <summary>The working directory of a stdio server; the host's current directory when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment variables set for a stdio server, on top of the host's.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>A server started as <paramref name="command"/> with <paramref name="arguments"/>, speaking MCP over stdio.</summary>
    public static McpServerConfig Stdio(string name, string command, params string[] arguments) =>
        new(name) { Command = command, Arguments = arguments };

    /// <summary>A server reached over HTTP at <paramref name="url"/>.</summary>
    public static McpServerConfig Http(string name, Uri url) => new(name) { Url = url };

    /// <summary>
    /// Reads <c>NAME=COMMAND [ARGUMENTS...]</c> or <c>NAME=URL</c> (an http or https URL), as the command line takes it.
    /// Arguments are separated by spaces; wrap an argument holding spaces in double quotes.
    /// </summary>
    /// <exception cref="FormatException">The text does not have that form; the message says what is wrong.</exception>
    public static McpServerConfig Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var name = equals > 0 ? text[..equals].Trim() : "";
        var target = equals > 0 ? text[(equals + 1)..].Trim() : "";
        if (name.Length == 0 || target.Length == 0)
        {
            throw new FormatException($"'{text}' is not NAME=COMMAND or NAME=URL (for example weather=\"node weather.js\" or docs=https://example.com/mcp).");
        }

        if (Uri.TryCreate(target, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return Http(name, url);
        }

        var words = Split(target, text);
        return Stdio(name, words[0], [.. words.Skip(1)]);
    }

    /// <summary>Checks that exactly one of a command and a URL is given.</summary>
    /// <exception cref="ArgumentException">The configuration is incomplete or ambiguous.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("An MCP server needs a name.", nameof(Name));
        }

        if (string.IsNullOrWhiteSpace(Command) == (Url is null))
        {
            throw new ArgumentException($"The MCP server '{Name}' needs either a command (stdio) or a URL (HTTP), not both and not neither.", nameof(Command));
        }
    }

    /// <summary>Where the server is, for messages.</summary>
    public override string ToString() => Url is not null ? $"'{Name}' ({Url})" : $"'{Name}' ({Command} {string.Join(' ', Arguments)})".Replace(" )", ")", StringComparison.Ordinal);

    private static List<string> Split(string commandLine, string original)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in commandLine)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (quoted)
        {
            throw new FormatException($"'{original}' has an unclosed double quote.");
        }

        if (any)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
