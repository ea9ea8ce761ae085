using System.Buffers;
using System.Text.Json;

namespace CodeActSdk.Mcp.Server;

/// <summary>
/// The MCP server's input and output streams, watched so that the end of input ends the server cleanly. The MCP
/// transport stops as soon as its input ends and drops the answers still being prepared, so a client that writes a
/// request and closes its end (<c>echo '…' | codeact mcp</c>), or goes away while code runs, would get nothing, or
/// leave the server running until the code's own time limit. Here, when the real input ends, running code is
/// cancelled (the callback given), and the transport sees the end only once every request read so far has
/// had its response written, or the drain limit has passed.
/// </summary>
/// <remarks>
/// The streams carry newline-delimited JSON-RPC, as MCP's stdio transport does: a request is a line with an
/// <c>id</c> and a <c>method</c>; its response, a line with the same <c>id</c> and a <c>result</c> or an
/// <c>error</c>; a client's <c>notifications/cancelled</c> releases the request it names. One reader and one
/// writer at a time, as the transport uses them.
/// </remarks>
internal sealed class DrainingStdio
{
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Func<Task> _endOfInput;
    private readonly TimeSpan _drainLimit;
    private TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Watches <paramref name="input"/> and <paramref name="output"/>.</summary>
    /// <param name="input">The client's messages (standard input).</param>
    /// <param name="output">Where the server's messages go (standard output).</param>
    /// <param name="endOfInput">Called once when the real input ends: it cancels what runs, so that it is answered soon.</param>
    /// <param name="drainLimit">How long the end of input waits for the answers.</param>
    public DrainingStdio(Stream input, Stream output, Func<Task> endOfInput, TimeSpan drainLimit)
    {
        _endOfInput = endOfInput;
        _drainLimit = drainLimit;
        Input = new WatchedStream(input, this, isInput: true);
        Output = new WatchedStream(output, this, isInput: false);
        _drained.SetResult();
    }

    /// <summary>The stream for the transport to read.</summary>
    public Stream Input { get; }

    /// <summary>The stream for the transport to write.</summary>
    public Stream Output { get; }

    private async Task EndOfInputAsync()
    {
        await _endOfInput().ConfigureAwait(false);
        Task drained;
        lock (_gate)
        {
            drained = _drained.Task;
        }

        await Task.WhenAny(drained, Task.Delay(_drainLimit)).ConfigureAwait(false);
    }

    /// <summary>Notes one complete line: a request read, a response written, or a request the client cancelled.</summary>
    private void OnLine(ReadOnlySpan<byte> line, bool isInput)
    {
        if (Read(line) is not { Id: { } id } message)
        {
            return;
        }

        lock (_gate)
        {
            if (isInput && message.IsRequest)
            {
                if (_pending.Add(id) && _pending.Count == 1)
                {
                    _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            else if ((!isInput && message.IsResponse) || (isInput && message.IsCancellation))
            {
                if (_pending.Remove(id) && _pending.Count == 0)
                {
                    _drained.TrySetResult();
                }
            }
        }
    }

    /// <summary>The parts of a JSON-RPC message that matter here; null for a line that is not a JSON object.</summary>
    private static Message? Read(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var message = new Message();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "id" when reader.TokenType is JsonTokenType.Number or JsonTokenType.String:
                        message.Id ??= IdText(ref reader);
                        break;
                    case "method" when reader.TokenType == JsonTokenType.String:
                        message.IsCancellation = reader.ValueTextEquals("notifications/cancelled"u8);
                        message.IsRequest = !message.IsCancellation;
                        break;
                    case "result" or "error":
                        message.IsResponse = true;
                        reader.Skip();
                        break;
                    case "params" when reader.TokenType == JsonTokenType.StartObject:
                        // A cancellation names its request in params.requestId.
                        var id = RequestIdOf(ref reader);
                        if (id is not null)
                        {
                            message.CancelledId = id;
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (message.IsCancellation)
            {
                message.Id = message.CancelledId;
            }

            return message;
        }
        catch (JsonException)
        {
            return null; // Not ours to judge: the transport answers malformed input itself.
        }
    }

    private static string? RequestIdOf(ref Utf8JsonReader reader)
    {
        string? id = null;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("requestId"u8))
            {
                reader.Read();
                if (reader.TokenType is JsonTokenType.Number or JsonTokenType.String)
                {
                    id = IdText(ref reader);
                    continue;
                }
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return id;
    }

    /// <summary>An id as text that tells the number 1 from the string "1".</summary>
    private static string IdText(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? "s:" + reader.GetString() : "n:" + System.Text.Encoding.UTF8.GetString(reader.ValueSpan);

    private sealed class Message
    {
        public string? Id { get; set; }

        public string? CancelledId { get; set; }

        public bool IsRequest { get; set; }

        public bool IsResponse { get; set; }

        public bool IsCancellation { get; set; }
    }

    /// <summary>A stream that passes bytes through and hands each complete line to its owner.</summary>
    private sealed class WatchedStream(Stream inner, DrainingStdio owner, bool isInput) : Stream
    {
        private ArrayBufferWriter<byte> _line = new();
        private bool _ended;

        public override bool CanRead => isInput;

        public override bool CanWrite => !isInput;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_ended)
            {
                return 0;
            }

            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
                Watch(ReadOnlySpan<byte>.Empty, endOfStream: true);
                await owner.EndOfInputAsync().ConfigureAwait(false);
                return 0;
            }

            Watch(buffer.Span[..read], endOfStream: false);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Watch(buffer.Span, endOfStream: false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        /// <summary>Collects bytes into lines; a last line without a newline counts at the end of the stream.</summary>
        private void Watch(ReadOnlySpan<byte> bytes, bool endOfStream)
        {
            while (bytes.IndexOf((byte)'\n') is var newline and >= 0)
            {
                _line.Write(bytes[..newline]);
                owner.OnLine(_line.WrittenSpan, isInput);
                Clear();
                bytes = bytes[(newline + 1)..];
            }

            _line.Write(bytes);
            if (endOfStream && _line.WrittenCount > 0)
            {
                owner.OnLine(_line.WrittenSpan, isInput);
                Clear();
            }
        }

        /// <summary>Empties the line, and lets go of the room a large one took (a result can be megabytes).</summary>
        private void Clear()
        {
            if (_line.Capacity > 1024 * 1024)
            {
                _line = new ArrayBufferWriter<byte>();
            }
            else
            {
                _line.ResetWrittenCount();
            }
        }
    }
}
