using CodeActSdk;
using CodeActSdk.Jint;
using CodeActSdk.OpenAI;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

// Files in, files out: the user's CSV is mounted read-only as data/, the agent computes a month-over-month table,
// and the table and a Vega-Lite chart come back as artifacts, which this program saves to a folder.
// The model is an OpenAI-compatible endpoint when OPENAI_BASE_URL / OPENAI_API_KEY / CODEACT_MODEL are set,
// otherwise a scripted stand-in that replays two fixed answers, so that the sample runs anywhere.
var endpoint = OpenAIEndpointOptions.FromEnvironment();
IChatClient model = endpoint.IsConfigured
    ? new OpenAIChatClient(endpoint)
    : new ScriptedChatClient([
        """
        ```js
        const rows = files.readCsv('data/sales.csv');
        console.log(`${rows.length} rows; columns: ${Object.keys(rows[0]).join(', ')}`);
        console.log(JSON.stringify(rows[0]));
        ```
        """,
        """
        ```js
        const revenueByMonth = new Map();
        for (const { date, amount } of rows) {
          const month = date.slice(0, 7);
          revenueByMonth.set(month, (revenueByMonth.get(month) ?? 0) + Number(amount));
        }
        const months = [...revenueByMonth.keys()].sort();
        const table = months.map((month, i) => {
          const revenue = revenueByMonth.get(month);
          const previous = i > 0 ? revenueByMonth.get(months[i - 1]) : null;
          return {
            month,
            revenue: Math.round(revenue * 100) / 100,
            change_pct: previous === null ? null : Math.round(((revenue - previous) / previous) * 1000) / 10,
          };
        });
        files.writeCsv('out/month-over-month.csv', table);
        files.writeJson('out/revenue.vl.json', {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
          description: 'Revenue per month',
          data: { values: table },
          mark: 'bar',
          encoding: {
            x: { field: 'month', type: 'ordinal', title: 'Month' },
            y: { field: 'revenue', type: 'quantitative', title: 'Revenue' },
          },
        });
        final_answer(table);
        ```
        """,
    ]);

var sandbox = new SandboxOptions
{
    Files = new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", Path.Combine(AppContext.BaseDirectory, "data"))] },
};
using var agent = new CodeActAgent(new JintInterpreter(), new ChatClientCodeGenerator(model), new CodeActOptions { Sandbox = sandbox });

var result = await agent.RunAsync("Here are my sales (data/sales.csv). How did revenue change month over month? Give me the table and a chart.");
Console.WriteLine(result.Succeeded ? $"Answer: {result.FinalAnswerText}" : $"No answer; last observation: {result.LastObservation}");

var folder = Path.Combine(Path.GetTempPath(), "codeact-month-over-month");
Directory.CreateDirectory(folder);
foreach (var artifact in result.Artifacts)
{
    var target = Path.Combine(folder, artifact.Name);
    await File.WriteAllBytesAsync(target, artifact.Content);
    Console.WriteLine($"artifact: {artifact.Path} ({artifact.MediaType}, {artifact.Size} bytes) saved to {target}");
}

if (result.Artifacts.FirstOrDefault(a => a.MediaType == "text/csv") is { } table)
{
    Console.WriteLine();
    Console.Write(table.ReadText());
}
