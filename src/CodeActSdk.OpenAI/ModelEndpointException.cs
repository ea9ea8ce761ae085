namespace CodeActSdk.OpenAI;

/// <summary>
/// A call to the model endpoint failed: the server could not be reached, did not answer in time, answered with an
/// HTTP error status, or sent something that is not an OpenAI chat completion. The message names the endpoint URL
/// and the cause in one sentence, so it can be shown to a user as is.
/// </summary>
/// <remarks>
/// Cancellation requested through the caller's <see cref="CancellationToken"/> is not reported with this exception;
/// it surfaces as an <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed class ModelEndpointException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public ModelEndpointException()
        : base("The model endpoint call failed.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">What failed, naming the endpoint.</param>
    public ModelEndpointException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and cause.</summary>
    /// <param name="message">What failed, naming the endpoint.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public ModelEndpointException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception describing a failed call to <paramref name="endpoint"/>.</summary>
    /// <param name="message">What failed, naming the endpoint.</param>
    /// <param name="endpoint">The URL that was called.</param>
    /// <param name="statusCode">The HTTP status the server answered with, or <see langword="null"/> when there was no HTTP answer.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public ModelEndpointException(string message, Uri? endpoint, int? statusCode, Exception? innerException)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        StatusCode = statusCode;
    }

    /// <summary>The URL that was called (for example <c>http://localhost:11434/v1/chat/completions</c>), when known.</summary>
    public Uri? Endpoint { get; }

    /// <summary>
    /// The HTTP status code the server answered with (for example 401 or 500), or <see langword="null"/> when no HTTP
    /// answer arrived (unreachable endpoint, timeout) or the answer was a success that could not be understood.
    /// </summary>
    public int? StatusCode { get; }
}
