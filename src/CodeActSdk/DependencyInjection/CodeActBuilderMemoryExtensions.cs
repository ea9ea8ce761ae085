using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeActSdk;

/// <summary>Chooses the long-run memory policies (<see cref="TieredMemoryPolicy"/>, <see cref="TokenBudgetMemoryPolicy"/>) on a <see cref="CodeActBuilder"/>.</summary>
/// <remarks>
/// Like <see cref="CodeActBuilder.UseMemoryPolicy(IChatReducer)"/>, each method replaces the memory policy an
/// earlier call registered. The policy is a singleton shared by every run of the agent, which the policies support
/// (their summaries are cached per conversation).
/// </remarks>
public static class CodeActBuilderMemoryExtensions
{
    /// <summary>
    /// Uses a <see cref="TieredMemoryPolicy"/> whose summaries are written by the agent's own model: the chat client
    /// given to <see cref="CodeActBuilder.UseChatClient(IChatClient)"/>, or else the application's
    /// <see cref="IChatClient"/>. Each summary is then one extra call to that model.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The policy's settings; the defaults when <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static CodeActBuilder UseTieredMemory(this CodeActBuilder builder, TieredMemoryOptions? options = null) =>
        builder.UseTieredMemory(AgentChatClient, options);

    /// <summary>Uses a <see cref="TieredMemoryPolicy"/> whose summaries are written by <paramref name="summarizer"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="summarizer">Writes the running summary; a small, cheap model is enough.</param>
    /// <param name="options">The policy's settings; the defaults when <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static CodeActBuilder UseTieredMemory(this CodeActBuilder builder, IChatClient summarizer, TieredMemoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseMemoryPolicy(new TieredMemoryPolicy(summarizer, options));
    }

    /// <summary>
    /// Uses a <see cref="TieredMemoryPolicy"/> whose summariser <paramref name="summarizerFactory"/> takes from the
    /// services, for example a keyed <see cref="IChatClient"/> for a cheaper model.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="summarizerFactory">Returns the summariser; called once, when the policy is first resolved.</param>
    /// <param name="options">The policy's settings; the defaults when <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (checked here, not at resolution).</exception>
    public static CodeActBuilder UseTieredMemory(this CodeActBuilder builder, Func<IServiceProvider, IChatClient> summarizerFactory, TieredMemoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(summarizerFactory);
        var validated = (options ?? new TieredMemoryOptions()).Validate();
        return builder.UseMemoryPolicy(services => new TieredMemoryPolicy(Summarizer(services, summarizerFactory), validated));
    }

    /// <summary>
    /// Uses a <see cref="TokenBudgetMemoryPolicy"/> that keeps the estimated prompt under
    /// <paramref name="maxPromptTokens"/> tokens and replaces the steps it drops with a one-line note.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="maxPromptTokens">The budget in estimated tokens; at least 100.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPromptTokens"/> is less than 100.</exception>
    public static CodeActBuilder UseTokenBudgetMemory(this CodeActBuilder builder, int maxPromptTokens)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseMemoryPolicy(new TokenBudgetMemoryPolicy(maxPromptTokens));
    }

    /// <summary>
    /// Uses a <see cref="TokenBudgetMemoryPolicy"/> with <paramref name="options"/>; the steps it drops are summarised
    /// by <paramref name="summarizer"/>, or replaced with a one-line note when it is <see langword="null"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The policy's settings.</param>
    /// <param name="summarizer">Writes the running summary of the dropped steps; optional.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static CodeActBuilder UseTokenBudgetMemory(this CodeActBuilder builder, TokenBudgetMemoryOptions options, IChatClient? summarizer = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseMemoryPolicy(new TokenBudgetMemoryPolicy(options, summarizer));
    }

    /// <summary>
    /// Uses a <see cref="TokenBudgetMemoryPolicy"/> with <paramref name="options"/> whose summariser
    /// <paramref name="summarizerFactory"/> takes from the services.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The policy's settings.</param>
    /// <param name="summarizerFactory">Returns the summariser; called once, when the policy is first resolved.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (checked here, not at resolution).</exception>
    public static CodeActBuilder UseTokenBudgetMemory(this CodeActBuilder builder, TokenBudgetMemoryOptions options, Func<IServiceProvider, IChatClient> summarizerFactory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(summarizerFactory);
        var validated = options.Validate();
        return builder.UseMemoryPolicy(services => new TokenBudgetMemoryPolicy(validated, Summarizer(services, summarizerFactory)));
    }

    private static IChatClient Summarizer(IServiceProvider services, Func<IServiceProvider, IChatClient> factory) =>
        factory(services) ?? throw new InvalidOperationException("The summariser factory given to UseTieredMemory or UseTokenBudgetMemory returned null; return an IChatClient.");

    private static IChatClient AgentChatClient(IServiceProvider services) =>
        services.GetKeyedService<IChatClient>(CodeActBuilder.ServiceKey)
        ?? services.GetService<IChatClient>()
        ?? throw new InvalidOperationException(
            "UseTieredMemory() summarises with the agent's chat client, and none is registered. Call builder.UseChatClient(...), register an IChatClient, or pass the summariser to UseTieredMemory(summarizer).");
}
