using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeActSdk.Isolation.Protocol;

/// <summary>
/// Newline-delimited JSON over a pair of streams. Writes are serialised by a lock because tool calls and results
/// may be written from different threads; reads belong to one reader loop.
/// </summary>
internal sealed class MessageChannel : IDisposable
{
    // Compact JSON escapes control characters, so a message never contains a raw newline and one line is one message.
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly StreamReader _reader;
    private readonly Stream _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public MessageChannel(Stream input, Stream output)
    {
        _reader = new StreamReader(input, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);
        _output = output;
    }

    /// <summary>The next message, or <see langword="null"/> at the end of the stream (the other side is gone).</summary>
    public async Task<JsonObject?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                continue;
            }

            return JsonNode.Parse(line) as JsonObject ?? throw new JsonException("A protocol message is not a JSON object.");
        }
    }

    public async Task WriteAsync(JsonObject message, CancellationToken cancellationToken = default)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, Compact);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            _output.WriteByte((byte)'\n');
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _writeLock.Dispose();
    }
}
