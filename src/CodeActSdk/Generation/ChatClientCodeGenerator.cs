using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The default <see cref="ICodeGenerator"/>: asks an <see cref="IChatClient"/> for the next turn in a
/// <see cref="CodeFormat"/> and reads the code from its answer: fenced blocks (<see cref="CodeBlockExtractor"/>), a
/// JSON object <c>{thought, code}</c> under a JSON-schema response format, or a call of the one function
/// <c>execute_code(code)</c> offered by native tool calling (see <see cref="CodeFormats"/>).
/// </summary>
/// <remarks>
/// <para>
/// An answer that breaks its format (invalid or truncated JSON, no <c>code</c>, a call of an unknown function) is not an
/// exception: the turn carries a <see cref="ModelTurn.FormatError"/>, which the agent sends back as the observation.
/// </para>
/// <para>
/// Thread-safe when the chat client is: the generator holds no per-call state and clones the chat options for every
/// call, so that a client that edits them cannot affect the next call.
/// </para>
/// </remarks>
public sealed class ChatClientCodeGenerator : ICodeGenerator
{
    private readonly IChatClient _chatClient;
    private readonly ChatOptions? _chatOptions;

    /// <summary>Creates a generator over <paramref name="chatClient"/> that asks for fenced code blocks.</summary>
    /// <param name="chatClient">The model.</param>
    /// <param name="chatOptions">Options sent with every call (model id, temperature, stop sequences ...); optional.</param>
    public ChatClientCodeGenerator(IChatClient chatClient, ChatOptions? chatOptions = null)
        : this(chatClient, CodeFormat.Fenced, chatOptions)
    {
    }

    /// <summary>Creates a generator over <paramref name="chatClient"/> that asks for code in <paramref name="format"/>.</summary>
    /// <param name="chatClient">The model.</param>
    /// <param name="format">How the model hands over its code.</param>
    /// <param name="chatOptions">Options sent with every call; the format's response format or function is added to a copy.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is not a defined value.</exception>
    public ChatClientCodeGenerator(IChatClient chatClient, CodeFormat format, ChatOptions? chatOptions = null)
    {
        _chatClient = chatClient ?? throw new ArgumentNullException(nameof(chatClient));
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "The code format must be Fenced, Json or ToolCall.");
        }

        Format = format;
        _chatOptions = chatOptions;
        var metadata = chatClient.GetService<ChatClientMetadata>();
        ModelId = chatOptions?.ModelId ?? metadata?.DefaultModelId;
        ProviderName = metadata?.ProviderName;
    }

    /// <summary>How the model is asked to hand over its code.</summary>
    public CodeFormat Format { get; }

    /// <summary>The model requested, from the chat options or the client's metadata; <see langword="null"/> when unknown. Reported in traces.</summary>
    public string? ModelId { get; }

    /// <summary>The provider named by the client's metadata (for example <c>openai</c>); <see langword="null"/> when unknown.</summary>
    public string? ProviderName { get; }

    /// <summary>
    /// Returns this generator when asked for its own type; its <see cref="CodeFormat"/> (the agent's prompt follows it);
    /// a <see cref="ChatClientMetadata"/> naming the model it asks (the chat options' model, else the client's default);
    /// otherwise what the chat client offers.
    /// </summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">An optional key.</param>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        if (serviceKey is null && serviceType == typeof(CodeFormat))
        {
            return Format;
        }

        if (serviceKey is null && serviceType == typeof(ChatClientMetadata))
        {
            var metadata = _chatClient.GetService<ChatClientMetadata>();
            return new ChatClientMetadata(metadata?.ProviderName, metadata?.ProviderUri, ModelId);
        }

        return _chatClient.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    public async Task<ModelTurn> GenerateAsync(IReadOnlyList<ChatMessage> messages, CodeLanguage language, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(language);
        var options = CodeFormats.Prepare(Format, _chatOptions, language);
        var response = await _chatClient.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        return CodeFormats.Parse(Format, [.. response.Messages], response.Usage);
    }
}
