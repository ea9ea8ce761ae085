using CodeActSdk.SemanticKernel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CodeActSdk;

/// <summary>Uses a Semantic Kernel <see cref="Kernel"/> in <c>services.AddCodeAct(b =&gt; b.UseKernel(kernel))</c>.</summary>
public static class CodeActBuilderKernelExtensions
{
    /// <summary>
    /// Uses <paramref name="kernel"/>'s chat service as the agent's model and its plugins as tools the code can call
    /// (see <see cref="KernelSandboxToolExtensions.AsSandboxTools(Kernel)"/>). The model is the kernel's
    /// <see cref="IChatCompletionService"/> (as an <see cref="IChatClient"/>), or else its <see cref="IChatClient"/>.
    /// </summary>
    /// <remarks>The plugins are read now: plugins added to the kernel later are not tools of the agent.</remarks>
    /// <param name="builder">The builder.</param>
    /// <param name="kernel">The kernel.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The kernel has neither a chat completion service nor a chat client.</exception>
    public static CodeActBuilder UseKernel(this CodeActBuilder builder, Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(kernel);
        var model = kernel.Services.GetService<IChatCompletionService>()?.AsChatClient()
            ?? kernel.Services.GetService<IChatClient>()
            ?? throw new ArgumentException(
                "The kernel has no chat model to drive the agent: add an IChatCompletionService or an IChatClient to its services " +
                "(for example kernelBuilder.Services.AddSingleton(chatClient.AsChatCompletionService())), or call UseChatClient(...) instead.",
                nameof(kernel));
        return builder.UseChatClient(model).AddTools(kernel.AsSandboxTools());
    }
}
