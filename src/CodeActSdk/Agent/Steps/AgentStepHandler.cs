namespace CodeActSdk;

/// <summary>Runs one step of a run (or the rest of the step pipeline) and returns the finished step.</summary>
/// <param name="context">The step's context.</param>
/// <param name="cancellationToken">Stops the step: the model call or execution is cancelled.</param>
/// <returns>The finished step.</returns>
public delegate Task<AgentStep> AgentStepHandler(AgentStepContext context, CancellationToken cancellationToken);

/// <summary>
/// A layer of the agent's step pipeline: work done around every step (approval, review, auditing), added with
/// <see cref="CodeActBuilder.UseStepMiddleware(IAgentStepMiddleware)"/> or the agent's constructor.
/// </summary>
/// <remarks>
/// <para>
/// The pipeline, outermost first: the journal of durable runs (replay and recording), the host's middleware in the
/// order they were added, telemetry (the step's span and metrics, and each execution's), observation composition
/// (large output kept in the session, the variables digest, the plan and the files notice, within
/// <see cref="CodeActOptions.MaxObservationChars"/>), and the innermost step: memory, the model's turn, block
/// selection and execution.
/// </para>
/// <para>
/// A middleware calls <c>next</c> once to run the rest of the step, or not at all to answer the step itself. It may
/// wrap <see cref="AgentStepContext.Generator"/> or <see cref="AgentStepContext.Interpreter"/> before calling
/// <c>next</c>, and return a changed step (<c>step with { ... }</c>) after. One instance serves every step of every
/// run, concurrently: it must be thread-safe, and keep per-step state in locals.
/// </para>
/// </remarks>
public interface IAgentStepMiddleware
{
    /// <summary>Runs the step through this layer.</summary>
    /// <param name="context">The step's context.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="cancellationToken">Stops the step.</param>
    /// <returns>The finished step.</returns>
    Task<AgentStep> InvokeAsync(AgentStepContext context, AgentStepHandler next, CancellationToken cancellationToken);
}

/// <summary>A step middleware made from a delegate, for <c>CodeActBuilder.UseStepMiddleware(...)</c>.</summary>
/// <param name="invoke">The middleware's body.</param>
public sealed class AgentStepMiddleware(Func<AgentStepContext, AgentStepHandler, CancellationToken, Task<AgentStep>> invoke) : IAgentStepMiddleware
{
    private readonly Func<AgentStepContext, AgentStepHandler, CancellationToken, Task<AgentStep>> _invoke = invoke ?? throw new ArgumentNullException(nameof(invoke));

    /// <inheritdoc/>
    public Task<AgentStep> InvokeAsync(AgentStepContext context, AgentStepHandler next, CancellationToken cancellationToken) => _invoke(context, next, cancellationToken);
}

/// <summary>Composes step middleware around an innermost step.</summary>
internal static class StepPipeline
{
    /// <summary>Returns a handler that runs <paramref name="layers"/>, the first outermost, around <paramref name="innermost"/>.</summary>
    public static AgentStepHandler Compose(IReadOnlyList<IAgentStepMiddleware> layers, AgentStepHandler innermost)
    {
        var handler = innermost;
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            var layer = layers[i];
            var next = handler;
            handler = (context, cancellationToken) => layer.InvokeAsync(context, next, cancellationToken);
        }

        return handler;
    }
}
