using CodeActSdk.Isolation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CodeActSdk;

/// <summary>Runs the agent's sessions in worker processes with <c>services.AddCodeAct(b =&gt; b.UseJint().UseProcessIsolation())</c>.</summary>
public static class IsolationCodeActBuilderExtensions
{
    /// <summary>
    /// Wraps the interpreter registered so far (by <c>UseJint()</c>, <c>UseV8()</c>, <c>UseCSharp()</c> or
    /// <c>UseInterpreter(...)</c>) in an <see cref="IsolatedInterpreter"/>, through
    /// <see cref="ICodeActBuilder.UseInterpreterDecorator"/>, and sets the sandbox's
    /// <see cref="SandboxOptions.Isolation"/> to <see cref="SandboxIsolation.Process"/> (<see cref="ICodeActBuilder.ConfigureSandbox"/>), so that each run's session lives
    /// in a worker process of its own. The workers come from a <see cref="WorkerPool"/> that the decorator owns; the
    /// service provider disposes the decorator, and so stops the workers, when it is disposed.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Call it after the backend's <c>Use...</c> method: it wraps what is registered when it is called, and a later
    /// <c>Use...</c> replaces the wrapped interpreter. The isolation setting is applied after the application's own
    /// configuration, so options that replace the sandbox settings wholesale cannot silently bring the code back into
    /// the host.
    /// </para>
    /// <para>
    /// The application must reference the CodeActSdk.Worker package so that CodeActSdk.Worker.dll is next to it (or
    /// set <see cref="WorkerPoolOptions.Launcher"/> to a launcher with its path). The worker loads the backend the
    /// interpreter names (its <see cref="WorkerBackend"/>) from the application's folder, and no other. Prefer disposing
    /// the provider with <c>DisposeAsync</c>; <c>Dispose</c> works too, and waits for the workers to stop.
    /// </para>
    /// </remarks>
    /// <param name="builder">The builder.</param>
    /// <param name="pool">The worker pool's settings (how many workers wait, the launcher and its limits); the defaults when omitted.</param>
    /// <param name="backend">
    /// How the worker runs the backend; by default what the interpreter returns from
    /// <c>GetService(typeof(WorkerBackend))</c>, which the backends of this SDK do.
    /// </param>
    /// <typeparam name="TBuilder">The builder's type, returned so that chained calls keep it.</typeparam>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">No interpreter is registered yet; the message says what to call first.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="pool"/> is out of range.</exception>
    public static TBuilder UseProcessIsolation<TBuilder>(this TBuilder builder, WorkerPoolOptions? pool = null, WorkerBackend? backend = null)
        where TBuilder : ICodeActBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = (pool ?? new WorkerPoolOptions()).Validate();
        builder.UseInterpreterDecorator((inner, provider) =>
        {
            var workers = new WorkerPool(settings, provider.GetService<ILogger<WorkerPool>>());
            try
            {
                return new IsolatedInterpreter(inner, workers, backend, ownsPool: true);
            }
            catch
            {
                workers.Dispose();
                throw;
            }
        });
        builder.ConfigureSandbox(options => options with { Isolation = SandboxIsolation.Process });
        return builder;
    }
}
