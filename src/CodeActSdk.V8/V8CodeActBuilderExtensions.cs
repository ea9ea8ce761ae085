using CodeActSdk.V8;

namespace CodeActSdk;

/// <summary>Registers the V8 backend with <c>services.AddCodeAct(b =&gt; b.UseV8())</c>.</summary>
public static class V8CodeActBuilderExtensions
{
    /// <summary>
    /// Runs the agent's code in V8 (modern JavaScript) through Microsoft.ClearScript.V8. The
    /// interpreter is a singleton owned by the service provider, which disposes it with the provider; it is created
    /// when first resolved, which throws <see cref="V8UnavailableException"/> if ClearScript's native V8 for the platform is missing
    /// (check first with <see cref="V8Interpreter.IsAvailable"/>).
    /// </summary>
    /// <typeparam name="TBuilder">The builder's type, returned so that chained calls keep it; <c>CodeActBuilder</c> in <c>AddCodeAct</c>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The interpreter's settings; the defaults when omitted.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="options"/> is out of range.</exception>
    public static TBuilder UseV8<TBuilder>(this TBuilder builder, V8InterpreterOptions? options = null)
        where TBuilder : ICodeActBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = (options ?? new V8InterpreterOptions()).Validate();
        builder.UseInterpreter(_ => new V8Interpreter(settings));
        return builder;
    }
}
