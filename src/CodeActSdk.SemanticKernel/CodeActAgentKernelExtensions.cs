using Microsoft.SemanticKernel;

namespace CodeActSdk.SemanticKernel;

/// <summary>A <see cref="CodeActAgent"/> offered to Semantic Kernel as a function that solves a task with code.</summary>
public static class CodeActAgentKernelExtensions
{
    /// <summary>The default name of the function, <c>solve_with_code</c>.</summary>
    public const string DefaultFunctionName = "solve_with_code";

    /// <summary>The default name of the plugin, <c>codeact</c>.</summary>
    public const string DefaultPluginName = "codeact";

    /// <summary>
    /// A kernel function <c>solve_with_code(task)</c> that runs <paramref name="agent"/> on the task in a new session
    /// and returns its answer as text, or, when the agent finds none within its step budget, a sentence that says so
    /// with its last observation. An empty task gives a sentence asking for one.
    /// </summary>
    /// <remarks>
    /// The function may be invoked concurrently: the agent is thread-safe and each invocation runs in its own session.
    /// Failures of the agent's model or interpreter (exceptions) propagate, as from <see cref="CodeActAgent.RunAsync"/>.
    /// </remarks>
    /// <param name="agent">The agent that solves the tasks.</param>
    /// <param name="functionName">The function's name; letters, digits and underscores.</param>
    /// <param name="description">What the function does, for the calling model; a general description when <see langword="null"/>.</param>
    /// <returns>The function.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="agent"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="functionName"/> is not a valid function name.</exception>
    public static KernelFunction AsKernelFunction(this CodeActAgent agent, string functionName = DefaultFunctionName, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        KernelNames.ThrowIfInvalid(functionName, nameof(functionName));
        return KernelFunctionFactory.CreateFromMethod(new SolveWithCode(agent).SolveAsync, functionName, description ?? SolveWithCode.Description);
    }

    /// <summary>A plugin holding <paramref name="agent"/>'s <see cref="AsKernelFunction"/>, for <c>kernel.Plugins.Add(...)</c>.</summary>
    /// <param name="agent">The agent that solves the tasks.</param>
    /// <param name="pluginName">The plugin's name; letters, digits and underscores.</param>
    /// <param name="functionName">The function's name; letters, digits and underscores.</param>
    /// <returns>The plugin.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="agent"/> is null.</exception>
    /// <exception cref="ArgumentException">A name is not valid.</exception>
    public static KernelPlugin AsKernelPlugin(this CodeActAgent agent, string pluginName = DefaultPluginName, string functionName = DefaultFunctionName)
    {
        ArgumentNullException.ThrowIfNull(agent);
        KernelNames.ThrowIfInvalid(pluginName, nameof(pluginName));
        return KernelPluginFactory.CreateFromFunctions(pluginName, "Solves tasks by writing and running code in a sandbox.", [agent.AsKernelFunction(functionName)]);
    }
}
