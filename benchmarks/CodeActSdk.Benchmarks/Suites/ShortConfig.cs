using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// The BenchmarkDotNet configuration of every suite: two launches (separate processes), each with 5 warm-up and
/// 15 measured iterations. It is a "short" job that keeps the whole run to about 6 minutes on 2 cores, yet its
/// median is over 30 iterations from two processes: the executions reach different steady states from one process
/// to the next (JIT tiering), so one launch alone can be off by a third. Also the allocation column, and the median
/// and p95 columns next to the mean.
/// </summary>
public static class ShortConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithLaunchCount(2)
            .WithWarmupCount(5)
            .WithIterationCount(15)
            .WithId("Short2x15"))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(StatisticColumn.Median, StatisticColumn.P95)
        .WithOptions(ConfigOptions.JoinSummary)
        .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
}
