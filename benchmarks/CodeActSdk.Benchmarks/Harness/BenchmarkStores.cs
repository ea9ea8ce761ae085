using CodeActSdk.Postgres;
using CodeActSdk.Sqlite;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>The checkpoint stores a durability figure is measured on: SQLite in a temporary folder always, PostgreSQL when <c>CODEACT_POSTGRES</c> is set.</summary>
public static class BenchmarkStores
{
    /// <summary>Runs <paramref name="measure"/> with each store's name and a way to open it; <paramref name="figure"/> labels the note when PostgreSQL is skipped.</summary>
    public static async Task EachAsync(string figure, Func<string, Func<ICheckpointStore>, Task> measure)
    {
        var folder = Directory.CreateTempSubdirectory($"codeact-{figure}-bench-").FullName;
        try
        {
            await measure("SQLite", () => new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"))).ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("CODEACT_POSTGRES") is { Length: > 0 } connection)
            {
                await measure("PostgreSQL", () => new PostgresCheckpointStore(connection)).ConfigureAwait(false);
            }
            else
            {
                Console.WriteLine($"[{figure}] PostgreSQL skipped: set CODEACT_POSTGRES (tests/provide-postgres.sh prints one).");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
