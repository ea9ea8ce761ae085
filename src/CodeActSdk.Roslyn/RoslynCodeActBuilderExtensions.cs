using CodeActSdk.Roslyn;

namespace CodeActSdk;

/// <summary>Registers the C# backend with <c>services.AddCodeAct(b =&gt; b.UseCSharp())</c>.</summary>
public static class RoslynCodeActBuilderExtensions
{
    /// <summary>
    /// Runs the agent's code as sandboxed C# scripts compiled by Roslyn, restricted to the API that
    /// <see cref="RoslynInterpreterOptions.Policy"/> allows. The interpreter is a singleton owned by the service
    /// provider, which disposes it with the provider.
    /// </summary>
    /// <typeparam name="TBuilder">The builder's type, returned so that chained calls keep it; <c>CodeActBuilder</c> in <c>AddCodeAct</c>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The interpreter's settings; the defaults when omitted.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="options"/> is out of range.</exception>
    public static TBuilder UseCSharp<TBuilder>(this TBuilder builder, RoslynInterpreterOptions? options = null)
        where TBuilder : ICodeActBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = (options ?? new RoslynInterpreterOptions()).Validate();
        builder.UseInterpreter(_ => new RoslynInterpreter(settings));
        return builder;
    }
}
