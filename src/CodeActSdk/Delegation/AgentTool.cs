using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Another agent as a tool the code calls: <c>name(task)</c> gives it a task in words and returns its answer as text.
/// A <see cref="CodeActAgent"/> sub-agent runs with its own sandbox session, step budget and memory; its steps are
/// streamed into the calling run as nested steps (<see cref="AgentStep.Depth"/>), its tokens count in the calling
/// step's <see cref="AgentStep.Usage"/>, and the step records it (<see cref="AgentStep.Delegations"/>). A plain chat
/// model can be a sub-agent too (one answer, no code). Add one with <c>CodeActBuilder.AddAgentTool(...)</c>.
/// </summary>
/// <remarks>
/// <para>
/// A sub-agent that fails, or stops without an answer within its budget, fails the call with the reason, which the
/// code sees and the model reads; it never fails the calling run. Agents that keep handing work to each other are
/// stopped at <see cref="MaxDepth"/> levels of delegation.
/// </para>
/// <para>
/// The call is a tool call of the calling step's code, so it counts against that execution's time limit
/// (<see cref="SandboxOptions.Timeout"/>): give the calling agent a limit that fits the sub-agent's work. In a durable
/// run the answer is journaled like any tool result, and a resume does not run the sub-agent again.
/// </para>
/// <para>Thread-safe: every call runs the sub-agent afresh.</para>
/// </remarks>
public sealed class AgentTool : AIFunction
{
    /// <summary>How many levels of delegation a run may go down (a sub-agent of a sub-agent is level 2).</summary>
    public const int MaxDepth = 4;

    private const int MaxErrorObservationChars = 600;

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","properties":{"task":{"type":"string","description":"The task for the agent, in words, with everything it needs to know."}},"required":["task"]}
        """).RootElement.Clone();

    private static readonly JsonElement Returns = JsonDocument.Parse("""{"type":"string"}""").RootElement.Clone();

    private readonly Func<string, int, StepScope?, CancellationToken, Task<Delegation>> _run;

    private AgentTool(string name, string description, Func<string, int, StepScope?, CancellationToken, Task<Delegation>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        Name = name;
        Description = description;
        _run = run;
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override string Description { get; }

    /// <inheritdoc/>
    public override JsonElement JsonSchema => Schema;

    /// <inheritdoc/>
    public override JsonElement? ReturnJsonSchema => Returns;

    /// <summary>A CodeAct agent as a tool: each call runs it on the task in a new session of its own.</summary>
    /// <param name="name">The tool's name, for example <c>data_analyst</c>.</param>
    /// <param name="description">What the agent is good at, for the calling model to choose it.</param>
    /// <param name="agent">The sub-agent; its own options (budget, sandbox, memory, tools) govern its runs.</param>
    /// <returns>The tool.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="description"/> is empty.</exception>
    public static AgentTool Create(string name, string description, CodeActAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return new AgentTool(name, description, (task, depth, scope, ct) => RunAsync(name, agent, task, depth, scope, ct));
    }

    /// <summary>A chat model as a tool: each call sends it the task (after <paramref name="instructions"/>) and returns its answer.</summary>
    /// <param name="name">The tool's name, for example <c>translator</c>.</param>
    /// <param name="description">What the model is asked for, for the calling model to choose it.</param>
    /// <param name="model">The sub-agent's model.</param>
    /// <param name="instructions">Its system prompt; none when <see langword="null"/>.</param>
    /// <returns>The tool.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="description"/> is empty.</exception>
    public static AgentTool Create(string name, string description, IChatClient model, string? instructions = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new AgentTool(name, description, async (task, _, _, ct) =>
        {
            List<ChatMessage> messages = instructions is null ? [new(ChatRole.User, task)] : [new(ChatRole.System, instructions), new(ChatRole.User, task)];
            try
            {
                var response = await model.GetResponseAsync(messages, cancellationToken: ct).ConfigureAwait(false);
                return new Delegation(name, task, response.Text, [], response.Usage);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new Delegation(name, task, null, [], null, $"the agent '{name}' failed: {e.Message}");
            }
        });
    }

    /// <inheritdoc/>
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var task = arguments.TryGetValue("task", out var value) ? value switch
        {
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            _ => null,
        } : null;
        if (string.IsNullOrWhiteSpace(task))
        {
            throw new ArgumentException($"'{Name}' needs a task: a string saying what to do.");
        }

        var step = arguments.Context?.TryGetValue(typeof(SessionScope), out var scope) == true ? (scope as SessionScope)?.Current : null;
        var depth = (step?.Depth ?? 0) + 1;
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"'{Name}' was not asked: the work has been handed down {depth - 1} agents already, and at most {MaxDepth} levels are allowed. Do the task here.");
        }

        var delegation = await _run(task, depth, step, cancellationToken).ConfigureAwait(false);
        step?.Add(delegation);
        return delegation.Error is { } error ? throw new InvalidOperationException(error) : delegation.Answer;
    }

    private static async Task<Delegation> RunAsync(string name, CodeActAgent agent, string task, int depth, StepScope? scope, CancellationToken cancellationToken)
    {
        var steps = new List<AgentStep>();
        AgentStep? last = null;
        UsageDetails? usage = null;
        try
        {
            await foreach (var step in agent.RunStreamingAsync(new AgentRunRequest(task) { Depth = depth }, cancellationToken).ConfigureAwait(false))
            {
                steps.Add(step);
                scope?.Report(step);
                if (step.Depth == depth)
                {
                    last = step;
                    if (step.Usage is { } used)
                    {
                        usage ??= new UsageDetails();
                        usage.Add(used);
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new Delegation(name, task, null, steps, usage, $"the agent '{name}' failed: {e.Message}");
        }

        return last?.Outcome switch
        {
            AgentOutcome.FinalAnswer when last.FinalAnswer is { } answer => new Delegation(name, task, answer.ValueKind == JsonValueKind.String ? answer.GetString() : answer.GetRawText(), steps, usage),
            AgentOutcome.AnsweredWithoutCode => new Delegation(name, task, last.ModelText.Trim(), steps, usage),
            _ => new Delegation(name, task, null, steps, usage,
                $"the agent '{name}' gave no answer within its {steps.Count(s => s.Depth == depth)} steps; its last observation: {Cut(last?.Observation ?? "(none)")}"),
        };
    }

    private static string Cut(string text) => text.Length <= MaxErrorObservationChars ? text : text[..MaxErrorObservationChars] + "…";
}
