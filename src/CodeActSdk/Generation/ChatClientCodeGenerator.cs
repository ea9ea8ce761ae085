using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The default <see cref="ICodeGenerator"/>: asks an <see cref="IChatClient"/> for the next turn and extracts the
/// code blocks of its answer with <see cref="CodeBlockExtractor"/>.
/// </summary>
/// <remarks>
/// Thread-safe when the chat client is: the generator holds no per-call state and clones the chat options for every
/// call, so that a client that edits them cannot affect the next call.
/// </remarks>
public sealed class ChatClientCodeGenerator : ICodeGenerator
{
    private readonly IChatClient _chatClient;
    private readonly ChatOptions? _chatOptions;

    /// <summary>Creates a generator over <paramref name="chatClient"/>.</summary>
    /// <param name="chatClient">The model.</param>
    /// <param name="chatOptions">Options sent with every call (model id, temperature, stop sequences ...); optional.</param>
    public ChatClientCodeGenerator(IChatClient chatClient, ChatOptions? chatOptions = null)
    {
        _chatClient = chatClient ?? throw new ArgumentNullException(nameof(chatClient));
        _chatOptions = chatOptions;
        var metadata = chatClient.GetService<ChatClientMetadata>();
        ModelId = chatOptions?.ModelId ?? metadata?.DefaultModelId;
        ProviderName = metadata?.ProviderName;
    }

    /// <summary>The model requested, from the chat options or the client's metadata; <see langword="null"/> when unknown. Reported in traces.</summary>
    public string? ModelId { get; }

    /// <summary>The provider named by the client's metadata (for example <c>openai</c>); <see langword="null"/> when unknown.</summary>
    public string? ProviderName { get; }

    /// <summary>
    /// Returns this generator when asked for its own type; a <see cref="ChatClientMetadata"/> naming the model it asks
    /// (the chat options' model, else the client's default); otherwise what the chat client offers.
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
        var response = await _chatClient.GetResponseAsync(messages, _chatOptions?.Clone(), cancellationToken).ConfigureAwait(false);
        var text = response.Text;
        return new ModelTurn(text, CodeBlockExtractor.Extract(text), response.Usage);
    }
}
