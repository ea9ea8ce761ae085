namespace CodeActSdk;

/// <summary>
/// Ranks short texts for a query with Okapi BM25 (k1 = 1.2, b = 0.75): a term counts for more the rarer it is among
/// the texts and the more often it occurs in a text, with diminishing returns, and long texts are not favoured.
/// Terms are lower-cased runs of letters and digits with a few English endings dropped, so "Invoices" finds "invoice",
/// and without the commonest English words ("how", "the", "is").
/// </summary>
/// <remarks>Built once, then read-only: thread-safe.</remarks>
/// <typeparam name="T">What each text stands for.</typeparam>
internal sealed class Bm25Index<T>
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    /// <summary>Words too common in questions and prose to tell texts apart.</summary>
    private static readonly HashSet<string> StopWords = new(
        ["a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "doe", "for", "from", "how", "i", "in", "is", "it", "of", "on", "or", "that", "the", "this", "to", "what", "when", "where", "which", "who", "why", "with"],
        StringComparer.Ordinal);

    private readonly List<(T Item, int Length)> _texts = [];
    private readonly Dictionary<string, List<(int Text, int Frequency)>> _postings = new(StringComparer.Ordinal);
    private readonly double _averageLength;

    /// <summary>Indexes <paramref name="texts"/>.</summary>
    public Bm25Index(IEnumerable<(T Item, string Text)> texts)
    {
        foreach (var (item, text) in texts)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var length = 0;
            foreach (var term in Terms(text))
            {
                counts[term] = counts.GetValueOrDefault(term) + 1;
                length++;
            }

            foreach (var (term, frequency) in counts)
            {
                (_postings.TryGetValue(term, out var postings) ? postings : _postings[term] = []).Add((_texts.Count, frequency));
            }

            _texts.Add((item, length));
        }

        _averageLength = _texts.Count == 0 ? 0 : _texts.Average(t => (double)t.Length);
    }

    /// <summary>How many texts the index holds.</summary>
    public int Count => _texts.Count;

    /// <summary>The <paramref name="max"/> best texts for <paramref name="query"/>, best first; texts that share no term with it are left out.</summary>
    public IReadOnlyList<(T Item, double Score)> Search(string query, int max)
    {
        if (max <= 0)
        {
            return [];
        }

        // Only the texts that hold a query term are scored: their postings are read, nothing else.
        var scores = new Dictionary<int, double>();
        foreach (var term in Terms(query).Distinct(StringComparer.Ordinal))
        {
            if (!_postings.TryGetValue(term, out var postings))
            {
                continue;
            }

            var idf = Math.Log(1 + ((_texts.Count - postings.Count + 0.5) / (postings.Count + 0.5)));
            foreach (var (text, frequency) in postings)
            {
                var length = _texts[text].Length;
                scores[text] = scores.GetValueOrDefault(text) + (idf * frequency * (K1 + 1) / (frequency + (K1 * (1 - B + (B * length / _averageLength)))));
            }
        }

        return [.. scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key).Take(max).Select(s => (_texts[s.Key].Item, s.Value))];
    }

    /// <summary>The terms of <paramref name="text"/>, in order.</summary>
    public static IEnumerable<string> Terms(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inTerm = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inTerm && start < 0)
            {
                start = i;
            }
            else if (!inTerm && start >= 0)
            {
                var term = Normalize(text.AsSpan(start, i - start));
                start = -1;
                if (!StopWords.Contains(term))
                {
                    yield return term;
                }
            }
        }
    }

    /// <summary>Lower case, with a few English endings dropped (booking, booked, books → book), so that forms of a word meet.</summary>
    private static string Normalize(ReadOnlySpan<char> term)
    {
        var lower = term.ToString().ToLowerInvariant();
        return lower switch
        {
            { Length: > 5 } when lower.EndsWith("ing", StringComparison.Ordinal) => lower[..^3],
            { Length: > 4 } when lower.EndsWith("ed", StringComparison.Ordinal) => lower[..^2],
            { Length: > 3 } when lower[^1] == 's' && lower[^2] != 's' => lower[..^1],
            _ => lower,
        };
    }
}
