using BenchmarkDotNet.Attributes;
using CodeActSdk.Jint;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// Figure 1b: cold session creation (WarmEngines = 0, so every session builds its engine on the caller's thread).
/// The warm-pool figure (1a) cannot be a tight loop, which drains the pool: the harness measures it.
/// </summary>
public class SessionCreationBenchmarks
{
    private readonly SandboxOptions _options = new();
    private JintInterpreter _cold = null!;

    [GlobalSetup]
    public void Setup() => _cold = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });

    [GlobalCleanup]
    public void Cleanup() => _cold.Dispose();

    /// <summary>Creates a session and disposes it (disposal only drops the engine: well under a microsecond).</summary>
    [Benchmark(Description = "Cold CreateSessionAsync + DisposeAsync (WarmEngines = 0)")]
    public async Task ColdCreate()
    {
        var session = await _cold.CreateSessionAsync(_options).ConfigureAwait(false);
        await session.DisposeAsync().ConfigureAwait(false);
    }
}
