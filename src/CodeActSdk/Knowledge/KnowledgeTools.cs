using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// An <see cref="IKnowledgeSource"/> as the two tools the code calls, <c>search_context(query, max_results)</c> and
/// <c>read_context(topic)</c>, and as the list of topics the run's task carries. What the source returns is bounded
/// (passages, their count, a document's length, the list), with a note saying what was cut; a source that fails is a
/// failed call the code sees, never a failed run.
/// </summary>
/// <remarks>Holds the source only; thread-safe when the source is.</remarks>
internal sealed class KnowledgeTools
{
    public const string SearchName = "search_context";
    public const string ReadName = "read_context";
    public const int MaxResults = 10;
    public const int MaxPassageChars = 1_500;
    public const int MaxDocumentChars = 12_000;
    public const int MaxListedTopics = 100;
    public const int MaxSummaryChars = 200;

    private readonly IKnowledgeSource _source;

    public KnowledgeTools(IKnowledgeSource source)
    {
        _source = source;
        Tools =
        [
            AIFunctionFactory.Create(SearchAsync, SearchName, "Searches the knowledge base (the topics listed with the task) and returns the best passages, best first, as [{topic, section, text, score}]."),
            AIFunctionFactory.Create(ReadAsync, ReadName, "Returns the whole text of one topic of the knowledge base (a name from the topics listed with the task)."),
        ];
    }

    /// <summary>The two tools.</summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>The topics as the run's task lists them, or null when the source has none; a source that fails is said so, and the run goes on.</summary>
    public async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<KnowledgeTopic> topics;
        try
        {
            topics = await _source.ListTopicsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"[knowledge: the topics could not be listed ({e.GetType().Name}: {e.Message}); {SearchName}(query) may still find passages]";
        }

        var list = new System.Text.StringBuilder($"[knowledge: look these topics up when a step needs them, with {SearchName}(query) or {ReadName}(topic), instead of guessing]");
        foreach (var topic in topics.Take(MaxListedTopics))
        {
            list.Append("\n- ").Append(topic.Name).Append(": ").Append(Cut(topic.Summary, MaxSummaryChars));
        }

        if (topics.Count > MaxListedTopics)
        {
            list.Append($"\n- … and {topics.Count - MaxListedTopics} more topics: {SearchName}(query) finds them.");
        }

        return list.ToString();
    }

    private async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(
        [Description("What to look for, in words.")] string query,
        [Description("How many passages at most, 1 to 10; default 5.")] int max_results = 5,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ArgumentException("The query is empty: say what to look for.");
        }

        var hits = await Ask(() => _source.SearchAsync(query, Math.Clamp(max_results, 1, MaxResults), cancellationToken)).ConfigureAwait(false);
        return [.. (hits ?? []).Take(Math.Clamp(max_results, 1, MaxResults)).Select(h => h with { Text = Cut(h.Text, MaxPassageChars) })];
    }

    private async Task<string> ReadAsync(
        [Description("The topic's name, as listed with the task.")] string topic,
        CancellationToken cancellationToken = default)
    {
        var text = await Ask(() => _source.ReadAsync(topic, cancellationToken)).ConfigureAwait(false)
            ?? throw new ArgumentException($"There is no topic '{topic}'. Use a name from the topics listed with the task, or {SearchName}(query).");
        return text.Length <= MaxDocumentChars
            ? text
            : text[..MaxDocumentChars] + $"\n[… the topic was cut: {text.Length - MaxDocumentChars:N0} more characters. Use {SearchName}(query) to find the passage you need.]";
    }

    private static async Task<T> Ask<T>(Func<ValueTask<T>> look)
    {
        try
        {
            return await look().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ArgumentException)
        {
            throw new InvalidOperationException($"the knowledge source failed ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private static string Cut(string text, int max) =>
        text.Length <= max ? text : text[..max] + $" […{text.Length - max:N0} more characters]";
}
