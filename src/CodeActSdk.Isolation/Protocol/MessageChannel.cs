using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeActSdk.Isolation.Protocol;

/// <summary>
/// Newline-delimited JSON over a pair of streams. Writes are serialised by a lock because tool calls and results
/// may be written from different threads; reads belong to one reader loop.
/// </summary>
/// <remarks>
/// A message longer than <see cref="MaxMessageBytes"/> is refused without being held in memory: the host reads a
/// worker that may be running hostile code, and a line that never ends must not fill the host's memory.
/// </remarks>
internal sealed class MessageChannel : IDisposable
{
    /// <summary>The default <see cref="MaxMessageBytes"/>: more than any message but a result with large artifacts.</summary>
    public const long DefaultMaxMessageBytes = 64L * 1024 * 1024;

    // Compact JSON escapes control characters, so a message never contains a raw newline and one line is one message.
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private const int ChunkBytes = 64 * 1024;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _chunk = new byte[ChunkBytes];
    private int _chunkStart;
    private int _chunkEnd;
    private MemoryStream _line = new();

    public MessageChannel(Stream input, Stream output)
    {
        _input = input;
        _output = output;
    }

    /// <summary>The longest message <see cref="ReadAsync"/> accepts, in bytes of UTF-8.</summary>
    public long MaxMessageBytes { get; set; } = DefaultMaxMessageBytes;

    /// <summary>The next message, or <see langword="null"/> at the end of the stream (the other side is gone).</summary>
    /// <exception cref="InvalidDataException">The message is longer than <see cref="MaxMessageBytes"/>.</exception>
    /// <exception cref="JsonException">The message is not a JSON object.</exception>
    public async Task<JsonObject?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                return JsonNode.Parse(line.Span) as JsonObject ?? throw new JsonException("A protocol message is not a JSON object.");
            }
        }

        return null;
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
        _input.Dispose();
        _line.Dispose();
        _writeLock.Dispose();
    }

    /// <summary>
    /// The next line without its newline, or <see langword="null"/> at the end of the stream; a last line cut off by
    /// the end (the other side died while writing) is dropped, since how it ended says more than half a message.
    /// </summary>
    private async Task<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        if (_line.Capacity > ChunkBytes * 16)
        {
            // A large message has gone by; do not keep its buffer for the small ones that follow.
            _line.Dispose();
            _line = new MemoryStream();
        }

        _line.SetLength(0);
        while (true)
        {
            if (_chunkStart == _chunkEnd)
            {
                _chunkStart = 0;
                _chunkEnd = await _input.ReadAsync(_chunk, cancellationToken).ConfigureAwait(false);
                if (_chunkEnd == 0)
                {
                    return null;
                }
            }

            var newline = Array.IndexOf(_chunk, (byte)'\n', _chunkStart, _chunkEnd - _chunkStart);
            var length = (newline < 0 ? _chunkEnd : newline) - _chunkStart;
            if (_line.Length + length > MaxMessageBytes)
            {
                // Let go of what was read at once: the reader stops here, but the channel may live on a while.
                _line.Dispose();
                _line = new MemoryStream();
                throw new InvalidDataException($"A protocol message is longer than {MaxMessageBytes} bytes, the most this session can send.");
            }

            _line.Write(_chunk, _chunkStart, length);
            _chunkStart += length;
            if (newline >= 0)
            {
                _chunkStart++;
                return _line.GetBuffer().AsMemory(0, (int)_line.Length);
            }
        }
    }
}
