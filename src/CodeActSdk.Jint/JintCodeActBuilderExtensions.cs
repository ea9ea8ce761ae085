using CodeActSdk.Jint;

namespace CodeActSdk;

/// <summary>Registers the Jint backend with <c>services.AddCodeAct(b =&gt; b.UseJint())</c>.</summary>
public static class JintCodeActBuilderExtensions
{
    /// <summary>
    /// Runs the agent's code in Jint 4 (modern JavaScript). The interpreter is a singleton owned by the
    /// service provider, which disposes it with the provider.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The interpreter's settings; the defaults when omitted.</param>
    public static CodeActBuilder UseJint(this CodeActBuilder builder, JintInterpreterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = (options ?? new JintInterpreterOptions()).Validate();
        return builder.UseInterpreter(_ => new JintInterpreter(settings));
    }
}
