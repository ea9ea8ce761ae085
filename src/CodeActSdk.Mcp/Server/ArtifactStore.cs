using System.Globalization;

namespace CodeActSdk.Mcp.Server;

/// <summary>
/// The artifacts of recent executions, kept for <c>resources/read</c> under <c>codeact://artifacts/{n}/out/...</c>,
/// up to a byte budget; the oldest executions' artifacts are forgotten first. Thread-safe.
/// </summary>
internal sealed class ArtifactStore(long maxBytes)
{
    /// <summary>The start of every artifact URI.</summary>
    public const string Prefix = "codeact://artifacts/";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Artifact> _byUri = new(StringComparer.Ordinal);
    private readonly Queue<(long Execution, List<string> Uris, long Bytes)> _order = new();
    private long _bytes;
    private long _next;

    /// <summary>Keeps the artifacts of one execution and returns the URI of each (or <see langword="null"/> when one is larger than the whole budget).</summary>
    public IReadOnlyList<string?> Add(IReadOnlyList<Artifact> artifacts)
    {
        if (artifacts.Count == 0)
        {
            return [];
        }

        lock (_gate)
        {
            var execution = ++_next;
            var uris = new List<string?>();
            var kept = new List<string>();
            long bytes = 0;
            foreach (var artifact in artifacts)
            {
                if (artifact.Size > maxBytes)
                {
                    uris.Add(null);
                    continue;
                }

                var uri = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{execution}/{Uri.EscapeDataString(artifact.Path).Replace("%2F", "/", StringComparison.Ordinal)}");
                _byUri[uri] = artifact;
                kept.Add(uri);
                uris.Add(uri);
                bytes += artifact.Size;
            }

            _order.Enqueue((execution, kept, bytes));
            _bytes += bytes;
            while (_bytes > maxBytes && _order.Count > 1)
            {
                var oldest = _order.Dequeue();
                foreach (var uri in oldest.Uris)
                {
                    _byUri.Remove(uri);
                }

                _bytes -= oldest.Bytes;
            }

            return uris;
        }
    }

    /// <summary>The artifact at <paramref name="uri"/>, or <see langword="null"/> when it is unknown or was forgotten.</summary>
    public Artifact? Find(string uri)
    {
        lock (_gate)
        {
            return _byUri.GetValueOrDefault(uri);
        }
    }
}
