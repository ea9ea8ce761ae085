namespace CodeActSdk.Postgres;

/// <summary>The tables the store keeps its journals in, and the statement that creates them.</summary>
internal static class PostgresSchema
{
    /// <summary>One row per session: what <see cref="CheckpointSession"/> lists, and its lease.</summary>
    /// <remarks>Prefixed so that a host's own <c>sessions</c> table in the same schema is never mistaken for ours.</remarks>
    public const string Sessions = "codeact_sessions";

    /// <summary>One row per journal entry, as <see cref="JournalCodec.Encode"/> produced it.</summary>
    public const string Entries = "codeact_entries";

    /// <summary>
    /// The key of the transaction-scoped advisory lock taken around the creation, so that two hosts starting at once
    /// do not race (<c>CREATE TABLE IF NOT EXISTS</c> alone can fail with a duplicate-type error when they do).
    /// </summary>
    public const long CreationLockKey = 0x436F_6465_4163_7401; // "CodeAct" and 1

    /// <summary>Idempotent: creates whatever is missing in the first schema of the connection's search path.</summary>
    public const string Create = $"""
        CREATE TABLE IF NOT EXISTS {Sessions} (
            id             text        PRIMARY KEY,
            task           text        NOT NULL,
            language       text        NOT NULL,
            created        timestamptz NOT NULL,
            updated        timestamptz NOT NULL,
            entries        bigint      NOT NULL DEFAULT 0,
            finished       boolean     NOT NULL DEFAULT false,
            format_version integer     NOT NULL,
            lease_holder   text        NULL,
            lease_expires  timestamptz NULL
        );
        CREATE INDEX IF NOT EXISTS {Sessions}_updated ON {Sessions} (updated);
        CREATE TABLE IF NOT EXISTS {Entries} (
            session_id text        NOT NULL REFERENCES {Sessions} (id) ON DELETE CASCADE,
            seq        bigint      NOT NULL,
            step       integer     NOT NULL,
            kind       text        NOT NULL,
            payload    text        NOT NULL,
            checksum   text        NOT NULL,
            at         timestamptz NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        """;
}
