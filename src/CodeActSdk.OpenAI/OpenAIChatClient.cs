using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OaiChat = OpenAI.Chat;
using OaiClient = OpenAI.OpenAIClient;
using OaiClientOptions = OpenAI.OpenAIClientOptions;

namespace CodeActSdk.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> that talks to any OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI
/// v1, Ollama, vLLM, llama.cpp server, LM Studio) through the official OpenAI .NET SDK.
/// </summary>
/// <remarks>
/// <para>
/// Only text is exchanged: system, user and assistant messages contribute their
/// <see cref="TextContent"/>; other content such as images or function calls is ignored, and
/// <see cref="ChatOptions.Tools"/> is not sent. <see cref="ChatOptions.Instructions"/> becomes a leading system
/// message. Mapped options: <see cref="ChatOptions.ModelId"/> (per-call model override),
/// <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.MaxOutputTokens"/>,
/// <see cref="ChatOptions.StopSequences"/>, <see cref="ChatOptions.TopP"/>,
/// <see cref="ChatOptions.FrequencyPenalty"/> and <see cref="ChatOptions.PresencePenalty"/>; others, such as
/// <see cref="ChatOptions.Seed"/> and <see cref="ChatOptions.TopK"/>, are not sent. A
/// <see cref="ChatOptions.RawRepresentationFactory"/> returning an <c>OpenAI.Chat.ChatCompletionOptions</c> is used as
/// the starting point; values it sets win over the ones above.
/// </para>
/// <para>
/// Failures of the endpoint (unreachable, timed out, HTTP error status, malformed response) are reported as
/// <see cref="ModelEndpointException"/>; cancellation through the caller's token as
/// <see cref="OperationCanceledException"/>. Requests are not retried unless
/// <see cref="OpenAIEndpointOptions.MaxRetries"/> says so.
/// </para>
/// <para>
/// Thread safety: an instance is safe to use from several threads at once, including concurrent streaming calls;
/// it holds no per-call state. <see cref="Dispose"/> must not race with calls in flight. A
/// <see cref="ChatOptions.RawRepresentationFactory"/> must return a new options object on every call, because the
/// SDK fills in the request fields on the object it is given.
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
public sealed class OpenAIChatClient : IChatClient
{
    /// <summary>The provider name reported in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "openai";

    private const int MaxServerMessageLength = 300;

    private readonly HttpClient _httpClient;
    private readonly HttpClientPipelineTransport _transport;
    private readonly OaiClient _openAIClient;
    private readonly OaiChat.ChatClient _defaultChatClient;
    private readonly ChatClientMetadata _metadata;
    private readonly Uri _completionsUrl;
    private int _disposed;

    /// <summary>Creates a client for the endpoint described by <paramref name="options"/>.</summary>
    /// <param name="options">The endpoint, key and model; see <see cref="OpenAIEndpointOptions.FromEnvironment()"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// The options are incomplete; the message says what to set (see <see cref="OpenAIEndpointOptions.Validate"/>).
    /// </exception>
    public OpenAIChatClient(OpenAIEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        Options = options;
        BaseUrl = NormalizeBaseUrl(options.EffectiveBaseUrl);
        DefaultModel = options.Model!.Trim();
        _completionsUrl = new Uri(BaseUrl.AbsoluteUri + "/chat/completions");

        // Our own handler so that an unreachable host fails after ConnectTimeout instead of hanging until the
        // (long, generation-sized) NetworkTimeout. The SDK pipeline applies NetworkTimeout itself, so the HttpClient
        // gets no timeout of its own.
        _httpClient = new HttpClient(
            new SocketsHttpHandler
            {
                ConnectTimeout = options.ConnectTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _transport = new HttpClientPipelineTransport(_httpClient);

        var clientOptions = new OaiClientOptions
        {
            Endpoint = BaseUrl,
            Transport = _transport,
            RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            NetworkTimeout = options.NetworkTimeout,
        };

        _openAIClient = new OaiClient(new ApiKeyCredential(options.EffectiveApiKey), clientOptions);
        _defaultChatClient = _openAIClient.GetChatClient(DefaultModel);
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
    /// <exception cref="NotSupportedException">A message has a role other than system, user or assistant.</exception>
    /// <exception cref="ObjectDisposedException">The client has been disposed.</exception>
    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        OaiChat.ChatClient chatClient = GetChatClient(options);
        List<OaiChat.ChatMessage> requestMessages = ToOpenAIMessages(messages, options);
        OaiChat.ChatCompletionOptions requestOptions = ToOpenAIOptions(options);

        try
        {
            ClientResult<OaiChat.ChatCompletion> result = await chatClient
                .CompleteChatAsync(requestMessages, requestOptions, cancellationToken)
                .ConfigureAwait(false);
            return ToChatResponse(result.Value);
        }
        catch (Exception ex) when (TryTranslate(ex, cancellationToken, out Exception? translated))
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Yields one update per server chunk: text deltas in order, the finish reason, and a final update carrying a
    /// <see cref="UsageContent"/> when the server reports usage (it is asked to, with
    /// <c>stream_options.include_usage</c>). The request is sent when enumeration starts.
    /// </remarks>
    /// <exception cref="ModelEndpointException">The endpoint is unreachable, timed out, answered with an error status or sent a malformed chunk.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <exception cref="NotSupportedException">A message has a role other than system, user or assistant.</exception>
    /// <exception cref="ObjectDisposedException">The client has been disposed.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        OaiChat.ChatClient chatClient = GetChatClient(options);
        List<OaiChat.ChatMessage> requestMessages = ToOpenAIMessages(messages, options);
        OaiChat.ChatCompletionOptions requestOptions = ToOpenAIOptions(options);
        return StreamAsync(chatClient, requestMessages, requestOptions, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Returns the <see cref="ChatClientMetadata"/> (provider <c>openai</c>, the base URL and the default model), this
    /// instance for any type it implements, or the underlying <c>OpenAI.Chat.ChatClient</c> /
    /// <c>OpenAI.OpenAIClient</c> of the default model. Keyed requests get <see langword="null"/>.
    /// </remarks>
    public object? GetService(Type serviceType, object? serviceKey = null)
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

        if (serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        if (serviceType.IsInstanceOfType(_defaultChatClient))
        {
            return _defaultChatClient;
        }

        if (serviceType.IsInstanceOfType(_openAIClient))
        {
            return _openAIClient;
        }

        return null;
    }

    /// <summary>Releases the HTTP connections this client holds. Calls made afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _transport.Dispose();
        _httpClient.Dispose();
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        OaiChat.ChatClient chatClient,
        List<OaiChat.ChatMessage> requestMessages,
        OaiChat.ChatCompletionOptions requestOptions,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        IAsyncEnumerator<OaiChat.StreamingChatCompletionUpdate> enumerator;
        try
        {
            enumerator = chatClient
                .CompleteChatStreamingAsync(requestMessages, requestOptions, cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (TryTranslate(ex, cancellationToken, out Exception? translated))
        {
            throw translated;
        }

        try
        {
            bool any = false;
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        if (!any)
                        {
                            // A server that ignores "stream": true answers with plain JSON, which holds no SSE events;
                            // an empty answer would otherwise pass for a model that said nothing.
                            throw new ModelEndpointException(
                                $"The model endpoint {_completionsUrl.AbsoluteUri} ended a streamed response without sending any " +
                                "server-sent event chunks; the server may not support streaming.",
                                _completionsUrl,
                                null,
                                null);
                        }

                        yield break;
                    }

                    any = true;
                    update = ToChatResponseUpdate(enumerator.Current);
                }
                catch (Exception ex) when (TryTranslate(ex, cancellationToken, out Exception? translated))
                {
                    throw translated;
                }

                yield return update;
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

    private OaiChat.ChatClient GetChatClient(ChatOptions? options)
    {
        string? modelId = options?.ModelId;
        return string.IsNullOrWhiteSpace(modelId) || string.Equals(modelId.Trim(), DefaultModel, StringComparison.Ordinal)
            ? _defaultChatClient
            : _openAIClient.GetChatClient(modelId.Trim());
    }

    private static List<OaiChat.ChatMessage> ToOpenAIMessages(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var result = new List<OaiChat.ChatMessage>();
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            result.Add(new OaiChat.SystemChatMessage(options.Instructions));
        }

        foreach (ChatMessage message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            string text = message.Text;
            ChatRole role = message.Role;

            if (role == ChatRole.System)
            {
                result.Add(new OaiChat.SystemChatMessage(text));
            }
            else if (role == ChatRole.User)
            {
                result.Add(new OaiChat.UserChatMessage(text));
            }
            else if (role == ChatRole.Assistant)
            {
                result.Add(new OaiChat.AssistantChatMessage(text));
            }
            else
            {
                throw new NotSupportedException(
                    $"OpenAIChatClient sends text conversations only; a message with role '{role.Value}' cannot be sent. " +
                    "Use the system, user or assistant role.");
            }
        }

        return result;
    }

    private OaiChat.ChatCompletionOptions ToOpenAIOptions(ChatOptions? options)
    {
        var result = options?.RawRepresentationFactory?.Invoke(this) as OaiChat.ChatCompletionOptions
            ?? new OaiChat.ChatCompletionOptions();
        if (options is null)
        {
            return result;
        }

        result.Temperature ??= options.Temperature;
        result.TopP ??= options.TopP;
        result.MaxOutputTokenCount ??= options.MaxOutputTokens;
        result.FrequencyPenalty ??= options.FrequencyPenalty;
        result.PresencePenalty ??= options.PresencePenalty;

        if (options.StopSequences is { Count: > 0 } stops)
        {
            foreach (string stop in stops)
            {
                if (!result.StopSequences.Contains(stop))
                {
                    result.StopSequences.Add(stop);
                }
            }
        }

        return result;
    }

    private ChatResponse ToChatResponse(OaiChat.ChatCompletion completion)
    {
        OaiChat.ChatMessageContent content;
        OaiChat.ChatFinishReason finishReason;
        try
        {
            // Both read choices[0]; the SDK throws ArgumentOutOfRangeException when the array is empty.
            content = completion.Content;
            finishReason = completion.FinishReason;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ModelEndpointException(
                $"The model endpoint {_completionsUrl.AbsoluteUri} returned a chat completion without any choices.",
                _completionsUrl,
                null,
                ex);
        }

        var message = new ChatMessage(ChatRole.Assistant, ConcatText(content))
        {
            MessageId = completion.Id,
            RawRepresentation = completion,
        };

        return new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt == default ? null : completion.CreatedAt,
            FinishReason = ToFinishReason(finishReason),
            Usage = ToUsageDetails(completion.Usage),
            RawRepresentation = completion,
        };
    }

    private static ChatResponseUpdate ToChatResponseUpdate(OaiChat.StreamingChatCompletionUpdate chunk)
    {
        var update = new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ResponseId = chunk.CompletionId,
            MessageId = chunk.CompletionId,
            ModelId = chunk.Model,
            CreatedAt = chunk.CreatedAt == default ? null : chunk.CreatedAt,
            FinishReason = chunk.FinishReason is { } reason ? ToFinishReason(reason) : null,
            RawRepresentation = chunk,
        };

        foreach (OaiChat.ChatMessageContentPart part in chunk.ContentUpdate)
        {
            if (part.Kind == OaiChat.ChatMessageContentPartKind.Text && !string.IsNullOrEmpty(part.Text))
            {
                update.Contents.Add(new TextContent(part.Text));
            }
        }

        if (ToUsageDetails(chunk.Usage) is { } usage)
        {
            update.Contents.Add(new UsageContent(usage));
        }

        return update;
    }

    private static string ConcatText(OaiChat.ChatMessageContent content)
    {
        if (content.Count == 1)
        {
            return content[0].Text ?? string.Empty;
        }

        var builder = new System.Text.StringBuilder();
        foreach (OaiChat.ChatMessageContentPart part in content)
        {
            if (part.Kind == OaiChat.ChatMessageContentPartKind.Text)
            {
                builder.Append(part.Text);
            }
        }

        return builder.ToString();
    }

    private static ChatFinishReason ToFinishReason(OaiChat.ChatFinishReason reason) => reason switch
    {
        OaiChat.ChatFinishReason.Stop => ChatFinishReason.Stop,
        OaiChat.ChatFinishReason.Length => ChatFinishReason.Length,
        OaiChat.ChatFinishReason.ContentFilter => ChatFinishReason.ContentFilter,
        OaiChat.ChatFinishReason.ToolCalls or OaiChat.ChatFinishReason.FunctionCall => ChatFinishReason.ToolCalls,
        _ => new ChatFinishReason(reason.ToString()),
    };

    private static UsageDetails? ToUsageDetails(OaiChat.ChatTokenUsage? usage)
    {
        if (usage is null)
        {
            return null;
        }

        var details = new UsageDetails
        {
            InputTokenCount = usage.InputTokenCount,
            OutputTokenCount = usage.OutputTokenCount,
            TotalTokenCount = usage.TotalTokenCount,
        };

        if (usage.InputTokenDetails?.CachedTokenCount is int cached and > 0)
        {
            details.CachedInputTokenCount = cached;
        }

        if (usage.OutputTokenDetails?.ReasoningTokenCount is int reasoning and > 0)
        {
            details.ReasoningTokenCount = reasoning;
        }

        return details;
    }

    private static Uri NormalizeBaseUrl(Uri baseUrl)
    {
        string text = baseUrl.AbsoluteUri;
        return text.EndsWith('/') ? new Uri(text.TrimEnd('/')) : baseUrl;
    }

    // Turns what the SDK and the HTTP stack throw into a ModelEndpointException with a one-sentence message naming
    // the URL and the cause. Caller cancellation stays an OperationCanceledException; our own argument errors and
    // disposal pass through untouched.
    private bool TryTranslate(Exception exception, CancellationToken cancellationToken, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Exception? translated)
    {
        translated = null;
        if (exception is ModelEndpointException or NotSupportedException or ObjectDisposedException or OutOfMemoryException)
        {
            return false;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            if (exception is OperationCanceledException)
            {
                return false;
            }

            // The token fired while the stack was mid-read; some layers report that as an I/O error.
            translated = new OperationCanceledException("The model call was canceled.", exception, cancellationToken);
            return true;
        }

        string url = _completionsUrl.AbsoluteUri;
        switch (exception)
        {
            case ClientResultException { Status: > 0 } httpError:
                translated = FromHttpStatus(httpError, url);
                return true;

            case ClientResultException or HttpRequestException or IOException or OperationCanceledException or TimeoutException:
                translated = FromTransportFailure(exception, url);
                return true;

            case System.Text.Json.JsonException or FormatException or ArgumentException or InvalidOperationException
                or KeyNotFoundException or IndexOutOfRangeException or NullReferenceException or InvalidCastException:
                translated = new ModelEndpointException(
                    $"The model endpoint {url} returned a response that is not a valid OpenAI chat completion ({OneLine(exception.Message)}).",
                    _completionsUrl,
                    null,
                    exception);
                return true;

            default:
                return false;
        }
    }

    private ModelEndpointException FromHttpStatus(ClientResultException exception, string url)
    {
        int status = exception.Status;
        PipelineResponse? response = exception.GetRawResponse();
        string reason = !string.IsNullOrWhiteSpace(response?.ReasonPhrase)
            ? response.ReasonPhrase
            : Enum.IsDefined(typeof(System.Net.HttpStatusCode), status) ? ((System.Net.HttpStatusCode)status).ToString() : "error";

        string? serverMessage = TryReadServerMessage(response);
        string detail = string.IsNullOrEmpty(serverMessage) ? string.Empty : $": {serverMessage}";
        string hint = status switch
        {
            401 or 403 => $"; check {OpenAIEndpointOptions.ApiKeyVariable}",
            404 => $"; check that {OpenAIEndpointOptions.BaseUrlVariable} is the OpenAI-compatible API root (usually ending in /v1) and that the model exists on the server",
            429 => "; the server is rate-limiting or out of quota",
            _ => string.Empty,
        };

        return new ModelEndpointException(
            $"The model endpoint {url} answered HTTP {status} ({reason}){detail}{hint}.",
            _completionsUrl,
            status,
            exception);
    }

    private ModelEndpointException FromTransportFailure(Exception exception, string url)
    {
        Exception? timeout = Find<OperationCanceledException>(exception) ?? (Exception?)Find<TimeoutException>(exception);
        if (timeout is not null)
        {
            return new ModelEndpointException(
                $"The model endpoint {url} did not answer in time (connect timeout {Describe(Options.ConnectTimeout)}, " +
                $"network timeout {Describe(Options.NetworkTimeout)}); the server may be overloaded or still loading the model.",
                _completionsUrl,
                null,
                exception);
        }

        HttpRequestException? request = Find<HttpRequestException>(exception);
        if (request is not null)
        {
            return new ModelEndpointException(
                $"The model endpoint {url} could not be reached ({OneLine(DescribeRequestFailure(request))}); " +
                $"check that the server is running and that {OpenAIEndpointOptions.BaseUrlVariable} is right.",
                _completionsUrl,
                null,
                exception);
        }

        Exception cause = Innermost(exception);
        return new ModelEndpointException(
            $"The connection to the model endpoint {url} failed ({OneLine(cause.Message)}).",
            _completionsUrl,
            null,
            exception);
    }

    private static string DescribeRequestFailure(HttpRequestException exception)
    {
        // "The SSL connection could not be established, see inner exception." is useless without the inner one.
        return exception.InnerException is { } inner && exception.Message.Contains("inner exception", StringComparison.OrdinalIgnoreCase)
            ? $"{exception.Message.TrimEnd('.')}: {Innermost(inner).Message}"
            : exception.Message;
    }

    private static string? TryReadServerMessage(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        string body;
        try
        {
            body = response.Content.ToString();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        string? message = null;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            message = ExtractErrorMessage(document.RootElement);
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (an HTML error page, plain text): show the start of it.
        }

        message ??= body;
        message = OneLine(message).TrimEnd('.');
        return message.Length <= MaxServerMessageLength ? message : message[..MaxServerMessageLength] + "…";
    }

    // OpenAI, vLLM and llama.cpp: {"error":{"message":...}}; Ollama native: {"error":"..."}; FastAPI: {"detail":...}.
    private static string? ExtractErrorMessage(System.Text.Json.JsonElement root)
    {
        if (root.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("error", out System.Text.Json.JsonElement error))
        {
            if (error.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return error.GetString();
            }

            if (error.ValueKind == System.Text.Json.JsonValueKind.Object
                && error.TryGetProperty("message", out System.Text.Json.JsonElement nested)
                && nested.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return nested.GetString();
            }
        }

        foreach (string name in new[] { "message", "detail" })
        {
            if (root.TryGetProperty(name, out System.Text.Json.JsonElement value) && value.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return value.GetString();
            }
        }

        return null;
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception exception)
    {
        Exception current = exception;
        while (current.InnerException is not null)
        {
            current = current.InnerException;
        }

        return current;
    }

    private static string Describe(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? "none" : $"{timeout.TotalSeconds:0.###} s";

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Trim();
}
