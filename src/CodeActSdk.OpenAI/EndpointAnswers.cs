using System.Runtime.CompilerServices;

namespace CodeActSdk.OpenAI;

/// <summary>
/// Notes, for the model call in whose flow it was armed, that the endpoint sent back an HTTP response: an error the
/// SDK raises afterwards comes from the answer (a completion without choices), one raised before it from the call.
/// </summary>
/// <remarks>
/// One handler serves every call of a client concurrently; each call watches through its own box, which flows to the
/// handler with the call's execution context (an <see cref="AsyncLocal{T}"/>), so calls never see each other's answers.
/// </remarks>
internal sealed class EndpointAnswers(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private static readonly AsyncLocal<StrongBox<bool>?> Current = new();

    /// <summary>Starts watching for an answer in this flow of the call; the box turns true once a response arrives.</summary>
    public static StrongBox<bool> Watch()
    {
        var box = new StrongBox<bool>();
        Current.Value = box;
        return box;
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (Current.Value is { } answered)
        {
            answered.Value = true;
        }

        return response;
    }
}
