using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>What a <see cref="RunningSummarizer"/> returns: the summary text and how many leading steps it covers.</summary>
internal readonly record struct StepSummary(string Text, int CoveredSteps);

/// <summary>
/// Keeps one running summary per conversation of the oldest steps, written by a chat client and extended
/// incrementally (the previous summary plus the steps that were added to it), with an extractive fallback when the
/// client fails. Shared by <see cref="TieredMemoryPolicy"/> and <see cref="TokenBudgetMemoryPolicy"/>.
/// </summary>
/// <remarks>
/// A conversation is identified by its task message object (the last message of the prefix); the agent creates new
/// message objects for every run, so concurrent runs never share a summary, and an entry lives only as long as its
/// history (a <see cref="ConditionalWeakTable{TKey, TValue}"/>). Calls for one conversation are serialised; calls for
/// different conversations run in parallel.
/// </remarks>
internal sealed class RunningSummarizer(IChatClient client, TimeSpan timeout, int maxSummaryChars, CompactionLimits inputLimits)
{
    private const int MaxFallbackLineChars = 160;
    private const int MaxTaskChars = 1000;
    private const int MaxModelTextChars = 1500;

    private readonly ConditionalWeakTable<ChatMessage, Conversation> _conversations = [];

    /// <summary>
    /// Returns a summary that covers at least the first <paramref name="wanted"/> steps and at most the first
    /// <paramref name="limit"/>; the cached one when it already does, otherwise the cached one extended by one call.
    /// </summary>
    public async ValueTask<StepSummary> SummarizeAsync(
        IReadOnlyList<ChatMessage> history, ConversationSteps steps, int wanted, int limit, CancellationToken cancellationToken)
    {
        var task = history[steps.PrefixLength - 1];
        var conversation = _conversations.GetValue(task, static _ => new Conversation());
        await conversation.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!conversation.Matches(history, steps, limit))
            {
                // The history is not the one summarised before (edited or replayed): start over.
                conversation.Reset();
            }

            if (conversation.Covered < wanted)
            {
                await ExtendAsync(conversation, history, steps, wanted, task.Text, cancellationToken).ConfigureAwait(false);
            }

            return new StepSummary(conversation.Text, conversation.Covered);
        }
        finally
        {
            conversation.Gate.Release();
        }
    }

    /// <summary>The user message that carries a running summary into the prompt.</summary>
    public static ChatMessage Message(StepSummary summary) =>
        new(ChatRole.User, string.Create(CultureInfo.InvariantCulture,
            $"Summary of steps 1-{summary.CoveredSteps} (their transcript is no longer shown; what their code defined still exists in the session):\n{summary.Text}"));

    private async Task ExtendAsync(Conversation conversation, IReadOnlyList<ChatMessage> history, ConversationSteps steps, int wanted, string task, CancellationToken cancellationToken)
    {
        var from = conversation.Covered;
        string body;
        string? failure = null;
        try
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            var response = await client.GetResponseAsync(Prompt(conversation, history, steps, from, wanted, task), cancellationToken: timeoutSource.Token).ConfigureAwait(false);
            body = response.Text.Trim();
            if (body.Length == 0)
            {
                failure = "the summariser returned an empty answer";
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            body = "";
            failure = string.Create(CultureInfo.InvariantCulture, $"the summariser did not answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e)
        {
            // The summary is a convenience: a failing summariser must never fail the agent's run.
            body = "";
            failure = $"the summariser failed ({e.GetType().Name}: {e.Message})";
        }

        if (failure is null)
        {
            conversation.Body = StepCompactor.CutMiddle(body, maxSummaryChars);
            conversation.FallbackNote = null;
        }
        else
        {
            conversation.Body = ExtractiveBody(conversation.Body, history, steps, from, wanted);
            conversation.FallbackNote = $"(Written without the summariser, because {failure}: the first line of each step and of its observation.)";
        }

        conversation.Covered = wanted;
        conversation.LastCovered = history[steps.Start(wanted - 1)];
    }

    private List<ChatMessage> Prompt(Conversation conversation, IReadOnlyList<ChatMessage> history, ConversationSteps steps, int from, int to, string task)
    {
        var text = new StringBuilder();
        text.Append("The task:\n").Append(StepCompactor.CutMiddle(task, MaxTaskChars)).Append("\n\n");
        if (from > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"The summary of steps 1-{from} so far:\n").Append(conversation.Text).Append("\n\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"The steps to add to it (steps {from + 1}-{to}):\n");
        for (var step = from; step < to; step++)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n--- step {step + 1}\n");
            for (var i = steps.Start(step); i < steps.End(step); i++)
            {
                var message = StepCompactor.Compact(history[i], inputLimits);
                var body = message.Role == ChatRole.Assistant ? StepCompactor.CutMiddle(message.Text, MaxModelTextChars) : message.Text;
                text.Append(message.Role == ChatRole.Assistant ? "Model:\n" : "").Append(body).Append('\n');
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"\nWrite the updated summary of steps 1-{to}.");
        return
        [
            new ChatMessage(ChatRole.System, string.Create(CultureInfo.InvariantCulture,
                $"You summarise the earlier steps of a coding agent's session for the agent itself. Each step is code the agent wrote and what running it printed. Keep what the agent needs to go on: facts and numbers found, the variables and functions it defined and what they hold, errors and how they were resolved, and what is still to do. Leave out code that is no longer relevant and raw output. Answer with the summary only, in at most {maxSummaryChars / 6} words.")),
            new ChatMessage(ChatRole.User, text.ToString()),
        ];
    }

    /// <summary>The previous summary followed by one line per added step; the oldest lines give way when it is too long.</summary>
    private string ExtractiveBody(string previous, IReadOnlyList<ChatMessage> history, ConversationSteps steps, int from, int to)
    {
        var text = new StringBuilder(previous);
        for (var step = from; step < to; step++)
        {
            var start = steps.Start(step);
            var line = $"Step {step + 1}: {StepCompactor.FirstLine(StepCompactor.EssentialText(history[start], out _))}";
            for (var i = start + 1; i < steps.End(step); i++)
            {
                var observation = StepCompactor.FirstLine(StepCompactor.EssentialText(history[i], out _));
                if (observation.StartsWith("Observation:", StringComparison.Ordinal))
                {
                    observation = StepCompactor.FirstLine(history[i].Text.Split('\n', 2) is [_, var rest] ? rest : "");
                }

                if (observation.Length > 0)
                {
                    line += " -> " + observation;
                    break;
                }
            }

            if (line.Length > MaxFallbackLineChars)
            {
                line = line[..(MaxFallbackLineChars - 3)] + "...";
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(line);
        }

        // Keep the newest lines: drop whole lines from the start until the body fits.
        var body = text.ToString();
        var dropped = 0;
        while (body.Length > maxSummaryChars - 40 && body.IndexOf('\n', StringComparison.Ordinal) is var cut and >= 0)
        {
            body = body[(cut + 1)..];
            dropped++;
        }

        body = StepCompactor.CutMiddle(body, maxSummaryChars);
        return dropped == 0 ? body : $"[... {dropped} older line{(dropped == 1 ? "" : "s")} left out ...]\n{body}";
    }

    private sealed class Conversation
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Covered { get; set; }

        public ChatMessage? LastCovered { get; set; }

        public string Body { get; set; } = "";

        public string? FallbackNote { get; set; }

        public string Text => FallbackNote is null ? Body : FallbackNote + "\n" + Body;

        /// <summary>Whether the cached summary is of steps that this history still has, unchanged, within <paramref name="limit"/>.</summary>
        public bool Matches(IReadOnlyList<ChatMessage> history, ConversationSteps steps, int limit)
        {
            if (Covered == 0)
            {
                return true;
            }

            if (Covered > limit || LastCovered is null)
            {
                return false;
            }

            var message = history[steps.Start(Covered - 1)];
            return ReferenceEquals(message, LastCovered) || (message.Role == LastCovered.Role && message.Text == LastCovered.Text);
        }

        public void Reset()
        {
            Covered = 0;
            LastCovered = null;
            Body = "";
            FallbackNote = null;
        }
    }
}
