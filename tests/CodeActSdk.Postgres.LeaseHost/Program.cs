using CodeActSdk;
using CodeActSdk.Postgres;

namespace CodeActSdk.Postgres.LeaseHost;

/// <summary>
/// <c>CodeActSdk.Postgres.LeaseHost CONNECTION-STRING SESSION-ID</c>: acquires a 30-second lease on the session as
/// <c>{machine}:{pid}</c>, prints <c>acquired</c> (or <c>refused: …</c> and exits with <see cref="RefusedExitCode"/>),
/// then holds it until a line (or the end) arrives on standard input, releases it, prints <c>released</c> and exits.
/// </summary>
public static class LeaseHostProgram
{
    public const int RefusedExitCode = 3;

    public static string HolderName => $"{Environment.MachineName}:{Environment.ProcessId}";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("Usage: CodeActSdk.Postgres.LeaseHost CONNECTION-STRING SESSION-ID");
            return 2;
        }

        await using var store = new PostgresCheckpointStore(args[0]);
        ICheckpointLease lease;
        try
        {
            lease = await store.AcquireLeaseAsync(args[1], HolderName, TimeSpan.FromSeconds(30));
        }
        catch (SessionLeasedException e)
        {
            Console.WriteLine($"refused: {e.Message}");
            return RefusedExitCode;
        }

        await using (lease)
        {
            Console.WriteLine("acquired");
            await Console.In.ReadLineAsync();
        }

        Console.WriteLine("released");
        return 0;
    }
}
