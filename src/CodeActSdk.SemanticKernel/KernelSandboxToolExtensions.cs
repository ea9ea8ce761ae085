using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace CodeActSdk.SemanticKernel;

/// <summary>A <see cref="Kernel"/>'s plugins as tools that sandboxed code calls, for example <c>Weather_GetForecast("Oslo")</c>.</summary>
public static class KernelSandboxToolExtensions
{
    /// <summary>
    /// The functions of every plugin of <paramref name="kernel"/>, as tools for <see cref="SandboxOptions.Tools"/> or
    /// <see cref="CodeActBuilder.AddTools(IEnumerable{AIFunction})"/>. Each is named as Semantic Kernel names it for a
    /// model, <c>Plugin_Function</c>; its documentation shows the function's and its parameters' descriptions and its
    /// return schema. Calls run through <paramref name="kernel"/>, so its function invocation filters see them.
    /// </summary>
    /// <remarks>The list is a snapshot: plugins added to the kernel later are not in it. It is safe to use from any thread.</remarks>
    /// <param name="kernel">The kernel whose plugins become tools, and which runs them.</param>
    /// <returns>One tool per kernel function, plugin by plugin.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public static IReadOnlyList<AIFunction> AsSandboxTools(this Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        return [.. kernel.Plugins.SelectMany(plugin => plugin.AsSandboxTools(kernel))];
    }

    /// <summary>
    /// The functions of <paramref name="plugin"/> as sandbox tools, named <c>Plugin_Function</c> (see
    /// <see cref="AsSandboxTools(Kernel)"/>).
    /// </summary>
    /// <param name="plugin">The plugin.</param>
    /// <param name="kernel">The kernel that runs the functions (its services and filters); a new, empty kernel when <see langword="null"/>.</param>
    /// <returns>One tool per function of the plugin.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plugin"/> is null.</exception>
    public static IReadOnlyList<AIFunction> AsSandboxTools(this KernelPlugin plugin, Kernel? kernel = null)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        kernel ??= new Kernel();
        return [.. plugin.Select(function => new KernelFunctionTool(function.WithKernel(kernel, plugin.Name), kernel))];
    }
}
