using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// The memory policies over a 200-step synthetic session: the prompt each one sends (characters and estimated
/// tokens, by <see cref="TokenEstimator.Default"/>) and the cost of one <c>ReduceAsync</c> call. The session is built
/// as a history directly (the agent's system prompt for Jint, then per step a model answer and an observation), so
/// that only the policy is measured; the summariser is an instant stand-in, so the tiered and summarising costs
/// exclude the summariser's own latency (one model call per step that leaves the window, in a real host).
/// </summary>
public static class MemoryPolicyFigures
{
    private const int Steps = 200;
    private const string Task = "Reconcile the 200 daily ledger files against the bank statements and list every mismatch with its amount.";

    public static async Task RunAsync(int n)
    {
        var repetitions = Math.Max(2, n / 10);
        var session = SyntheticSession.Create(SystemPrompt());
        Console.WriteLine($"[memory-policies] Memory policies over a {Steps}-step synthetic session ({session.Describe()}); cost over {repetitions} runs of the session, after one warm-up run");

        var policies = new (string Name, Func<StandInSummarizer, IChatReducer> Create)[]
        {
            ("KeepAll", _ => KeepAllMemoryPolicy.Instance),
            ("SlidingWindow(5)", _ => new SlidingWindowMemoryPolicy(5)),
            ("Tiered (defaults)", s => new TieredMemoryPolicy(s)),
            ("TokenBudget(8000)", _ => new TokenBudgetMemoryPolicy(8000)),
            ("TokenBudget(8000)+sum", s => new TokenBudgetMemoryPolicy(new TokenBudgetMemoryOptions { MaxPromptTokens = 8000 }, s)),
        };

        Console.WriteLine($"     {"policy",-22} {"max chars / ~tokens",21} {"step 50",17} {"step 100",17} {"step 200",17}   {"ReduceAsync per step",-46} summariser calls");
        foreach (var (name, create) in policies)
        {
            var summarizer = new StandInSummarizer();
            var policy = create(summarizer);
            var sizes = await RunSessionAsync(policy, session, timings: null).ConfigureAwait(false); // warm-up, and the sizes
            var callsPerRun = summarizer.Calls;
            var timings = new List<double>(repetitions * Steps);
            for (var i = 0; i < repetitions; i++)
            {
                await RunSessionAsync(policy, session, timings).ConfigureAwait(false);
            }

            var max = sizes.MaxBy(s => s.Tokens);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"     {name,-22} {Size(max),21} {Size(sizes[49]),17} {Size(sizes[99]),17} {Size(sizes[199]),17}   median {new Samples(timings).Median,8:0.0} µs  p95 {new Samples(timings).P95,8:0.0} µs   {callsPerRun,5}"));
        }
    }

    private static string Size((int Chars, int Tokens) size) => string.Create(CultureInfo.InvariantCulture, $"{size.Chars,8:N0} / {size.Tokens,6:N0}");

    /// <summary>Grows a fresh history step by step (new message objects: a new conversation) and applies the policy after each step.</summary>
    private static async Task<List<(int Chars, int Tokens)>> RunSessionAsync(IChatReducer policy, SyntheticSession session, List<double>? timings)
    {
        var history = new List<ChatMessage> { new(ChatRole.System, session.SystemPrompt), new(ChatRole.User, Task) };
        var sizes = new List<(int, int)>(Steps);
        for (var step = 0; step < Steps; step++)
        {
            history.Add(new ChatMessage(ChatRole.Assistant, session.ModelTexts[step]));
            history.Add(new ChatMessage(ChatRole.User, session.Observations[step]));
            var started = Stopwatch.GetTimestamp();
            var prompt = (await policy.ReduceAsync(history, CancellationToken.None).ConfigureAwait(false)).ToList();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            timings?.Add(elapsed);
            if (timings is null)
            {
                sizes.Add((prompt.Sum(m => m.Text.Length), TokenEstimator.Default.Estimate(prompt)));
            }
        }

        return sizes;
    }

    private static string SystemPrompt()
    {
        using var interpreter = new JintInterpreter(new JintInterpreterOptions { WarmEngines = 0 });
        using var agent = new CodeActAgent(interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(["-"])), new CodeActOptions());
        return agent.SystemPrompt;
    }

    /// <summary>
    /// The same deterministic session for every policy: answers of a few lines of prose and code, observations of 3
    /// to 60 lines, and on every 10th step a printed 2,000-character JSON payload (observations stay under the
    /// agent's default 4,000-character limit).
    /// </summary>
    private sealed class SyntheticSession
    {
        public required string SystemPrompt { get; init; }

        public required string[] ModelTexts { get; init; }

        public required string[] Observations { get; init; }

        public static SyntheticSession Create(string systemPrompt)
        {
            var random = new Random(20240501);
            var models = new string[Steps];
            var observations = new string[Steps];
            for (var step = 1; step <= Steps; step++)
            {
                models[step - 1] = string.Create(CultureInfo.InvariantCulture, $$"""
                    Step {{step}}: I load ledger {{step}} and compare it with the statement of the same day.
                    ```js
                    var ledger{{step}} = loadLedger({{step}});
                    var statement{{step}} = loadStatement({{step}});
                    var diff{{step}} = compare(ledger{{step}}, statement{{step}});
                    mismatches = mismatches.concat(diff{{step}});
                    console.log('day {{step}}: ' + ledger{{step}}.length + ' entries, ' + diff{{step}}.length + ' mismatches');
                    diff{{step}}.forEach(function (d) { console.log(JSON.stringify(d)); });
                    ```
                    """);
                var text = new StringBuilder("Observation:\n");
                var lines = random.Next(3, 61);
                text.Append(CultureInfo.InvariantCulture, $"day {step}: {random.Next(100, 900)} entries, {lines - 1} mismatches");
                for (var line = 1; line < lines; line++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"\n{{\"entry\":{random.Next(1, 900)},\"account\":\"ACC-{random.Next(1000, 9999)}\",\"amount\":{random.Next(1, 99999) / 100.0}}}");
                }

                if (step % 10 == 0)
                {
                    text.Append("\nValue: {\"payload\":\"").Append('x', 2000).Append("\"}");
                }

                observations[step - 1] = text.Length <= 4000 ? text.ToString() : text.ToString(0, 4000);
            }

            return new SyntheticSession { SystemPrompt = systemPrompt, ModelTexts = models, Observations = observations };
        }

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"system prompt {SystemPrompt.Length:N0} chars, answers ~{ModelTexts.Average(m => m.Length):N0} chars, observations ~{Observations.Average(o => o.Length):N0} chars (max {Observations.Max(o => o.Length):N0}), a 2,000-char payload every 10th step; sizes are the prompt sent after each step");
    }

    /// <summary>An instant, deterministic summariser: a fixed-size paragraph naming the steps it covers.</summary>
    private sealed class StandInSummarizer : IChatClient
    {
        private static readonly string Body = string.Concat(Enumerable.Repeat("Ledgers reconciled so far, with their mismatches kept in `mismatches`. ", 8));
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return System.Threading.Tasks.Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Body)));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
