using CodeActSdk.Jint;

namespace CodeActSdk;

/// <summary>Registers the Jint backend with <c>services.AddCodeAct(b =&gt; b.UseJint())</c>.</summary>
public static class JintCodeActBuilderExtensions
{
    /// <summary>
    /// Runs the agent's code in Jint 4 (modern JavaScript). The interpreter is a singleton owned by the
    /// service provider, which disposes it with the provider.
    /// </summary>
    /// <typeparam name="TBuilder">The builder's type, returned so that chained calls keep it; <c>CodeActBuilder</c> in <c>AddCodeAct</c>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The interpreter's settings; the defaults when omitted.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="options"/> is out of range.</exception>
    public static TBuilder UseJint<TBuilder>(this TBuilder builder, JintInterpreterOptions? options = null)
        where TBuilder : ICodeActBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = (options ?? new JintInterpreterOptions()).Validate();
        builder.UseInterpreter(_ => new JintInterpreter(settings));
        return builder;
    }
}
