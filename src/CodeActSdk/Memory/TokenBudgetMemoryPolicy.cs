using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A memory policy that keeps the estimated prompt under a token budget: it keeps the system prompt, the task and
/// the latest step, then as many of the steps before it as fit, newest first, and replaces the rest with a running
/// summary (when it has a summariser) or a one-line note <c>(N earlier steps were left out)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Sizes are estimated by <see cref="TokenBudgetMemoryOptions.Estimator"/> (about four characters per token by
/// default), so keep <see cref="TokenBudgetMemoryOptions.MaxPromptTokens"/> a margin below the model's context
/// window. The kept steps are sent unchanged, and they are always the most recent ones, contiguous. With a
/// summariser, <see cref="TokenBudgetMemoryOptions.MaxSummaryTokens"/> of the budget are set aside for the summary;
/// it is cached per conversation and extended only when steps are dropped, exactly as in
/// <see cref="TieredMemoryPolicy"/> (including its extractive fallback when the summariser fails or times out).
/// </para>
/// <para>
/// The system prompt, the task and the latest step are never dropped. When they alone exceed the budget, the policy
/// keeps them anyway and cuts the middle of the latest observation, to fit the budget if it can but never below
/// <see cref="TokenBudgetMemoryOptions.MinLatestObservationChars"/>; the prompt can then still exceed the budget.
/// The policy is thread-safe.
/// </para>
/// </remarks>
public sealed class TokenBudgetMemoryPolicy : IChatReducer
{
    private static readonly CompactionLimits SummaryInputLimits = new(HeadLines: 5, TailLines: 5, MaxLineChars: 240, MaxChars: 600);

    private readonly RunningSummarizer? _summarizer;
    private readonly int _maxSummaryChars;
    private readonly int _gapReserve;

    /// <summary>Creates a policy that keeps the prompt under <paramref name="maxPromptTokens"/> estimated tokens, without a summariser.</summary>
    /// <param name="maxPromptTokens">The budget; at least 100.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPromptTokens"/> is less than 100.</exception>
    public TokenBudgetMemoryPolicy(int maxPromptTokens)
        : this(new TokenBudgetMemoryOptions { MaxPromptTokens = maxPromptTokens })
    {
    }

    /// <summary>Creates a policy with the given settings and, optionally, a summariser for the steps it drops.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="summarizer">Writes the running summary of the dropped steps; without one, they are replaced by a one-line note.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public TokenBudgetMemoryPolicy(TokenBudgetMemoryOptions options, IChatClient? summarizer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        Summarizer = summarizer;
        _maxSummaryChars = Options.Estimator.CharsFor(Options.MaxSummaryTokens);
        if (summarizer is not null)
        {
            _summarizer = new RunningSummarizer(summarizer, Options.SummaryTimeout, _maxSummaryChars, SummaryInputLimits);
            _gapReserve = Options.Estimator.Estimate(RunningSummarizer.Message(new StepSummary(new string('x', _maxSummaryChars), Options.MaxPromptTokens)));
        }
        else
        {
            _gapReserve = Options.Estimator.Estimate(Note(Options.MaxPromptTokens));
        }
    }

    /// <summary>The settings.</summary>
    public TokenBudgetMemoryOptions Options { get; }

    /// <summary>The chat client that summarises the dropped steps, if any.</summary>
    public IChatClient? Summarizer { get; }

    /// <inheritdoc />
    public async Task<IEnumerable<ChatMessage>> ReduceAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var steps = ConversationSteps.Parse(history);
        if (steps.Count == 0)
        {
            return [.. history];
        }

        var estimator = Options.Estimator;
        var budget = Options.MaxPromptTokens;
        var latest = steps.Count - 1;
        var used = Tokens(history, 0, steps.PrefixLength) + Tokens(history, steps.Start(latest), history.Count);

        // Newest first, as long as the step and the summary or note for the steps before it still fit.
        var keepFrom = latest;
        for (var step = latest - 1; step >= 0; step--)
        {
            var tokens = Tokens(history, steps.Start(step), steps.End(step));
            if (used + tokens + (step > 0 ? _gapReserve : 0) > budget)
            {
                break;
            }

            used += tokens;
            keepFrom = step;
        }

        var result = new List<ChatMessage>(steps.PrefixLength + 1 + history.Count - steps.Start(keepFrom));
        for (var i = 0; i < steps.PrefixLength; i++)
        {
            result.Add(history[i]);
        }

        if (keepFrom > 0)
        {
            ChatMessage gap;
            if (_summarizer is not null && used + _gapReserve <= budget)
            {
                var summary = await _summarizer.SummarizeAsync(history, steps, keepFrom, latest, cancellationToken).ConfigureAwait(false);
                keepFrom = summary.CoveredSteps;
                gap = RunningSummarizer.Message(summary with { Text = StepCompactor.CutMiddle(summary.Text, _maxSummaryChars) });
            }
            else
            {
                gap = Note(keepFrom);
            }

            result.Add(gap);
        }

        for (var i = steps.Start(keepFrom); i < history.Count; i++)
        {
            result.Add(history[i]);
        }

        var total = estimator.Estimate(result);
        if (total > budget && result[^1].Role != ChatRole.Assistant)
        {
            // Only the system prompt, the task, the note and the latest step are left: cut the latest observation.
            var observation = result[^1];
            var allowed = budget - (total - estimator.Estimate(observation)) - estimator.TokensPerMessage;
            var maxChars = Math.Max(Options.MinLatestObservationChars, estimator.CharsFor(allowed));
            var results = observation.Contents.OfType<FunctionResultContent>().ToList();
            var text = results.Count > 0 ? results[0].Result?.ToString() ?? "" : StepCompactor.EssentialText(observation, out _);
            var changed = results.Count == 0 && !observation.Contents.All(c => c is TextContent);
            if (text.Length > maxChars || changed)
            {
                result[^1] = StepCompactor.WithText(observation, StepCompactor.CutMiddle(text, maxChars));
            }
        }

        return result;
    }

    private int Tokens(IReadOnlyList<ChatMessage> history, int from, int to)
    {
        var tokens = 0;
        for (var i = from; i < to; i++)
        {
            tokens += Options.Estimator.Estimate(history[i]);
        }

        return tokens;
    }

    private static ChatMessage Note(int dropped) =>
        new(ChatRole.User, dropped == 1 ? "(1 earlier step was left out)" : $"({dropped} earlier steps were left out)");
}
