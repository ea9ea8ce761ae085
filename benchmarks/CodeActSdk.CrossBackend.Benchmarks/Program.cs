using System.Diagnostics;
using System.Globalization;

namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>
/// <c>[all|peers|scaling] [--n N]</c>: CodeActSdk's backends (Jint, V8, C#) side by side and against Node.js peer
/// sandboxes. <c>peers</c> times session start and two compute-heavy scripts on our backends and, through
/// <c>node benchmarks/peers/peers.mjs</c>, on node:vm and quickjs-emscripten; <c>scaling</c> measures throughput under
/// concurrency and memory per idle session; <c>all</c> (the default) runs both. <c>--n</c> sets the timed runs of
/// each compute script (default 5). Tables go to standard output, progress to standard error.
/// </summary>
public static class Program
{
    private const int DefaultComputeRuns = 5;

    /// <summary>Runs the chosen mode; returns 2 on a usage error.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (!TryParse(args, out var mode, out var computeRuns))
        {
            Console.Error.WriteLine("usage: [all|peers|scaling] [--n N]   (N: timed runs of each compute script, default 5)");
            return 2;
        }

        var watch = Stopwatch.StartNew();
        Console.WriteLine(Machine.Describe());
        var backends = Backend.Available();
        if (mode is "all" or "peers")
        {
            await PeerComparison.RunAsync(backends, computeRuns);
        }

        if (mode is "all" or "scaling")
        {
            await Scaling.RunAsync(backends);
        }

        Console.WriteLine();
        Console.WriteLine(Stats.Invariant($"done in {watch.Elapsed.TotalSeconds:0} s"));
        return 0;
    }

    private static bool TryParse(string[] args, out string mode, out int computeRuns)
    {
        mode = "all";
        computeRuns = DefaultComputeRuns;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--n")
            {
                if (i + 1 >= args.Length || !int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out computeRuns) || computeRuns < 1)
                {
                    return false;
                }
            }
            else if (args[i] is "all" or "peers" or "scaling")
            {
                mode = args[i];
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
