using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodeActSdk;

/// <summary>An entry as a store keeps it: the columns, the payload JSON and its checksum.</summary>
/// <param name="Sequence">The entry's position, from 1.</param>
/// <param name="Step">The step it belongs to.</param>
/// <param name="Kind">The <see cref="JournalEntryKind"/> name.</param>
/// <param name="Payload">The kind's member as JSON.</param>
/// <param name="Checksum">SHA-256 over the other fields, in hex.</param>
/// <param name="At">When it was written.</param>
public sealed record EncodedJournalEntry(long Sequence, int Step, string Kind, string Payload, string Checksum, DateTimeOffset At);

/// <summary>
/// How every store turns journal entries into rows and back, so that all of them detect damage the same way: each
/// entry carries a checksum over its fields, sequences must run 1, 2, 3 without a gap, and a session written in
/// another <see cref="FormatVersion"/> is refused with a message rather than misread.
/// </summary>
public static class JournalCodec
{
    /// <summary>The journal format this version writes and reads.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Checks a session id: letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, 1 to 128 of them.</summary>
    /// <exception cref="ArgumentException">The id is not of that form.</exception>
    public static string ValidateSessionId(string sessionId)
    {
        if (string.IsNullOrEmpty(sessionId) || sessionId.Length > 128 || !sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"The session id '{sessionId}' is not valid: use 1 to 128 letters, digits, '-', '_' or '.'.", nameof(sessionId));
        }

        return sessionId;
    }

    /// <summary>Turns an entry into its row.</summary>
    public static EncodedJournalEntry Encode(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var payload = entry.Kind switch
        {
            JournalEntryKind.ModelTurn when entry.ModelTurnFormat is { } format => JsonSerializer.Serialize(new { modelText = entry.ModelText ?? throw Missing(entry, nameof(entry.ModelText)), format }, Json),
            JournalEntryKind.ModelTurn => JsonSerializer.Serialize(new { modelText = entry.ModelText ?? throw Missing(entry, nameof(entry.ModelText)) }, Json),
            JournalEntryKind.ToolCall => JsonSerializer.Serialize(entry.ToolCall ?? throw Missing(entry, nameof(entry.ToolCall)), Json),
            JournalEntryKind.StepCompleted => JsonSerializer.Serialize(entry.Completed ?? throw Missing(entry, nameof(entry.Completed)), Json),
            JournalEntryKind.ApprovalRequested => JsonSerializer.Serialize(entry.ApprovalRequest ?? throw Missing(entry, nameof(entry.ApprovalRequest)), Json),
            JournalEntryKind.Decision => JsonSerializer.Serialize(entry.Decision ?? throw Missing(entry, nameof(entry.Decision)), Json),
            _ => throw new ArgumentOutOfRangeException(nameof(entry), entry.Kind, "Unknown journal entry kind."),
        };
        var kind = entry.Kind.ToString();
        return new EncodedJournalEntry(entry.Sequence, entry.Step, kind, payload, Checksum(entry.Sequence, entry.Step, kind, payload), entry.At);
    }

    /// <summary>
    /// Checks and decodes a session's rows, in sequence order. When <see cref="CheckpointSession.Entries"/> is not 0,
    /// the rows must be exactly that many (a store that keeps the count gets truncation detected).
    /// </summary>
    /// <exception cref="CheckpointFormatException">The session was written in another format.</exception>
    /// <exception cref="CheckpointCorruptException">A row is damaged, or the sequence has a gap.</exception>
    public static CheckpointJournal Decode(CheckpointSession session, IEnumerable<EncodedJournalEntry> rows)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(rows);
        if (session.FormatVersion != FormatVersion)
        {
            throw new CheckpointFormatException(session.FormatVersion < FormatVersion
                ? $"Session '{session.Id}' was journaled in format {session.FormatVersion}, which this version ({FormatVersion}) no longer reads. Resume it with the version that wrote it, or delete it."
                : $"Session '{session.Id}' was journaled in format {session.FormatVersion}, newer than this version reads ({FormatVersion}). Resume it with a newer CodeActSdk.");
        }

        var entries = new List<JournalEntry>();
        foreach (var row in rows.OrderBy(r => r.Sequence))
        {
            var expected = entries.Count + 1;
            if (row.Sequence != expected)
            {
                throw new CheckpointCorruptException(row.Sequence < expected
                    ? $"The journal of session '{session.Id}' holds entry {row.Sequence} twice. Nothing was changed."
                    : $"The journal of session '{session.Id}' is missing entry {expected} (the next one is {row.Sequence}). Nothing was changed; inspect it with 'codeact sessions show {session.Id}'.");
            }

            entries.Add(DecodeOne(session.Id, row));
        }

        if (session.Entries != 0 && session.Entries != entries.Count)
        {
            throw new CheckpointCorruptException($"The journal of session '{session.Id}' should hold {session.Entries} entries but holds {entries.Count}: it was truncated. Nothing was changed.");
        }

        return new CheckpointJournal(session, entries);
    }

    private static JournalEntry DecodeOne(string sessionId, EncodedJournalEntry row)
    {
        if (!string.Equals(Checksum(row.Sequence, row.Step, row.Kind, row.Payload), row.Checksum, StringComparison.Ordinal))
        {
            throw new CheckpointCorruptException($"Entry {row.Sequence} of session '{sessionId}' is damaged: its checksum does not match its content. Nothing was changed.");
        }

        // Only the exact names: Enum.Parse would also take numbers and combinations.
        if (!Enum.GetNames<JournalEntryKind>().Contains(row.Kind, StringComparer.Ordinal))
        {
            throw new CheckpointCorruptException($"Entry {row.Sequence} of session '{sessionId}' has an unknown kind '{row.Kind}'. Nothing was changed.");
        }

        try
        {
            var entry = new JournalEntry
            {
                Sequence = row.Sequence,
                Step = row.Step,
                At = row.At,
                Kind = Enum.Parse<JournalEntryKind>(row.Kind),
            };
            using var payload = JsonDocument.Parse(row.Payload);
            entry = entry.Kind switch
            {
                JournalEntryKind.ModelTurn => entry with
                {
                    ModelText = payload.RootElement.GetProperty("modelText").GetString(),
                    ModelTurnFormat = payload.RootElement.TryGetProperty("format", out var format) ? format.GetString() : null,
                },
                JournalEntryKind.ToolCall => entry with { ToolCall = payload.Deserialize<JournaledToolCall>(Json) },
                JournalEntryKind.ApprovalRequested => entry with { ApprovalRequest = payload.Deserialize<JournaledApprovalRequest>(Json) },
                JournalEntryKind.Decision => entry with { Decision = payload.Deserialize<JournaledDecision>(Json) },
                _ => entry with { Completed = payload.Deserialize<JournaledStep>(Json) },
            };
            return entry.ModelText is not null || entry.ToolCall is not null || entry.Completed is not null || entry.ApprovalRequest is not null || entry.Decision is not null
                ? entry
                : throw new CheckpointCorruptException($"Entry {row.Sequence} of session '{sessionId}' has no content. Nothing was changed.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointCorruptException($"Entry {row.Sequence} of session '{sessionId}' cannot be read ({e.Message}). Nothing was changed.", e);
        }
    }

    // Over the fields every store keeps exactly; At is left out because stores keep time at different precisions.
    private static string Checksum(long sequence, int step, string kind, string payload) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{sequence}\n{step}\n{kind}\n{payload}"))));

    private static ArgumentException Missing(JournalEntry entry, string member) =>
        new($"A {entry.Kind} journal entry needs {member}.", nameof(entry));
}
