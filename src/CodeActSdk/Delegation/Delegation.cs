using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>A task the step's code gave to another agent (an <see cref="AgentTool"/>), and how it went.</summary>
/// <param name="Agent">The sub-agent's tool name.</param>
/// <param name="Task">The task it was given.</param>
/// <param name="Answer">Its answer as the code received it; <see langword="null"/> when it gave none.</param>
/// <param name="Steps">Its steps (its own, then theirs for deeper delegations, as they were streamed); empty for a plain chat model.</param>
/// <param name="Usage">The tokens it used, its own sub-agents' included; <see langword="null"/> when none were reported.</param>
/// <param name="Error">Why it gave no answer, as the code was told; <see langword="null"/> when it answered.</param>
public sealed record Delegation(string Agent, string Task, string? Answer, IReadOnlyList<AgentStep> Steps, UsageDetails? Usage, string? Error = null);
