using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Memory;

/// <summary>
/// A summariser stand-in: answers <c>summary of steps 1-N for TASK</c> (read from the prompt the policy sends), or
/// does what <see cref="Respond"/> says, and records every call.
/// </summary>
internal sealed partial class FakeSummarizer : IChatClient
{
    private readonly Lock _lock = new();
    private readonly List<IReadOnlyList<ChatMessage>> _received = [];

    /// <summary>Replaces the default answer; may throw or wait for the cancellation token.</summary>
    public Func<IReadOnlyList<ChatMessage>, CancellationToken, Task<string>>? Respond { get; set; }

    public int Calls
    {
        get
        {
            lock (_lock)
            {
                return _received.Count;
            }
        }
    }

    public IReadOnlyList<IReadOnlyList<ChatMessage>> Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The prompt text of the last call.</summary>
    public string LastPrompt => Received[^1][^1].Text;

    public static string DefaultAnswer(IReadOnlyList<ChatMessage> messages)
    {
        var prompt = messages[^1].Text;
        var to = StepsPattern().Match(prompt).Groups[1].Value;
        var task = prompt.Split('\n')[1];
        return $"summary of steps 1-{to} for {task}";
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var sent = messages.ToList();
        lock (_lock)
        {
            _received.Add(sent);
        }

        var text = Respond is { } respond ? await respond(sent, cancellationToken) : DefaultAnswer(sent);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text));
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
    private static partial Regex StepsPattern();
}

/// <summary>Synthetic agent histories: the system prompt, the task, then per step the model's answer and an observation.</summary>
internal static class SyntheticSession
{
    public const string SystemPrompt = "You are a CodeAct agent. Write JavaScript in ```js blocks; call final_answer(value) when done.";

    public static string ModelText(int step) =>
        string.Create(CultureInfo.InvariantCulture, $"Step {step}: I add batch {step} to the running total.\n```js\nvar batch{step} = load({step});\ntotal += sum(batch{step});\nconsole.log('batch {step}', batch{step}.length, total);\n```");

    public static string Observation(int step, int lines) =>
        "Observation:\n" + string.Join('\n', Enumerable.Range(1, lines).Select(l => string.Create(CultureInfo.InvariantCulture, $"step {step} line {l}: value {step * 1000 + l}")));

    /// <summary>Appends step <paramref name="step"/> (1-based) to <paramref name="history"/>.</summary>
    public static void AddStep(List<ChatMessage> history, int step, int observationLines = 30)
    {
        history.Add(new ChatMessage(ChatRole.Assistant, ModelText(step)));
        history.Add(new ChatMessage(ChatRole.User, Observation(step, observationLines)));
    }

    public static List<ChatMessage> Start(string task = "Add up all 200 batches.") =>
    [
        new(ChatRole.System, SystemPrompt),
        new(ChatRole.User, task),
    ];

    public static List<ChatMessage> History(int steps, int observationLines = 30, string task = "Add up all 200 batches.")
    {
        var history = Start(task);
        for (var step = 1; step <= steps; step++)
        {
            AddStep(history, step, observationLines);
        }

        return history;
    }

    public static int Chars(IEnumerable<ChatMessage> messages) => messages.Sum(m => m.Text.Length);

    /// <summary>A scripted model run of <paramref name="steps"/> steps: each prints <paramref name="lines"/> lines, the last calls final_answer.</summary>
    public static IEnumerable<string> AgentTurns(int steps, int lines = 25)
    {
        yield return $"I start the total.\n```js\nvar total = 0;\nfor (var l = 1; l <= {lines}; l++) {{ console.log('warm-up line ' + l); }}\n```";
        for (var step = 2; step < steps; step++)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Step {step}: I add {step} to the total.\n```js\ntotal += {step};\nfor (var l = 1; l <= {lines}; l++) {{ console.log('step {step} line ' + l + ' total ' + total); }}\n```");
        }

        yield return "I am done.\n```js\nfinal_answer(total);\n```";
    }

    /// <summary>The final answer of <see cref="AgentTurns"/>: 2 + 3 + ... + (steps - 1).</summary>
    public static int AgentAnswer(int steps) => Enumerable.Range(2, steps - 2).Sum();
}
