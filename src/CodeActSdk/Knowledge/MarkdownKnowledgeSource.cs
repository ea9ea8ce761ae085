using System.Text;

namespace CodeActSdk;

/// <summary>
/// The embedded <see cref="IKnowledgeSource"/>: Markdown documents, one topic each, searched with BM25 over their
/// sections (a section is the text under a heading, which counts twice; a long one is split at paragraphs). No embeddings, no service:
/// the index is built in memory when the source is created.
/// </summary>
/// <remarks>
/// A topic's name is the document's path under the folder without <c>.md</c> (<c>billing/invoices</c>); its summary is
/// the first line of prose (or the first heading). Read-only once built: thread-safe.
/// </remarks>
public sealed class MarkdownKnowledgeSource : IKnowledgeSource
{
    private const int PassageChars = 1_200;
    private const int SummaryChars = 140;

    private readonly IReadOnlyList<KnowledgeTopic> _topics;
    private readonly Dictionary<string, string> _documents;
    private readonly Bm25Index<KnowledgeHit> _index;

    /// <summary>Loads every <c>*.md</c> file under <paramref name="folder"/>, its subfolders included.</summary>
    /// <param name="folder">The folder of the documents.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">The folder holds no Markdown file.</exception>
    public MarkdownKnowledgeSource(string folder)
        : this(Load(folder))
    {
    }

    /// <summary>Indexes documents given as text.</summary>
    /// <param name="documents">Each topic's name and its Markdown text.</param>
    /// <exception cref="ArgumentException">A name is empty or given twice, or there are no documents.</exception>
    public MarkdownKnowledgeSource(IEnumerable<KeyValuePair<string, string>> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        _documents = new Dictionary<string, string>(StringComparer.Ordinal);
        var topics = new List<KnowledgeTopic>();
        var passages = new List<(KnowledgeHit, string)>();
        foreach (var (name, text) in documents)
        {
            if (string.IsNullOrWhiteSpace(name) || text is null)
            {
                throw new ArgumentException("A knowledge document needs a topic name and a text.", nameof(documents));
            }

            if (!_documents.TryAdd(name, text))
            {
                throw new ArgumentException($"The topic '{name}' is given twice.", nameof(documents));
            }

            topics.Add(new KnowledgeTopic(name, Summary(name, text)));
            foreach (var (section, passage) in Passages(text))
            {
                // The heading counts twice: it says what the passage is about.
                passages.Add((new KnowledgeHit(name, section, passage, 0), $"{name.Replace('/', ' ')} {section} {section} {passage}"));
            }
        }

        if (topics.Count == 0)
        {
            throw new ArgumentException("A knowledge source needs at least one document.", nameof(documents));
        }

        _topics = topics;
        _index = new Bm25Index<KnowledgeHit>(passages);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<KnowledgeTopic>> ListTopicsAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_topics);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<KnowledgeHit>>([.. _index.Search(query, maxResults).Select(h => h.Item with { Score = Math.Round(h.Score, 3) })]);
    }

    /// <inheritdoc/>
    public ValueTask<string?> ReadAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return ValueTask.FromResult(_documents.GetValueOrDefault(topic));
    }

    private static IEnumerable<KeyValuePair<string, string>> Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The knowledge folder '{root}' does not exist.");
        }

        var files = Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new ArgumentException($"The knowledge folder '{root}' holds no Markdown (*.md) file.", nameof(folder));
        }

        return files.Select(file => KeyValuePair.Create(Path.ChangeExtension(Path.GetRelativePath(root, file), null).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllText(file)));
    }

    /// <summary>The document's first line of prose, or its first heading, cut to a line.</summary>
    private static string Summary(string name, string text)
    {
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var line = lines.FirstOrDefault(l => !l.StartsWith('#') && !l.StartsWith("```", StringComparison.Ordinal))
            ?? lines.FirstOrDefault()?.TrimStart('#').Trim()
            ?? name;
        return line.Length <= SummaryChars ? line : line[..SummaryChars].TrimEnd() + "…";
    }

    /// <summary>The passages of a document: each section under its heading, long ones split at paragraphs.</summary>
    private static IEnumerable<(string Section, string Text)> Passages(string text)
    {
        var heading = "";
        var body = new StringBuilder();
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.StartsWith('#') && raw.TrimStart('#').StartsWith(' '))
            {
                foreach (var passage in Split(heading, body.ToString()))
                {
                    yield return passage;
                }

                heading = raw.TrimStart('#').Trim();
                body.Clear();
            }
            else
            {
                body.Append(raw).Append('\n');
            }
        }

        foreach (var passage in Split(heading, body.ToString()))
        {
            yield return passage;
        }
    }

    private static IEnumerable<(string Section, string Text)> Split(string heading, string body)
    {
        body = body.Trim();
        if (body.Length == 0)
        {
            yield break;
        }

        var chunk = new StringBuilder();
        foreach (var paragraph in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (chunk.Length > 0 && chunk.Length + paragraph.Length > PassageChars)
            {
                yield return (heading, chunk.ToString());
                chunk.Clear();
            }

            chunk.Append(chunk.Length == 0 ? "" : "\n\n").Append(paragraph);
        }

        if (chunk.Length > 0)
        {
            yield return (heading, chunk.ToString());
        }
    }
}
