using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CodeActSdk;

/// <summary>Registers CodeActSdk in a service collection.</summary>
public static class CodeActServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="CodeActAgent"/> and what it needs, configured by <paramref name="configure"/>, for
    /// example <c>services.AddCodeAct(b =&gt; b.UseJint().UseChatClient(client).AddTools(...))</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The agent is a singleton: it holds no per-run state, and each run creates its own interpreter session. The
    /// defaults are <see cref="KeepAllMemoryPolicy"/> and a <see cref="ChatClientCodeGenerator"/> over the chat client
    /// given to <see cref="CodeActBuilder.UseChatClient(IChatClient)"/>, or else the application's
    /// <see cref="IChatClient"/>, with <see cref="CodeActOptions.ChatOptions"/>. An interpreter must be chosen (for
    /// example <c>UseJint()</c>); without one, resolving the agent throws an <see cref="InvalidOperationException"/>
    /// that says what to call.
    /// </para>
    /// <para>
    /// <see cref="CodeActOptions"/> are validated by <see cref="CodeActOptionsValidator"/> when the host starts
    /// (<c>ValidateOnStart</c>) or, without a host, when the agent is first resolved.
    /// </para>
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Chooses the interpreter, the model, the tools and the options.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddCodeAct(this IServiceCollection services, Action<CodeActBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<CodeActOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CodeActOptions>, CodeActOptionsValidator>());
        services.TryAddKeyedSingleton<IChatReducer>(CodeActBuilder.ServiceKey, KeepAllMemoryPolicy.Instance);
        services.TryAddSingleton<ICodeGenerator>(CreateDefaultGenerator);
        services.TryAddSingleton(CreateAgent);

        configure(new CodeActBuilder(services));
        return services;
    }

    private static ChatClientCodeGenerator CreateDefaultGenerator(IServiceProvider services)
    {
        var chatClient = services.GetKeyedService<IChatClient>(CodeActBuilder.ServiceKey)
            ?? services.GetService<IChatClient>()
            ?? throw new InvalidOperationException(
                "No chat client is registered for the CodeAct agent. Call builder.UseChatClient(...) in AddCodeAct, register an IChatClient, or call builder.UseCodeGenerator(...).");
        var options = services.GetRequiredService<IOptions<CodeActOptions>>().Value;
        return new ChatClientCodeGenerator(chatClient, options.CodeFormat, options.ChatOptions);
    }

    private static CodeActAgent CreateAgent(IServiceProvider services)
    {
        var interpreter = services.GetService<ICodeInterpreter>()
            ?? throw new InvalidOperationException(
                "No interpreter is registered. Call builder.UseJint() (package CodeActSdk.Jint) or builder.UseInterpreter(...).");
        var tools = services.GetServices<CodeActToolRegistration>().Select(r => r.Create(services)).ToList();
        return new CodeActAgent(
            interpreter,
            services.GetRequiredService<ICodeGenerator>(),
            services.GetRequiredService<IOptions<CodeActOptions>>(),
            tools,
            services.GetKeyedService<IChatReducer>(CodeActBuilder.ServiceKey),
            services.GetService<ILogger<CodeActAgent>>(),
            services.GetService<IMeterFactory>(),
            services.GetService<ISkillStore>(),
            services.GetService<ICheckpointStore>(),
            services.GetKeyedServices<IAgentStepMiddleware>(CodeActBuilder.ServiceKey),
            services.GetService<TimeProvider>(),
            services.GetService<IToolApprover>(),
            services.GetService<IKnowledgeSource>());
    }
}
