using System.ClientModel;
using System.ClientModel.Primitives;

namespace CodeActSdk.OpenAI;

/// <summary>
/// Turns what the OpenAI SDK and the HTTP stack throw into a <see cref="ModelEndpointException"/> whose message names the
/// URL and the cause in one sentence, with a hint at what to check.
/// </summary>
internal sealed class ModelEndpointErrors
{
    private const int MaxServerMessageLength = 300;

    private readonly Uri _url;
    private readonly OpenAIEndpointOptions _options;

    public ModelEndpointErrors(Uri completionsUrl, OpenAIEndpointOptions options)
    {
        _url = completionsUrl;
        _options = options;
    }

    /// <summary>A "streamed" answer without a single server-sent event: the server ignored <c>"stream": true</c>.</summary>
    public ModelEndpointException NoServerSentEvents() => new(
        $"The model endpoint {_url.AbsoluteUri} ended a streamed response without sending any server-sent event chunks; " +
        "the server may not support streaming.",
        _url,
        null,
        null);

    private ModelEndpointException NoChoices(Exception? cause) => new(
        $"The model endpoint {_url.AbsoluteUri} returned a chat completion without any choices.",
        _url,
        null,
        cause);

    // Turns what the SDK and the HTTP stack throw into a ModelEndpointException with a one-sentence message naming the URL
    // and the cause. Caller cancellation stays an OperationCanceledException; argument errors and disposal pass through.
    // An argument error before the endpoint answered is the caller's mistake and stays as it is; after it, it is the
    // answer's fault (the SDK reads choices[0] of a parsed completion and throws ArgumentOutOfRangeException when the
    // array is empty). EndpointAnswers tells the two apart.
    public bool TryTranslate(Exception exception, bool answered, CancellationToken cancellationToken, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Exception? translated)
    {
        translated = null;
        if (exception is ModelEndpointException or NotSupportedException or ObjectDisposedException or OutOfMemoryException
            || (exception is ArgumentException && !answered))
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

        string url = _url.AbsoluteUri;
        switch (exception)
        {
            case ClientResultException { Status: > 0 } httpError:
                translated = FromHttpStatus(httpError, url);
                return true;

            case ClientResultException or HttpRequestException or IOException or OperationCanceledException or TimeoutException:
                translated = FromTransportFailure(exception, url);
                return true;

            case ArgumentOutOfRangeException:
                translated = NoChoices(exception);
                return true;

            case System.Text.Json.JsonException or FormatException or InvalidOperationException
                or KeyNotFoundException or IndexOutOfRangeException or NullReferenceException or InvalidCastException:
                translated = new ModelEndpointException(
                    $"The model endpoint {url} returned a response that is not a valid OpenAI chat completion ({OneLine(exception.Message)}).",
                    _url,
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
            _url,
            status,
            exception);
    }

    private ModelEndpointException FromTransportFailure(Exception exception, string url)
    {
        Exception? timeout = Find<OperationCanceledException>(exception) ?? (Exception?)Find<TimeoutException>(exception);
        if (timeout is not null)
        {
            return new ModelEndpointException(
                $"The model endpoint {url} did not answer in time (connect timeout {Describe(_options.ConnectTimeout)}, " +
                $"network timeout {Describe(_options.NetworkTimeout)}); the server may be overloaded or still loading the model.",
                _url,
                null,
                exception);
        }

        HttpRequestException? request = Find<HttpRequestException>(exception);
        if (request is not null)
        {
            return new ModelEndpointException(
                $"The model endpoint {url} could not be reached ({OneLine(DescribeRequestFailure(request))}); " +
                $"check that the server is running and that {OpenAIEndpointOptions.BaseUrlVariable} is right.",
                _url,
                null,
                exception);
        }

        Exception cause = Innermost(exception);
        return new ModelEndpointException(
            $"The connection to the model endpoint {url} failed ({OneLine(cause.Message)}).",
            _url,
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
