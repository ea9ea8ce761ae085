using BenchmarkDotNet.Attributes;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Suites;

/// <summary>
/// Issue #22's figure: what the static call preview costs for a realistic 50-line step, written the way a model writes
/// it (tool calls in loops and callbacks, object-literal arguments, template literals; LINQ in C#). Targets: at most
/// 1 ms for JavaScript, at most 5 ms for C#. The previewers come from the interpreters' <c>GetService</c>, as a
/// reviewer gets them; the C# previewer's tools submission is compiled in the setup (it is cached per tool set), so
/// the figure is the steady cost of one step: parse, bind and walk.
/// </summary>
[MemoryDiagnoser]
public class CallPreviewBenchmarks
{
    internal const string JavaScriptStep = """
        // Compare this quarter's prices with the watch list and alert on the movers.
        const watchList = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA"];
        const thresholds = { AAPL: 0.03, MSFT: 0.025, NVDA: 0.05, AMZN: 0.04, GOOG: 0.03, META: 0.045, TSLA: 0.06 };
        const quotes = [];
        for (const symbol of watchList) {
          const now = get_price({ symbol, currency: "USD" });
          const before = get_price({ symbol, currency: "USD", daysAgo: 90 });
          quotes.push({ symbol, now, before, change: (now - before) / before });
        }

        const movers = quotes
          .filter(q => Math.abs(q.change) >= (thresholds[q.symbol] ?? 0.05))
          .sort((a, b) => Math.abs(b.change) - Math.abs(a.change));

        function describe(q) {
          const direction = q.change > 0 ? "up" : "down";
          return `${q.symbol} is ${direction} ${(Math.abs(q.change) * 100).toFixed(1)}% (${q.before.toFixed(2)} → ${q.now.toFixed(2)})`;
        }

        const news = {};
        for (const q of movers.slice(0, 3)) {
          const hits = search({ query: `${q.symbol} stock news`, limit: 5 });
          news[q.symbol] = hits.map(h => h.title);
        }

        let report = "Quarterly movers\n\n";
        for (const q of movers) {
          report += "- " + describe(q) + "\n";
          if (news[q.symbol]) {
            for (const title of news[q.symbol]) {
              report += "    * " + title + "\n";
            }
          }
        }

        if (movers.length > 0) {
          send_email({ to: "desk@example.com", subject: `Quarterly movers: ${movers.length}`, body: report });
        } else {
          console.log("No movers this quarter.");
        }

        const summary = {
          checked: watchList.length,
          movers: movers.map(m => m.symbol),
          biggest: movers[0]?.symbol ?? null,
        };
        console.log(JSON.stringify(summary));
        files.writeText("out/movers.md", report);
        final_answer(summary);
        """;

    internal const string CSharpStep = """
        // Compare this quarter's prices with the watch list and alert on the movers.
        var watchList = new[] { "AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA" };
        var thresholds = new Dictionary<string, double>
        {
            ["AAPL"] = 0.03, ["MSFT"] = 0.025, ["NVDA"] = 0.05, ["AMZN"] = 0.04,
            ["GOOG"] = 0.03, ["META"] = 0.045, ["TSLA"] = 0.06,
        };
        var quotes = new List<Quote>();
        foreach (var symbol in watchList)
        {
            var now = tools.GetPrice(symbol, "USD");
            var before = tools.GetPrice(symbol, "USD", daysAgo: 90);
            quotes.Add(new Quote(symbol, now, before, (now - before) / before));
        }

        var movers = quotes
            .Where(q => Math.Abs(q.Change) >= thresholds.GetValueOrDefault(q.Symbol, 0.05))
            .OrderByDescending(q => Math.Abs(q.Change))
            .ToList();

        string Describe(Quote q)
        {
            var direction = q.Change > 0 ? "up" : "down";
            return $"{q.Symbol} is {direction} {Math.Abs(q.Change) * 100:F1}% ({q.Before:F2} → {q.Now:F2})";
        }

        var news = new Dictionary<string, List<string>>();
        foreach (var q in movers.Take(3))
        {
            var hits = tools.Search($"{q.Symbol} stock news", limit: 5);
            news[q.Symbol] = hits.AsArray().Select(h => (string)h!["title"]!).ToList();
        }

        var report = new StringBuilder("Quarterly movers\n\n");
        foreach (var q in movers)
        {
            report.AppendLine("- " + Describe(q));
            if (news.TryGetValue(q.Symbol, out var titles))
            {
                foreach (var title in titles)
                    report.AppendLine("    * " + title);
            }
        }

        if (movers.Count > 0)
            tools.SendEmail("desk@example.com", $"Quarterly movers: {movers.Count}", report.ToString());
        else
            Console.WriteLine("No movers this quarter.");

        var summary = new { Checked = watchList.Length, Movers = movers.Select(m => m.Symbol).ToArray(), Biggest = movers.FirstOrDefault()?.Symbol };
        Console.WriteLine(JsonSerializer.Serialize(summary));
        final_answer(summary);
        record Quote(string Symbol, double Now, double Before, double Change);
        """;

    private static readonly AIFunction[] Tools =
    [
        AIFunctionFactory.Create((string symbol, string currency, int? daysAgo) => 100.0, "get_price", "The price of a stock."),
        AIFunctionFactory.Create((string query, int? limit) => Array.Empty<string>(), "search", "Searches the web."),
        AIFunctionFactory.Create((string to, string subject, string body) => true, "send_email", "Sends an email."),
    ];

    private JintInterpreter _jint = null!;
    private RoslynInterpreter _roslyn = null!;
    private ICallPreviewer _javaScript = null!;
    private ICallPreviewer _csharp = null!;

    [GlobalSetup]
    public void Setup()
    {
        _jint = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });
        _roslyn = new RoslynInterpreter();
        _javaScript = _jint.GetService<ICallPreviewer>()!;
        _csharp = _roslyn.GetService<ICallPreviewer>()!;
        Check(_javaScript.Preview(JavaScriptStep, Tools), "JavaScript", calls: 4);
        Check(_csharp.Preview(CSharpStep, Tools), "C#", calls: 4);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _jint.Dispose();
        _roslyn.Dispose();
    }

    [Benchmark(Description = "Preview a 50-line JavaScript step")]
    public CallPreview JavaScript() => _javaScript.Preview(JavaScriptStep, Tools);

    [Benchmark(Description = "Preview a 50-line C# step")]
    public CallPreview CSharp() => _csharp.Preview(CSharpStep, Tools);

    private static void Check(CallPreview preview, string language, int calls)
    {
        if (preview.SyntaxError is not null || preview.Calls.Count != calls || !preview.IsComplete)
        {
            throw new InvalidOperationException(
                $"Setup check failed for the {language} step: {preview.Calls.Count} calls (expected {calls}), {preview.Dynamic.Count} dynamic reaches ({string.Join("; ", preview.Dynamic.Select(d => d.Reason))}), syntax error: {preview.SyntaxError?.Message ?? "none"}.");
        }
    }
}
