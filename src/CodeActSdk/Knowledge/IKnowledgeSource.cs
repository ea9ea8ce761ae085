namespace CodeActSdk;

/// <summary>
/// Knowledge the agent looks up when a step needs it, instead of carrying it in every prompt: API specifications, data
/// dictionaries, what words mean in this company. Organised by topic; the run's task lists the topics, and the code
/// searches and reads them (<c>search_context(query)</c>, <c>read_context(topic)</c>; C#: <c>tools.SearchContext(...)</c>).
/// Added with <c>CodeActBuilder.UseKnowledge(...)</c>; <see cref="MarkdownKnowledgeSource"/> is the embedded default.
/// </summary>
/// <remarks>
/// One instance serves every run, concurrently: implementations are thread-safe. What a source returns is bounded by
/// the agent before the code sees it, and a source that throws is reported to the code as a failed look-up.
/// </remarks>
public interface IKnowledgeSource
{
    /// <summary>The topics, each with a one-line summary, as the run's task lists them.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The topics, in the order to list them.</returns>
    ValueTask<IReadOnlyList<KnowledgeTopic>> ListTopicsAsync(CancellationToken cancellationToken = default);

    /// <summary>The passages that best answer <paramref name="query"/>, best first.</summary>
    /// <param name="query">What the code looks for, in words.</param>
    /// <param name="maxResults">The most passages to return; at least 1.</param>
    /// <param name="cancellationToken">Cancels the search (the execution's time limit, or the run).</param>
    /// <returns>At most <paramref name="maxResults"/> passages; empty when nothing matches.</returns>
    ValueTask<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default);

    /// <summary>The whole text of <paramref name="topic"/>, or <see langword="null"/> when there is no such topic.</summary>
    /// <param name="topic">A topic's <see cref="KnowledgeTopic.Name"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<string?> ReadAsync(string topic, CancellationToken cancellationToken = default);
}

/// <summary>A topic of an <see cref="IKnowledgeSource"/>.</summary>
/// <param name="Name">The topic's name, which <see cref="IKnowledgeSource.ReadAsync"/> takes (for example <c>billing/invoices</c>).</param>
/// <param name="Summary">One line saying what the topic covers.</param>
public sealed record KnowledgeTopic(string Name, string Summary);

/// <summary>A passage found by <see cref="IKnowledgeSource.SearchAsync"/>.</summary>
/// <param name="Topic">The topic it is from.</param>
/// <param name="Section">The heading of the passage within the topic; empty when it has none.</param>
/// <param name="Text">The passage.</param>
/// <param name="Score">How well it matches, higher is better; comparable within one search only.</param>
public sealed record KnowledgeHit(string Topic, string Section, string Text, double Score);
