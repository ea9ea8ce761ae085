using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Estimates how many tokens a prompt takes, without a tokenizer: about <see cref="CharsPerToken"/> characters per
/// token, plus <see cref="TokensPerMessage"/> for each message's role and framing.
/// </summary>
/// <remarks>
/// <para>
/// Four characters per token is the usual rule of thumb for English prose and code with the byte-pair tokenizers of
/// current models; it over-counts dense code slightly and under-counts non-Latin text. The estimate is meant for
/// keeping a prompt within bounds with some headroom, not for billing: leave a margin below the model's real
/// context window.
/// </para>
/// <para>
/// The text of a message is its <see cref="TextContent"/> parts; the arguments of a <see cref="FunctionCallContent"/>
/// and the result of a <see cref="FunctionResultContent"/> are counted by their string form; other contents (images,
/// data, reasoning) are not counted. The estimator holds no mutable state and is safe to share between threads.
/// </para>
/// </remarks>
public sealed class TokenEstimator
{
    /// <summary>An estimator with four characters per token and four tokens per message.</summary>
    public static TokenEstimator Default { get; } = new();

    /// <summary>Creates an estimator.</summary>
    /// <param name="charsPerToken">Characters per token; greater than 0. Lower it for a more cautious estimate.</param>
    /// <param name="tokensPerMessage">Tokens added for each message (role, separators); at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public TokenEstimator(double charsPerToken = 4, int tokensPerMessage = 4)
    {
        if (!(charsPerToken > 0) || double.IsInfinity(charsPerToken))
        {
            throw new ArgumentOutOfRangeException(nameof(charsPerToken), charsPerToken, "CharsPerToken must be a finite number greater than 0, for example 4.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(tokensPerMessage);
        CharsPerToken = charsPerToken;
        TokensPerMessage = tokensPerMessage;
    }

    /// <summary>How many characters make one token.</summary>
    public double CharsPerToken { get; }

    /// <summary>How many tokens each message adds on top of its text.</summary>
    public int TokensPerMessage { get; }

    /// <summary>The estimated tokens of <paramref name="text"/>: its length divided by <see cref="CharsPerToken"/>, rounded up.</summary>
    /// <param name="text">The text; <see langword="null"/> counts as empty.</param>
    /// <returns>The estimate, 0 for empty text.</returns>
    public int Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : Estimate(text.Length);

    /// <summary>The estimated tokens of one message: <see cref="TokensPerMessage"/> plus its text (see the remarks).</summary>
    /// <param name="message">The message.</param>
    /// <returns>The estimate.</returns>
    public int Estimate(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return TokensPerMessage + Estimate(CountedChars(message));
    }

    /// <summary>The estimated tokens of a whole prompt: the sum over its messages.</summary>
    /// <param name="messages">The messages.</param>
    /// <returns>The estimate.</returns>
    public int Estimate(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var total = 0L;
        foreach (var message in messages)
        {
            total += Estimate(message);
        }

        return (int)Math.Min(int.MaxValue, total);
    }

    /// <summary>The most characters of text that fit in <paramref name="tokens"/> tokens, by this estimate.</summary>
    /// <param name="tokens">A token count; negative counts as 0.</param>
    /// <returns>The character count.</returns>
    public int CharsFor(int tokens) => tokens <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Floor(tokens * CharsPerToken));

    private int Estimate(long chars) => (int)Math.Min(int.MaxValue, Math.Ceiling(chars / CharsPerToken));

    private static long CountedChars(ChatMessage message)
    {
        var chars = 0L;
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    chars += text.Text?.Length ?? 0;
                    break;
                case FunctionCallContent call:
                    chars += call.Name.Length;
                    if (call.Arguments is { } arguments)
                    {
                        foreach (var (name, value) in arguments)
                        {
                            chars += name.Length + (value?.ToString()?.Length ?? 0) + 4;
                        }
                    }

                    break;
                case FunctionResultContent result:
                    chars += result.Result?.ToString()?.Length ?? 0;
                    break;
            }
        }

        return chars;
    }
}
