using Microsoft.Agents.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.Agents;

/// <summary>Ways to get a <see cref="CodeActAIAgent"/>: from a <see cref="CodeActAgent"/>, or registered with <c>AddCodeAct</c>.</summary>
public static class CodeActAIAgentExtensions
{
    /// <summary>Wraps <paramref name="agent"/> as an Agent Framework <see cref="AIAgent"/>; the same as <c>new CodeActAIAgent(agent, name, description)</c>.</summary>
    /// <param name="agent">The CodeAct agent.</param>
    /// <param name="name">The agent's name, shown as the author of its messages; <see langword="null"/> for none.</param>
    /// <param name="description">What the agent is for, for an orchestrator choosing agents; <see langword="null"/> for none.</param>
    public static CodeActAIAgent AsAIAgent(this CodeActAgent agent, string? name = null, string? description = null) =>
        new(agent, name, description);

    /// <summary>
    /// Registers the builder's <see cref="CodeActAgent"/> as a <see cref="CodeActAIAgent"/> singleton, also resolvable as
    /// an <see cref="AIAgent"/> and, when <paramref name="name"/> is given, as the <see cref="AIAgent"/> keyed by that name
    /// (the way Agent Framework hosts look agents up).
    /// </summary>
    /// <param name="builder">The builder of <c>services.AddCodeAct(...)</c>.</param>
    /// <param name="name">The agent's name and service key; <see langword="null"/> for an unnamed agent.</param>
    /// <param name="description">What the agent is for; <see langword="null"/> for none.</param>
    /// <returns>The builder, for chaining.</returns>
    public static CodeActBuilder AddAIAgent(this CodeActBuilder builder, string? name = null, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(services => new CodeActAIAgent(services.GetRequiredService<CodeActAgent>(), name, description));
        builder.Services.AddSingleton<AIAgent>(services => services.GetRequiredService<CodeActAIAgent>());
        if (name is not null)
        {
            builder.Services.AddKeyedSingleton<AIAgent>(name, (services, _) => services.GetRequiredService<CodeActAIAgent>());
        }

        return builder;
    }
}
