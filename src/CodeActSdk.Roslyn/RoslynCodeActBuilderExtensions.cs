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
    /// <param name="builder">The builder.</param>
    /// <param name="options">The interpreter's settings; the defaults when omitted.</param>
    public static CodeActBuilder UseCSharp(this CodeActBuilder builder, RoslynInterpreterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = (options ?? new RoslynInterpreterOptions()).Validate();
        return builder.UseInterpreter(_ => new RoslynInterpreter(settings));
    }
}
