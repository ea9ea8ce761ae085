using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CodeActSdk.Cli.Commands;

namespace CodeActSdk.Cli.Http;

/// <summary>
/// The bearer tokens <c>codeact mcp --http</c> accepts, each with a name that owns the sessions created with it. Read
/// from <see cref="EnvironmentVariable"/> and from a tokens file (<c>--tokens-file</c>); never from the command line,
/// where other users of the machine could read them. Only SHA-256 hashes are kept, and every check compares against
/// every token in constant time.
/// </summary>
internal sealed partial class BearerTokens
{
    /// <summary>The environment variable with tokens: entries separated by commas or new lines.</summary>
    public const string EnvironmentVariable = "CODEACT_MCP_TOKENS";

    /// <summary>The shortest token accepted: shorter ones are too easy to guess.</summary>
    public const int MinimumLength = 16;

    private readonly List<(string Name, byte[] Hash)> _tokens;

    private BearerTokens(List<(string Name, byte[] Hash)> tokens) => _tokens = tokens;

    /// <summary>How many tokens there are; none means the server is open to anyone who can connect (loopback only).</summary>
    public int Count => _tokens.Count;

    /// <summary>
    /// Reads the tokens of <paramref name="environmentValue"/> and <paramref name="fileText"/>: entries separated by
    /// commas or new lines, each <c>NAME=TOKEN</c> or a bare <c>TOKEN</c> (named <c>#1</c>, <c>#2</c>, … in order);
    /// blank entries and lines starting with <c>#</c> are skipped.
    /// </summary>
    /// <exception cref="UsageException">A token is too short or has spaces, a name is invalid, or a name or token repeats.</exception>
    public static BearerTokens Parse(string? environmentValue, string? fileText, string? fileName)
    {
        var tokens = new List<(string Name, byte[] Hash)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Read(string? text, string source)
        {
            if (text is null)
            {
                return;
            }

            foreach (var raw in text.Split([',', '\n', '\r'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (raw.StartsWith('#'))
                {
                    continue;
                }

                var equals = raw.IndexOf('=', StringComparison.Ordinal);
                var named = equals > 0 && NamePattern().IsMatch(raw[..equals]);
                var name = named ? raw[..equals] : $"#{tokens.Count + 1}";
                var token = named ? raw[(equals + 1)..].Trim() : raw;
                if (token.Length < MinimumLength || token.Any(char.IsWhiteSpace))
                {
                    throw new UsageException(
                        $"A token of {source} ('{name}') is {(token.Any(char.IsWhiteSpace) ? "not one word" : $"{token.Length} characters long")}: tokens must be at least " +
                        $"{MinimumLength} characters without spaces. Write entries as NAME=TOKEN, for example: openssl rand -hex 32.");
                }

                var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
                if (!names.Add(name))
                {
                    throw new UsageException($"The token name '{name}' of {source} is used twice; give every token its own name.");
                }

                if (tokens.Any(t => CryptographicOperations.FixedTimeEquals(t.Hash, hash)))
                {
                    throw new UsageException($"The token named '{name}' of {source} repeats another token; give every client its own token.");
                }

                tokens.Add((name, hash));
            }
        }

        Read(environmentValue, EnvironmentVariable);
        Read(fileText, fileName ?? "the tokens file");
        return new BearerTokens(tokens);
    }

    /// <summary>The name of the token that was presented, or <see langword="null"/> when it is none of them.</summary>
    public string? Find(string presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        string? found = null;
        foreach (var (name, expected) in _tokens)
        {
            // Every token is compared, so the time taken does not tell which one (or whether one) matched.
            if (CryptographicOperations.FixedTimeEquals(expected, hash))
            {
                found = name;
            }
        }

        return found;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
