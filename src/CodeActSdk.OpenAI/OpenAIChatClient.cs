using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OaiClient = OpenAI.OpenAIClient;
using OaiClientOptions = OpenAI.OpenAIClientOptions;

namespace CodeActSdk.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> for any OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI v1, Ollama,
/// vLLM, llama.cpp server, LM Studio): the official client of Microsoft.Extensions.AI.OpenAI
/// (<c>ChatClient.AsIChatClient()</c>), configured from <see cref="OpenAIEndpointOptions"/>, with the SDK's failures
/// translated into <see cref="ModelEndpointException"/>.
/// </summary>
/// <remarks>
/// <para>
/// Messages, <see cref="ChatOptions"/> (including <see cref="ChatOptions.Instructions"/>, tools and
/// <see cref="ChatOptions.RawRepresentationFactory"/>), token usage and streaming are mapped by Microsoft.Extensions.AI.OpenAI.
/// This class adds what is ours: the endpoint, key, timeouts and retries from <see cref="OpenAIEndpointOptions"/>,
/// a per-call model override through <see cref="ChatOptions.ModelId"/>, and one-sentence error messages naming the URL
/// and the cause.
/// </para>
/// <para>
/// Failures of the endpoint (unreachable, timed out, HTTP error status, malformed response, a "streamed" answer without
/// any server-sent events) are reported as <see cref="ModelEndpointException"/>; cancellation through the caller's token
/// as <see cref="OperationCanceledException"/>. Requests are not retried unless <see cref="OpenAIEndpointOptions.MaxRetries"/>
/// says so.
/// </para>
/// <para>
/// Thread safety: an instance is safe to use from several threads at once, including concurrent streaming calls.
/// <see cref="DelegatingChatClient.Dispose()"/> must not race with calls in flight.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var options = OpenAIEndpointOptions.FromEnvironment();
/// if (options.GetConfigurationError() is string problem)
/// {
///     Console.Error.WriteLine(problem);
///     return 2;
/// }
///
/// using IChatClient client = new OpenAIChatClient(options);
/// await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("Write a haiku about loops."))
/// {
///     Console.Write(update.Text);
/// }
/// </code>
/// </example>
public sealed class OpenAIChatClient : DelegatingChatClient
{
    /// <summary>The provider name reported in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "openai";

    private static readonly ChatRole DeveloperRole = new("developer");

    private readonly HttpClient _httpClient;
    private readonly OaiClient _openAIClient;
    private readonly ChatClientMetadata _metadata;
    private readonly ModelEndpointErrors _errors;
    private readonly ConcurrentDictionary<string, IChatClient> _otherModels = new(StringComparer.Ordinal);
    private int _disposed;

    /// <summary>Creates a client for the endpoint described by <paramref name="options"/>.</summary>
    /// <param name="options">The endpoint, key and model; see <see cref="OpenAIEndpointOptions.FromEnvironment()"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// The options are incomplete; the message says what to set (see <see cref="OpenAIEndpointOptions.Validate"/>).
    /// </exception>
    public OpenAIChatClient(OpenAIEndpointOptions options)
        : this(Connection.Open(options))
    {
    }

    private OpenAIChatClient(Connection connection)
        : base(connection.Client.GetChatClient(connection.Model).AsIChatClient())
    {
        Options = connection.Options;
        BaseUrl = connection.BaseUrl;
        DefaultModel = connection.Model;
        _httpClient = connection.HttpClient;
        _openAIClient = connection.Client;
        _errors = new ModelEndpointErrors(new Uri(BaseUrl.AbsoluteUri + "/chat/completions"), Options);
        _metadata = new ChatClientMetadata(ProviderName, BaseUrl, DefaultModel);
    }

    /// <summary>The options this client was created with.</summary>
    public OpenAIEndpointOptions Options { get; }

    /// <summary>The API root requests go to, without a trailing slash, for example <c>http://localhost:11434/v1</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The model used when <see cref="ChatOptions.ModelId"/> is not set.</summary>
    public string DefaultModel { get; }

    /// <inheritdoc />
    /// <exception cref="ModelEndpointException">The endpoint is unreachable, timed out, answered with an error status or sent a malformed response.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="NotSupportedException">
    /// A message the OpenAI client would silently leave out: a role other than system, developer, user, assistant or tool,
    /// or a tool message without any <see cref="FunctionResultContent"/>.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The client has been disposed.</exception>
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        RejectUnsendable(messages);

        var answered = EndpointAnswers.Watch();
        try
        {
            return await ClientFor(options).GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (_errors.TryTranslate(ex, answered.Value, cancellationToken, out Exception? translated))
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Yields one update per server chunk: text deltas in order, the finish reason, and an update carrying a
    /// <see cref="UsageContent"/> when the server reports usage (it is asked to, with <c>stream_options.include_usage</c>).
    /// The request is sent when enumeration starts.
    /// </remarks>
    /// <exception cref="ModelEndpointException">The endpoint is unreachable, timed out, answered with an error status, sent a malformed chunk or no server-sent events at all.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="NotSupportedException">
    /// A message the OpenAI client would silently leave out: a role other than system, developer, user, assistant or tool,
    /// or a tool message without any <see cref="FunctionResultContent"/>.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The client has been disposed.</exception>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        RejectUnsendable(messages);
        return StreamAsync(ClientFor(options), messages, options, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Returns the <see cref="ChatClientMetadata"/> (provider <c>openai</c>, the base URL and the default model), this
    /// instance for any type it implements, the underlying <c>OpenAI.OpenAIClient</c>, or whatever the inner
    /// Microsoft.Extensions.AI.OpenAI client offers (such as the default model's <c>OpenAI.Chat.ChatClient</c>).
    /// Keyed requests get <see langword="null"/>.
    /// </remarks>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        if (serviceType.IsInstanceOfType(_openAIClient))
        {
            return _openAIClient;
        }

        return base.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    /// <remarks>Releases the HTTP connections this client holds. Calls made afterwards throw <see cref="ObjectDisposedException"/>.</remarks>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            foreach (IChatClient client in _otherModels.Values)
            {
                client.Dispose();
            }

            _httpClient.Dispose();
        }

        base.Dispose(disposing);
    }

    // The official client leaves out, without a word, messages it has no wire form for; the model would then answer a
    // conversation other than the one the caller built. Saying so up front is the clearer failure.
    private static void RejectUnsendable(IEnumerable<ChatMessage> messages)
    {
        foreach (ChatMessage message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            ChatRole role = message.Role;
            if (role == ChatRole.Tool)
            {
                if (!message.Contents.Any(c => c is FunctionResultContent))
                {
                    throw new NotSupportedException(
                        "A message with role 'tool' must carry a FunctionResultContent (the result of a function call the " +
                        "model asked for); the OpenAI client would leave out a tool message with only text. Send the result " +
                        "as FunctionResultContent, or use the user role for plain text.");
                }
            }
            else if (role != ChatRole.System && role != ChatRole.User && role != ChatRole.Assistant && role != DeveloperRole)
            {
                throw new NotSupportedException(
                    $"A message with role '{role.Value}' cannot be sent to an OpenAI-compatible endpoint; use the system, " +
                    "developer, user, assistant or tool role.");
            }
        }
    }

    // The official client sends the model its ChatClient was made for, so another model gets its own ChatClient over the
    // same OpenAIClient (and so the same HTTP connections).
    private IChatClient ClientFor(ChatOptions? options)
    {
        string? model = options?.ModelId?.Trim();
        return string.IsNullOrEmpty(model) || string.Equals(model, DefaultModel, StringComparison.Ordinal)
            ? InnerClient
            : _otherModels.GetOrAdd(model, static (name, client) => client.GetChatClient(name).AsIChatClient(), _openAIClient);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IChatClient client,
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // The request is sent by the first MoveNextAsync below, which runs in this flow, so the watch sees its answer.
        var answered = EndpointAnswers.Watch();
        IAsyncEnumerator<ChatResponseUpdate> enumerator;
        try
        {
            enumerator = client.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (_errors.TryTranslate(ex, answered.Value, cancellationToken, out Exception? translated))
        {
            throw translated;
        }

        try
        {
            bool any = false;
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        if (!any)
                        {
                            // A server that ignores "stream": true answers with plain JSON, which holds no SSE events;
                            // an empty answer would otherwise pass for a model that said nothing.
                            throw _errors.NoServerSentEvents();
                        }

                        yield break;
                    }
                }
                catch (Exception ex) when (_errors.TryTranslate(ex, answered.Value, cancellationToken, out Exception? translated))
                {
                    throw translated;
                }

                any = true;
                yield return enumerator.Current;
            }
        }
        finally
        {
            await DisposeQuietlyAsync(enumerator).ConfigureAwait(false);
        }
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncDisposable disposable)
    {
        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException)
        {
            // Tearing down a response stream that already failed or was canceled; the original outcome is what matters.
        }
    }

    // What the constructor chain needs before the base class can be given its inner client.
    private sealed record Connection(OpenAIEndpointOptions Options, Uri BaseUrl, string Model, HttpClient HttpClient, OaiClient Client)
    {
        public static Connection Open(OpenAIEndpointOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();

            string text = options.EffectiveBaseUrl.AbsoluteUri;
            Uri baseUrl = text.EndsWith('/') ? new Uri(text.TrimEnd('/')) : options.EffectiveBaseUrl;

            // Our own handler so that an unreachable host fails after ConnectTimeout instead of hanging until the (long,
            // generation-sized) NetworkTimeout, which the SDK pipeline applies itself.
            var httpClient = new HttpClient(
                new EndpointAnswers(new SocketsHttpHandler
                {
                    ConnectTimeout = options.ConnectTimeout,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                }))
            {
                Timeout = Timeout.InfiniteTimeSpan,
            };

            var clientOptions = new OaiClientOptions
            {
                Endpoint = baseUrl,
                Transport = new HttpClientPipelineTransport(httpClient),
                RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
                NetworkTimeout = options.NetworkTimeout,
            };

            return new Connection(
                options,
                baseUrl,
                options.Model!.Trim(),
                httpClient,
                new OaiClient(new ApiKeyCredential(options.EffectiveApiKey), clientOptions));
        }
    }
}
