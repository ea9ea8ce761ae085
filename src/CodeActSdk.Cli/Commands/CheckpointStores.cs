using System.CommandLine;
using CodeActSdk.Postgres;
using CodeActSdk.Sqlite;

namespace CodeActSdk.Cli.Commands;

/// <summary>
/// <c>--store PATH|CONNECTION</c>: where durable sessions are journaled. A PostgreSQL connection string
/// (<c>Host=…;Database=…</c>) shares sessions across hosts; anything else is the path of a SQLite file, by default
/// <c>.codeact/sessions.db</c> under the current folder.
/// </summary>
internal static class CheckpointStores
{
    /// <summary>The SQLite file used when no --store is given.</summary>
    public static readonly string DefaultPath = Path.Combine(".codeact", "sessions.db");

    public static Option<string?> Option() => new("--store")
    {
        Description = $"Where durable sessions are journaled: a SQLite file (default {DefaultPath}) or a PostgreSQL connection string (Host=...;Database=...;Username=...).",
        HelpName = "PATH|CONNECTION",
    };

    /// <summary>Opens the store <paramref name="value"/> names; the default folder is created when missing.</summary>
    public static ICheckpointStore Open(string? value)
    {
        if (value is not null && IsPostgres(value))
        {
            return new PostgresCheckpointStore(value);
        }

        var path = value ?? DefaultPath;
        if (value is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }

        return new SqliteCheckpointStore(path);
    }

    /// <summary>The store for people to read: the SQLite path, or "PostgreSQL" (a connection string may hold a password).</summary>
    public static string Describe(string? value) => value is null ? DefaultPath : IsPostgres(value) ? "PostgreSQL" : value;

    /// <summary>Closes a store from <see cref="Open"/>.</summary>
    public static async ValueTask CloseAsync(ICheckpointStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    private static bool IsPostgres(string value) => value.Contains("Host=", StringComparison.OrdinalIgnoreCase);
}
