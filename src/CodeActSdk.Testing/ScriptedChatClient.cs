using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Testing;

/// <summary>
/// A test double of <see cref="IChatClient"/> that replays scripted model turns instead of calling a model: the
/// first call returns the first turn, the second call the second, and so on. Use it in tests and demos
/// (<c>codeact run --script FILE</c>) to drive an agent deterministically against a real sandbox.
/// </summary>
/// <remarks>
/// <para>A script is a Markdown file. Every line that is exactly <c>## turn</c> (ignoring case and surrounding
/// blanks) starts a new turn, and the turn's text is everything up to the next such line, trimmed. Anything before
/// the first <c>## turn</c> line is a header for the reader and is ignored. For example:</para>
/// <code>
/// # Sum of squares demo
/// ## turn
/// I will compute it in code.
/// ```js
/// var s = 0; for (var i = 1; i &lt;= 10; i++) { s += i * i; } console.log(s);
/// ```
/// ## turn
/// ```js
/// final_answer(s);
/// ```
/// </code>
/// <para>A turn is rendered in the format the request asks for, so that one script drives every code format: when
/// the chat options carry a JSON-schema response format with a <c>code</c> property, a turn holding fenced code is
/// answered as the JSON object <c>{"thought": prose, "code": code}</c>; when they offer a function named
/// <c>execute_code</c>, it is answered with its prose and one <see cref="FunctionCallContent"/> of that function per code
/// block (call ids <c>call_{turn}_{block}</c>). A turn without a fence (or whose fences are all tagged <c>json</c>), or
/// one that already holds tool calls, is sent as written, so a script can also hold the broken answers a real model gives.</para>
/// <para>The client ignores the messages it is sent, apart from recording them in <see cref="ReceivedMessages"/>
/// (and the options in <see cref="ReceivedOptions"/>).
/// The usage it reports is an estimate (about four characters per token), not a count by any real tokenizer.
/// It is thread-safe: concurrent calls each take a different turn.</para>
/// </remarks>
public sealed class ScriptedChatClient : IChatClient
{
    /// <summary>The model id the client reports in its metadata and responses.</summary>
    public const string ModelId = "scripted";

    private readonly ChatMessage[] _turns;
    private readonly List<IReadOnlyList<ChatMessage>> _received = [];
    private readonly List<ChatOptions?> _receivedOptions = [];
    private readonly Lock _lock = new();
    private int _next;

    /// <summary>Creates a client that replays <paramref name="turns"/> in order.</summary>
    /// <param name="turns">The model's answers, one per call.</param>
    /// <exception cref="ArgumentException"><paramref name="turns"/> is empty.</exception>
    public ScriptedChatClient(IEnumerable<string> turns)
        : this(turns?.Select(text => text is null ? null! : new ChatMessage(ChatRole.Assistant, text))!)
    {
    }

    /// <summary>
    /// Creates a client that replays <paramref name="turns"/> in order: assistant messages, which may hold tool calls
    /// (see <see cref="CallTool"/>) as well as text, for agents that call functions rather than write code blocks.
    /// </summary>
    /// <param name="turns">The model's answers, one per call.</param>
    /// <exception cref="ArgumentException"><paramref name="turns"/> is empty or holds a null turn.</exception>
    public ScriptedChatClient(IEnumerable<ChatMessage> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        _turns = [.. turns];
        if (_turns.Length == 0)
        {
            throw new ArgumentException("A scripted chat client needs at least one turn.", nameof(turns));
        }

        if (Array.IndexOf(_turns, null) >= 0)
        {
            throw new ArgumentException("A turn of the script is null.", nameof(turns));
        }
    }

    /// <summary>The text of each scripted turn, in order.</summary>
    public IReadOnlyList<string> Turns => [.. _turns.Select(turn => turn.Text)];

    /// <summary>A scripted turn in which the model calls the tool <paramref name="name"/> with <paramref name="arguments"/>.</summary>
    /// <param name="name">The tool's name, for example <c>execute_code</c>.</param>
    /// <param name="arguments">The call's arguments by parameter name.</param>
    /// <param name="callId">The call's id; a new one when omitted.</param>
    public static ChatMessage CallTool(string name, IDictionary<string, object?> arguments, string? callId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(arguments);
        return new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId ?? "call_" + Guid.NewGuid().ToString("N")[..12], name, arguments)]);
    }

    /// <summary>How many turns have been returned so far.</summary>
    public int CallCount
    {
        get
        {
            lock (_lock)
            {
                return _next;
            }
        }
    }

    /// <summary>The messages of every call so far, in call order (a copy of each list as it was sent).</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> ReceivedMessages
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The chat options of every call so far, in call order (<see langword="null"/> when a call had none).</summary>
    public IReadOnlyList<ChatOptions?> ReceivedOptions
    {
        get
        {
            lock (_lock)
            {
                return [.. _receivedOptions];
            }
        }
    }

    /// <summary>Reads a script file (see the remarks of <see cref="ScriptedChatClient"/> for the format).</summary>
    /// <param name="path">The path of the Markdown script.</param>
    /// <exception cref="FormatException">The file has no <c>## turn</c> line; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ScriptedChatClient FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var turns = Parse(File.ReadAllText(path));
        if (turns.Count == 0)
        {
            throw new FormatException($"The script '{path}' has no turns: start each model turn with a line '## turn'.");
        }

        return new ScriptedChatClient(turns);
    }

    /// <summary>Reads a script from text (see the remarks of <see cref="ScriptedChatClient"/> for the format).</summary>
    /// <param name="text">The Markdown script.</param>
    /// <exception cref="FormatException">The text has no <c>## turn</c> line.</exception>
    public static ScriptedChatClient FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var turns = Parse(text);
        if (turns.Count == 0)
        {
            throw new FormatException("The script has no turns: start each model turn with a line '## turn'.");
        }

        return new ScriptedChatClient(turns);
    }

    /// <summary>Splits a script into its turns; empty when it has no <c>## turn</c> line.</summary>
    /// <param name="text">The Markdown script.</param>
    /// <returns>The text of each turn, trimmed, in order.</returns>
    public static IReadOnlyList<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var turns = new List<string>();
        List<string>? current = null;
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (string.Equals(line.Trim(), "## turn", StringComparison.OrdinalIgnoreCase))
            {
                if (current is not null)
                {
                    turns.Add(string.Join('\n', current).Trim());
                }

                current = [];
            }
            else
            {
                current?.Add(line);
            }
        }

        if (current is not null)
        {
            turns.Add(string.Join('\n', current).Trim());
        }

        return turns;
    }

    /// <summary>Returns the next scripted turn as the assistant's answer.</summary>
    /// <param name="messages">The conversation; recorded in <see cref="ReceivedMessages"/>, otherwise ignored.</param>
    /// <param name="options">Ignored.</param>
    /// <param name="cancellationToken">Checked before the turn is taken.</param>
    /// <returns>The next turn, with an estimated usage.</returns>
    /// <exception cref="InvalidOperationException">Every turn has already been returned.</exception>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var sent = messages.ToList();
        var (turn, number) = TakeTurn(sent, options);
        turn = Render(turn, number, options);
        var calls = turn.Contents.OfType<FunctionCallContent>().Any();
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, [.. turn.Contents]))
        {
            ModelId = ModelId,
            FinishReason = calls ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = EstimateUsage(sent, turn.Text),
        };
        return Task.FromResult(response);
    }

    /// <summary>Returns the next scripted turn as one streaming update, followed by its estimated usage.</summary>
    /// <param name="messages">The conversation; recorded in <see cref="ReceivedMessages"/>, otherwise ignored.</param>
    /// <param name="options">Ignored.</param>
    /// <param name="cancellationToken">Checked before the turn is taken.</param>
    /// <returns>The updates of the turn.</returns>
    /// <exception cref="InvalidOperationException">Every turn has already been returned.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        var update = new ChatResponseUpdate(ChatRole.Assistant, [.. response.Messages[0].Contents])
        {
            ModelId = ModelId,
            FinishReason = response.FinishReason,
        };
        if (response.Usage is { } usage)
        {
            update.Contents.Add(new UsageContent(usage));
        }

        yield return update;
    }

    /// <summary>Returns the client's <see cref="ChatClientMetadata"/> (provider and model <c>scripted</c>), or the client itself.</summary>
    /// <param name="serviceType">The type of service asked for.</param>
    /// <param name="serviceKey">Must be <see langword="null"/>; keyed services are not offered.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return new ChatClientMetadata("scripted", null, ModelId);
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Does nothing; the client holds no resources.</summary>
    public void Dispose()
    {
    }

    private (ChatMessage Turn, int Number) TakeTurn(List<ChatMessage> sent, ChatOptions? options)
    {
        lock (_lock)
        {
            if (_next >= _turns.Length)
            {
                throw new InvalidOperationException(
                    $"The script has no turn {_next + 1}; it has {_turns.Length} turn{(_turns.Length == 1 ? "" : "s")}. Add a turn to the script, or lower the agent's MaxSteps.");
            }

            _received.Add(sent);
            _receivedOptions.Add(options);
            _next++;
            return (_turns[_next - 1], _next);
        }
    }

    private static readonly Regex Fence = new(@"^[ \t]*(`{3,}|~{3,})[^\n]*\n(?<code>.*?)\n?[ \t]*\1[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>Renders a scripted turn in the format the request asks for (see the remarks of <see cref="ScriptedChatClient"/>).</summary>
    private static ChatMessage Render(ChatMessage turn, int number, ChatOptions? options)
    {
        var wantsJson = options?.ResponseFormat is ChatResponseFormatJson { Schema: { } schema }
            && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("code", out _);
        var wantsCall = options?.Tools?.Any(t => t.Name == "execute_code") == true;
        if ((!wantsJson && !wantsCall) || turn.Contents.Any(c => c is not TextContent))
        {
            return turn;
        }

        var text = turn.Text;
        var blocks = Fence.Matches(text);
        if (blocks.All(b => b.Value.TrimStart(' ', '\t', '`', '~').StartsWith("json", StringComparison.OrdinalIgnoreCase)))
        {
            return turn;
        }

        var prose = Fence.Replace(text, "").Trim();
        var codes = blocks.Select(b => b.Groups["code"].Value).ToList();
        if (wantsJson)
        {
            return new ChatMessage(ChatRole.Assistant, JsonSerializer.Serialize(new Dictionary<string, string> { ["thought"] = prose, ["code"] = string.Join("\n", codes) }));
        }

        var contents = new List<AIContent>();
        if (prose.Length > 0)
        {
            contents.Add(new TextContent(prose));
        }

        contents.AddRange(codes.Select((code, i) => new FunctionCallContent($"call_{number}_{i + 1}", "execute_code", new Dictionary<string, object?> { ["code"] = code })));
        return new ChatMessage(ChatRole.Assistant, contents);
    }

    // About four characters per token: a rough estimate for demos, not a tokenizer's count.
    private static UsageDetails EstimateUsage(List<ChatMessage> sent, string text)
    {
        var input = Math.Max(1, sent.Sum(m => (long)m.Text.Length) / 4);
        var output = Math.Max(1, text.Length / 4L);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }
}
