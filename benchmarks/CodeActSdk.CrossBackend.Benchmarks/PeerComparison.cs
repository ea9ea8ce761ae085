namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>
/// The <c>peers</c> mode: the three workloads on our backends, then on node:vm and quickjs-emscripten (through
/// <see cref="NodePeers"/>), printed as one table of medians with the ratios of our backends to each peer.
/// </summary>
internal static class PeerComparison
{
    /// <summary>Measures and prints the table.</summary>
    /// <param name="backends">Our backends that run here.</param>
    /// <param name="computeRuns">Timed executions of each compute script, on every engine.</param>
    public static async Task RunAsync(IReadOnlyList<Backend> backends, int computeRuns)
    {
        Console.WriteLine();
        Console.WriteLine(Stats.Invariant(
            $"## peers: median ms; session start over {BackendTimings.StartRuns} starts (after {BackendTimings.StartWarmUp}, {BackendTimings.StartPause.TotalMilliseconds:0} ms apart), compute scripts over {computeRuns} runs in one session (after {BackendTimings.ComputeWarmUp.TotalSeconds:0.#} s of untimed runs, at least one)"));
        var ours = new Dictionary<string, IReadOnlyDictionary<Workload, double>>();
        foreach (var backend in backends)
        {
            Console.Error.WriteLine($"... timing {backend.Name}");
            ours[backend.Name] = await BackendTimings.MeasureAsync(backend, computeRuns);
        }

        var peers = await NodePeers.RunAsync(computeRuns);
        PrintTable(ours, peers);
        PrintNotes(peers);
    }

    private static void PrintTable(IReadOnlyDictionary<string, IReadOnlyDictionary<Workload, double>> ours, PeerReport? peers)
    {
        var ratioColumns = NodePeers.Names.SelectMany(peer => Backend.AllNames.Select(backend => (Backend: backend, Peer: peer))).ToList();
        var header = new[] { "workload" }.Concat(NodePeers.Names).Concat(Backend.AllNames).Concat(ratioColumns.Select(c => $"{c.Backend}/{c.Peer}")).ToList();
        Console.WriteLine("| " + string.Join(" | ", header) + " |");
        Console.WriteLine("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (var workload in Workloads.All)
        {
            double Median(string engine) =>
                (ours.TryGetValue(engine, out var figures) ? figures : peers?.Medians.GetValueOrDefault(engine))?.GetValueOrDefault(workload, double.NaN) ?? double.NaN;

            var cells = new[] { Workloads.Label(workload) }
                .Concat(NodePeers.Names.Concat(Backend.AllNames).Select(engine => Stats.Milliseconds(Median(engine))))
                .Concat(ratioColumns.Select(c => Stats.Ratio(Median(c.Backend), Median(c.Peer))));
            Console.WriteLine("| " + string.Join(" | ", cells) + " |");
        }
    }

    private static void PrintNotes(PeerReport? peers)
    {
        Console.WriteLine();
        Console.WriteLine("Ratios: our backend's median / the peer's median (below 1× means faster than the peer). n/a: not measured here.");
        if (peers is null)
        {
            return;
        }

        Console.WriteLine($"Peers: {peers.Versions}; vm = vm.createContext({{}}) + new vm.Script(code).runInContext(ctx); quickjs = QuickJS.newContext() + evalCode, from one loaded WebAssembly module.");
        Console.WriteLine(Stats.Invariant(
            $"node:vm with the loop inside an arrow function instead of a block: {Stats.Milliseconds(peers.VmLoopInFunction)} ms (kept for comparison with the earlier ES5 figures, whose top-level vars lived on the contextified global, reached through interceptors)."));
        if (!peers.SameScripts)
        {
            Console.WriteLine("WARNING: peers.mjs ran JavaScript that differs from this harness's copy; update one to match the other.");
        }
    }
}
