using BenchmarkDotNet.Running;
using CodeActSdk.Benchmarks.Harness;
using CodeActSdk.Benchmarks.Suites;

namespace CodeActSdk.Benchmarks;

/// <summary>
/// Entry point. <c>harness [figure...] [--n N]</c> runs the hand-written measurements (warm-pool and cold session
/// creation, memory per session, agent-loop overhead); <c>bdn [BenchmarkDotNet arguments]</c> runs the
/// BenchmarkDotNet suites (executions, the tool bridge, cold creation, the call preview of a 50-line step in JavaScript
/// and C#, and baselines: bare Jint, a bare thread hop).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage();
            return args.Length == 0 ? 1 : 0;
        }

        switch (args[0])
        {
            case "harness":
                return await HarnessRunner.RunAsync(args[1..]).ConfigureAwait(false);
            case "bdn":
                var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..], ShortConfig.Create()).ToList();
                DerivedFigures.Print(summaries);
                return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
            default:
                Console.Error.WriteLine($"Unknown command '{args[0]}'.");
                PrintUsage();
                return 1;
        }
    }

    private static void PrintUsage()
    {
        Console.WriteLine("""
            Usage:
              dotnet run -c Release --project benchmarks/CodeActSdk.Benchmarks -- harness [FIGURE...] [--n N]
                  FIGURE: pool, sustained, cold, memory, agent (default: all of them), or execute (extra, not in the
                  default set: figures 2 and 3 awaited in an async loop, as an application calls), churn (extra: an
                  allocating execution next to 1,000 live sessions), memory-policies,
                  journal-sqlite / journal-postgres (extra: 1,000 journal appends, then reading them back; PostgreSQL
                  needs CODEACT_POSTGRES), resume (extra: a 100-step session run plain, run durably and resumed),
                  approval (extra: a durable session suspended at a call that needs approval, and resumed with it),
                  context (extra: the prompt with 200 tools with and without tool search; knowledge search latency),
                  delegation (extra: what a sub-agent call costs beyond the sub-agent's own steps)
                  or isolation (extra: sessions in worker processes against in-process, for jint, v8 and csharp;
                  V8 needs nothing more), hostile (extra: how far past
                  a 2 s time limit hostile scripts are stopped, and how), parse (extra: parse cost at the source cap) or
                  compile-cost (extra: C# compile time at each compile-cost limit, and how fast code past it is refused),
                  parse-failures (extra: parse failures per 1,000 model answers of benchmarks/corpus for each code format);
                  N samples (default 200).
              dotnet run -c Release --project benchmarks/CodeActSdk.Benchmarks -- bdn --filter '*'
                  Any BenchmarkDotNet argument works after 'bdn', e.g. --filter '*ToolBridge*', --filter '*CallPreview*' or --list flat.
            """);
    }
}
