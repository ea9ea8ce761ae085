using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// The BenchmarkDotNet configuration of every suite: one launch, 5 warm-up and 15 measured iterations (a "short"
/// job that keeps the whole run to a few minutes on 2 cores while giving a median over 15 iterations, not 3),
/// the allocation column, and the median and p95 columns next to the mean.
/// </summary>
public static class ShortConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(15)
            .WithId("Short15"))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(StatisticColumn.Median, StatisticColumn.P95)
        .WithOptions(ConfigOptions.JoinSummary)
        .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
}
