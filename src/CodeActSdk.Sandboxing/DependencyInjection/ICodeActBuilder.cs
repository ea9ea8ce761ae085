using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk;

/// <summary>
/// What a backend or decorator package needs of the builder inside <c>services.AddCodeAct(builder =&gt; ...)</c>:
/// the service collection, the registration of an interpreter, decorators around it, and the sandbox's settings. Backends write their registration method (for example
/// <c>builder.UseJint()</c>) as a generic extension method over this interface, so that they need not reference the
/// agent package, and the method returns the caller's own builder type so that chained calls keep compiling.
/// </summary>
/// <remarks>
/// The agent package's <c>CodeActBuilder</c> implements it. A backend's method looks like this:
/// <code>
/// public static TBuilder UseMyBackend&lt;TBuilder&gt;(this TBuilder builder) where TBuilder : ICodeActBuilder
/// {
///     ArgumentNullException.ThrowIfNull(builder);
///     builder.UseInterpreter(_ =&gt; new MyInterpreter());
///     return builder;
/// }
/// </code>
/// A builder is meant to be used only during service registration, from one thread.
/// </remarks>
public interface ICodeActBuilder
{
    /// <summary>The service collection the builder registers into.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Uses the interpreter that <paramref name="factory"/> creates, once, as a singleton that the service provider owns
    /// and disposes; it replaces an interpreter registered earlier.
    /// </summary>
    /// <param name="factory">Creates the interpreter from the service provider.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    ICodeActBuilder UseInterpreter(Func<IServiceProvider, ICodeInterpreter> factory);

    /// <summary>
    /// Wraps the interpreter registered so far in the one <paramref name="decorator"/> returns (process isolation,
    /// auditing, ...). Decorators apply in the order added, each around the previous; the wrapped interpreter stays
    /// owned by the service provider as it was registered.
    /// </summary>
    /// <param name="decorator">Gets the interpreter so far and the service provider; returns the interpreter to use.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="decorator"/> is null.</exception>
    /// <exception cref="InvalidOperationException">No interpreter is registered yet.</exception>
    ICodeActBuilder UseInterpreterDecorator(Func<ICodeInterpreter, IServiceProvider, ICodeInterpreter> decorator);

    /// <summary>
    /// Changes the <see cref="SandboxOptions"/> every session of the agent gets, after the application's own settings
    /// (for example process isolation sets <see cref="SandboxOptions.Isolation"/>).
    /// </summary>
    /// <param name="configure">Returns the changed options (<c>options with { ... }</c>).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    ICodeActBuilder ConfigureSandbox(Func<SandboxOptions, SandboxOptions> configure);
}
