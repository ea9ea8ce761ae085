using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CodeActSdk;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

// A 50-step scripted session, run twice: once with the default memory policy (keep everything) and once with the
// tiered policy (summary + compact recent steps + the latest step in full). A meter between the agent and the model
// records the size of every prompt, so the two runs can be compared step by step. No model endpoint is needed: the
// model is a ScriptedChatClient and the summariser a deterministic stand-in.
const int Steps = 50;
const string TaskText = "Add the numbers from 1 to 48, reporting progress as you go, and give the total.";

var keepAll = await RunAsync(codeAct => { });
var summarizer = new StandInSummarizer();
var tiered = await RunAsync(codeAct => codeAct.UseTieredMemory(summarizer));

Console.WriteLine($"{"step",4}  {"KeepAll chars",13} {"~tokens",8}  {"Tiered chars",12} {"~tokens",8}  {"tiered/keepAll",14}");
for (var i = 0; i < Steps; i++)
{
    var (allChars, allTokens) = keepAll.Prompts[i];
    var (tieredChars, tieredTokens) = tiered.Prompts[i];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{i + 1,4}  {allChars,13:N0} {allTokens,8:N0}  {tieredChars,12:N0} {tieredTokens,8:N0}  {(double)tieredTokens / allTokens,14:P0}"));
}

Console.WriteLine();
Console.WriteLine($"KeepAll: {keepAll.Result.Outcome}, answer {keepAll.Result.FinalAnswerText}, {keepAll.Prompts.Sum(p => p.Tokens):N0} prompt tokens in all");
Console.WriteLine($"Tiered:  {tiered.Result.Outcome}, answer {tiered.Result.FinalAnswerText}, {tiered.Prompts.Sum(p => p.Tokens):N0} prompt tokens in all, {summarizer.Calls} summariser calls");

static async Task<(AgentResult Result, IReadOnlyList<(int Chars, int Tokens)> Prompts)> RunAsync(Action<CodeActBuilder> chooseMemory)
{
    var meter = new PromptMeter(new ScriptedChatClient(Turns()));
    await using var services = new ServiceCollection()
        .AddCodeAct(codeAct =>
        {
            codeAct.UseJint().UseChatClient(meter).Configure(options => options.MaxSteps = Steps);
            chooseMemory(codeAct);
        })
        .BuildServiceProvider();
    var result = await services.GetRequiredService<CodeActAgent>().RunAsync(TaskText);
    return (result, meter.Prompts);
}

// Step 1 starts the total, steps 2-49 each add one number (1 to 48) and print a progress report, step 50 answers.
static IEnumerable<string> Turns()
{
    yield return "I start with an empty total.\n```js\nlet total = 0;\nconst log = [];\nconsole.log('total is', total);\n```";
    for (var step = 2; step < Steps; step++)
    {
        var n = step - 1;
        yield return string.Create(CultureInfo.InvariantCulture, $$"""
            Step {{step}}: I add {{n}} to the total and print a progress report.
            ```js
            total += {{n}};
            log.push({ added: {{n}}, total });
            for (let line = 1; line <= 12; line++) {
              console.log(`report {{step}}.${line}: added {{n}}, total ${total}, entries ${log.length}`);
            }
            ```
            """);
    }

    yield return "All numbers are added.\n```js\nfinal_answer(total);\n```";
}

/// <summary>Passes every call through to the model and records the size of the prompt it was sent.</summary>
internal sealed class PromptMeter(IChatClient model) : DelegatingChatClient(model)
{
    private readonly List<(int Chars, int Tokens)> _prompts = [];

    public IReadOnlyList<(int Chars, int Tokens)> Prompts => _prompts;

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var sent = messages.ToList();
        lock (_prompts)
        {
            _prompts.Add((sent.Sum(m => m.Text.Length), TokenEstimator.Default.Estimate(sent)));
        }

        return base.GetResponseAsync(sent, options, cancellationToken);
    }
}

/// <summary>
/// Stands in for a small summarising model, deterministically: it reads which steps it is asked to cover and what
/// the newest of them added, and answers with one short paragraph.
/// </summary>
internal sealed partial class StandInSummarizer : IChatClient
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var prompt = messages.Last().Text;
        var covered = CoveredPattern().Match(prompt).Groups[1].Value;
        var added = AddedPattern().Matches(prompt) is { Count: > 0 } matches ? matches[^1].Groups[1].Value : "nothing";
        var summary = $"Steps 1-{covered}: the agent set up `total` and `log`, then added one number per step, printing a 12-line report each time; the last number added was {added}. No errors so far.";
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, summary)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    [GeneratedRegex(@"summary of steps 1-(\d+)\.")]
    private static partial Regex CoveredPattern();

    [GeneratedRegex(@"I add (\d+) to the total")]
    private static partial Regex AddedPattern();
}
