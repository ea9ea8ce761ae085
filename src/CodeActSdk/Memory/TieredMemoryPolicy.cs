using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A memory policy for long runs that keeps detail where the model needs it: the system prompt and the task, then
/// one running summary of the old steps, then the last few steps in compact form, then the latest step in full.
/// </summary>
/// <remarks>
/// <para>The prompt it returns has, in order:</para>
/// <list type="number">
/// <item>the system prompt and the task, unchanged (every message up to and including the first user message);</item>
/// <item>when steps are older than the compact window, one user message <c>Summary of steps 1-N ...</c> with a
/// running summary of them, written by the summariser;</item>
/// <item>the <see cref="TieredMemoryOptions.RecentTurns"/> steps before the latest, with only their essential
/// messages: the model's text and code as written, and a short observation (its first and last lines, long lines cut,
/// at most <see cref="TieredMemoryOptions.MaxObservationChars"/>); tool calls and results carried as message contents
/// are replaced by a one-line note, so their payloads are not repeated;</item>
/// <item>the latest step, unchanged.</item>
/// </list>
/// <para>
/// The summary is cached and extended only when steps leave the compact window: the summariser receives the previous
/// summary and the steps that just left, never the whole history, so a step costs at most one summariser call (see
/// <see cref="TieredMemoryOptions.SummaryBatchSize"/> for fewer). When the summariser throws, times out
/// (<see cref="TieredMemoryOptions.SummaryTimeout"/>) or answers with nothing, the policy writes an extractive
/// summary instead (the first line of each step and of its observation) and says so in the summary; the run goes
/// on. Only the cancellation of the run itself propagates.
/// </para>
/// <para>
/// The cache is per conversation, keyed by the identity of the task message object: the agent creates new message
/// objects for each run, so one policy instance can serve many concurrent runs, and a conversation's entry is
/// collected together with its history. A caller that rebuilds the history from new message objects before every
/// call gets a fresh summary each time (correct, but one summariser call over all old steps per call). The policy is
/// thread-safe; the summariser must be too if runs are concurrent. Because the interpreter session keeps its state,
/// the variables computed in summarised steps remain available to the model's code.
/// </para>
/// </remarks>
public sealed class TieredMemoryPolicy : IChatReducer
{
    private readonly RunningSummarizer _summarizer;
    private readonly CompactionLimits _limits;

    /// <summary>Creates a policy whose old steps are summarised by <paramref name="summarizer"/>.</summary>
    /// <param name="summarizer">Writes the running summary; a small, cheap model is enough.</param>
    /// <param name="options">The settings; the defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="summarizer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public TieredMemoryPolicy(IChatClient summarizer, TieredMemoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(summarizer);
        Options = (options ?? new TieredMemoryOptions()).Validate();
        Summarizer = summarizer;
        _limits = Options.CompactionLimits;
        _summarizer = new RunningSummarizer(summarizer, Options.SummaryTimeout, Options.Estimator.CharsFor(Options.MaxSummaryTokens), _limits);
    }

    /// <summary>The settings.</summary>
    public TieredMemoryOptions Options { get; }

    /// <summary>The chat client that writes the running summary.</summary>
    public IChatClient Summarizer { get; }

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

        var latest = steps.Count - 1;
        var old = Math.Max(0, latest - Options.RecentTurns);
        var toSummarize = old - (old % Options.SummaryBatchSize);
        var result = new List<ChatMessage>(steps.PrefixLength + 2 + (2 * Options.RecentTurns) + Options.SummaryBatchSize + (history.Count - steps.Start(latest)));
        for (var i = 0; i < steps.PrefixLength; i++)
        {
            result.Add(history[i]);
        }

        var compactFrom = 0;
        if (toSummarize > 0)
        {
            var summary = await _summarizer.SummarizeAsync(history, steps, toSummarize, latest, cancellationToken).ConfigureAwait(false);
            compactFrom = summary.CoveredSteps;
            result.Add(RunningSummarizer.Message(summary));
        }

        for (var step = compactFrom; step < latest; step++)
        {
            for (var i = steps.Start(step); i < steps.End(step); i++)
            {
                result.Add(StepCompactor.Compact(history[i], _limits));
            }
        }

        for (var i = steps.Start(latest); i < history.Count; i++)
        {
            result.Add(history[i]);
        }

        return result;
    }
}
