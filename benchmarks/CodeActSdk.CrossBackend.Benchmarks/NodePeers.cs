using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>The medians that <c>benchmarks/peers/peers.mjs</c> reported for the peer sandboxes.</summary>
/// <param name="Medians">Median milliseconds per peer (<c>vm</c>, <c>quickjs</c>) and workload.</param>
/// <param name="VmLoopInFunction">node:vm's median for the loop with function-local variables.</param>
/// <param name="Versions">node, its V8 and quickjs-emscripten, as one line.</param>
/// <param name="SameScripts">Whether peers.mjs ran the very JavaScript text that Jint and V8 ran.</param>
internal sealed record PeerReport(
    IReadOnlyDictionary<string, IReadOnlyDictionary<Workload, double>> Medians,
    double VmLoopInFunction,
    string Versions,
    bool SameScripts);

/// <summary>Runs <c>node benchmarks/peers/peers.mjs N</c> as a child process and reads its JSON report.</summary>
internal static class NodePeers
{
    /// <summary>The peer sandboxes, in table order.</summary>
    public static readonly IReadOnlyList<string> Names = ["vm", "quickjs"];

    private const string Fix = "npm ci --prefix benchmarks/peers";

    /// <summary>
    /// The peers' medians, or <see langword="null"/> after printing one line that says why they could not be measured
    /// and how to fix it.
    /// </summary>
    /// <param name="computeRuns">Timed runs of each compute workload, passed to peers.mjs as N.</param>
    public static async Task<PeerReport?> RunAsync(int computeRuns)
    {
        var root = Machine.RepositoryRoot();
        if (root is null)
        {
            Console.WriteLine($"peers: skipped, CodeActSdk.sln was not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}; run the harness from the repository.");
            return null;
        }

        var folder = Path.Combine(root, "benchmarks", "peers");
        if (await ProblemAsync(folder) is { } problem)
        {
            Console.WriteLine($"peers: skipped, {problem}");
            return null;
        }

        Console.Error.WriteLine("... running node benchmarks/peers/peers.mjs");
        var (exitCode, output, error) = await RunAsync("node", folder, Path.Combine(folder, "peers.mjs"), computeRuns.ToString(CultureInfo.InvariantCulture));
        if (exitCode != 0)
        {
            var firstLine = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "no message";
            Console.WriteLine(Stats.Invariant($"peers: skipped, peers.mjs failed with exit code {exitCode} ({firstLine.Trim()}); if a package is missing, run `{Fix}`."));
            return null;
        }

        return Parse(output);
    }

    /// <summary>Why peers.mjs cannot run here, with the fix; <see langword="null"/> when it can.</summary>
    private static async Task<string?> ProblemAsync(string folder)
    {
        if (await NodeVersionAsync() is null)
        {
            return $"node was not found on PATH; install Node.js 18 or later, then run `{Fix}` from the repository root.";
        }

        return File.Exists(Path.Combine(folder, "node_modules", "quickjs-emscripten", "package.json"))
            ? null
            : $"the npm packages of benchmarks/peers are not installed; run `{Fix}` from the repository root.";
    }

    private static PeerReport Parse(string output)
    {
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        var medians = Names.ToDictionary(
            name => name,
            name => (IReadOnlyDictionary<Workload, double>)Workloads.All.ToDictionary(w => w, w => root.GetProperty(name).GetProperty(Workloads.Key(w)).GetDouble()));
        var meta = root.GetProperty("meta");
        var scripts = meta.GetProperty("scripts");
        var same = Workloads.All.All(w => scripts.GetProperty(Workloads.Key(w)).GetString() == Workloads.JavaScript(w));
        var versions = $"node {meta.GetProperty("node").GetString()} (V8 {meta.GetProperty("v8").GetString()}), quickjs-emscripten {meta.GetProperty("quickjsEmscripten").GetString()}";
        return new PeerReport(medians, root.GetProperty("vm").GetProperty("loopInFunction").GetDouble(), versions, same);
    }

    private static async Task<string?> NodeVersionAsync()
    {
        try
        {
            var (exitCode, output, _) = await RunAsync("node", Environment.CurrentDirectory, "--version");
            return exitCode == 0 ? output.Trim() : null;
        }
        catch (Win32Exception)
        {
            return null; // not on PATH
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
