using CodeActSdk.Isolation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CodeActSdk;

/// <summary>Runs the agent's sessions in worker processes with <c>services.AddCodeAct(b =&gt; b.UseJint().UseProcessIsolation())</c>.</summary>
public static class IsolationCodeActBuilderExtensions
{
    /// <summary>
    /// Wraps the interpreter registered so far (by <c>UseJint()</c>, <c>UseV8()</c>, <c>UseRoslyn()</c> or
    /// <c>UseInterpreter(...)</c>) in an <see cref="IsolatedInterpreter"/>, and sets
    /// <see cref="CodeActOptions.Sandbox"/>'s <see cref="SandboxOptions.Isolation"/> to
    /// <see cref="SandboxIsolation.Process"/>, so that each run's session lives in a worker process of its own. The
    /// workers come from a <see cref="WorkerPool"/> that the service provider owns and stops when it is disposed.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Call it after the backend's <c>Use...</c> method: it wraps what is registered when it is called, and a later
    /// <c>Use...</c> replaces the wrapped interpreter. The isolation setting is applied after every
    /// <see cref="CodeActBuilder.Configure"/> call (as a post-configuration), so options that replace
    /// <see cref="CodeActOptions.Sandbox"/> wholesale cannot silently bring the code back into the host.
    /// </para>
    /// <para>
    /// The application must reference the CodeActSdk.Worker package so that CodeActSdk.Worker.dll is next to it (or
    /// set <see cref="WorkerPoolOptions.Launcher"/> to a launcher with its path). Prefer disposing the provider with
    /// <c>DisposeAsync</c>; <c>Dispose</c> works too, and waits for the workers to stop.
    /// </para>
    /// </remarks>
    /// <param name="builder">The builder.</param>
    /// <param name="pool">The worker pool's settings (how many workers wait, the launcher and its limits); the defaults when omitted.</param>
    /// <param name="backend">
    /// The worker's name of the backend (<c>jint</c>, <c>v8</c>, <c>csharp</c>); inferred from the interpreter's type
    /// when omitted, which works for the three backends of this SDK.
    /// </param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">No interpreter is registered yet; the message says what to call first.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="pool"/> is out of range.</exception>
    public static CodeActBuilder UseProcessIsolation(this CodeActBuilder builder, WorkerPoolOptions? pool = null, string? backend = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = (pool ?? new WorkerPoolOptions()).Validate();
        var services = builder.Services;

        // A second call re-wraps the backend the first one found, not the first call's wrapper: one worker hop, not two.
        var registration = services.LastOrDefault(d => d.ServiceType == typeof(IsolationRegistration) && !d.IsKeyedService)?.ImplementationInstance as IsolationRegistration;
        var current = services.LastOrDefault(d => d.ServiceType == typeof(ICodeInterpreter) && !d.IsKeyedService)
            ?? throw new InvalidOperationException(
                "UseProcessIsolation() wraps the interpreter, but none is registered yet. Call builder.UseJint(), UseV8(), UseRoslyn() or UseInterpreter(...) before it.");
        var wrapped = registration is not null && ReferenceEquals(current, registration.Wrapper) ? registration.Backend : current;

        var next = new IsolationRegistration(wrapped, settings, backend);
        services.RemoveAll<IsolationRegistration>();
        services.AddSingleton(next);
        services.RemoveAll<IsolationResources>();
        services.AddSingleton(provider => new IsolationResources(provider.GetRequiredService<IsolationRegistration>(), provider));

        // The provider disposes what this factory returns; with a pool passed in, the IsolatedInterpreter owns nothing,
        // and the pool and backend are disposed through IsolationResources instead.
        builder.UseInterpreter(provider => provider.GetRequiredService<IsolationResources>().Interpreter);
        next.Wrapper = services.Last(d => d.ServiceType == typeof(ICodeInterpreter) && !d.IsKeyedService);

        services.PostConfigure<CodeActOptions>(options => options.Sandbox = options.Sandbox with { Isolation = SandboxIsolation.Process });
        return builder;
    }

    /// <summary>What <see cref="IsolationCodeActBuilderExtensions.UseProcessIsolation"/> wrapped, and with which settings.</summary>
    private sealed class IsolationRegistration(ServiceDescriptor backend, WorkerPoolOptions pool, string? backendName)
    {
        public ServiceDescriptor Backend { get; } = backend;

        public WorkerPoolOptions Pool { get; } = pool;

        public string? BackendName { get; } = backendName;

        /// <summary>The registration that replaced <see cref="Backend"/>, to recognise it on a second call.</summary>
        public ServiceDescriptor? Wrapper { get; set; }
    }

    /// <summary>
    /// The pool, the backend and the decorator over them, created once per provider and disposed with it, by
    /// <c>DisposeAsync</c> or <c>Dispose</c> as the provider is.
    /// </summary>
    private sealed class IsolationResources : IAsyncDisposable, IDisposable
    {
        private readonly ICodeInterpreter _backend;
        private readonly bool _ownsBackend;
        private readonly WorkerPool _pool;

        public IsolationResources(IsolationRegistration registration, IServiceProvider provider)
        {
            var descriptor = registration.Backend;

            // The provider no longer knows the backend's registration (the decorator replaced it), so a backend it
            // would have created and disposed is created and disposed here; an instance the application gave stays
            // the application's, as the provider would have left it.
            _ownsBackend = descriptor.ImplementationInstance is null;
            _backend = descriptor.ImplementationInstance as ICodeInterpreter
                ?? descriptor.ImplementationFactory?.Invoke(provider) as ICodeInterpreter
                ?? (descriptor.ImplementationType is { } type ? ActivatorUtilities.CreateInstance(provider, type) as ICodeInterpreter : null)
                ?? throw new InvalidOperationException("The interpreter registered before UseProcessIsolation() could not be created, or is not an ICodeInterpreter.");
            _pool = new WorkerPool(registration.Pool, provider.GetService<ILogger<WorkerPool>>());
            Interpreter = new IsolatedInterpreter(_backend, _pool, registration.BackendName);
        }

        public IsolatedInterpreter Interpreter { get; }

        public async ValueTask DisposeAsync()
        {
            await _pool.DisposeAsync().ConfigureAwait(false);
            if (!_ownsBackend)
            {
                return;
            }

            if (_backend is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                (_backend as IDisposable)?.Dispose();
            }
        }

        public void Dispose()
        {
            _pool.Dispose();
            if (_ownsBackend)
            {
                (_backend as IDisposable)?.Dispose();
            }
        }
    }
}
