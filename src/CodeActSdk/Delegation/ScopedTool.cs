using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>A session's tool that needs to know the step calling it (a sub-agent): the session's scope rides in the call's <see cref="AIFunctionArguments.Context"/>.</summary>
internal sealed class ScopedTool(AIFunction tool, SessionScope scope) : DelegatingAIFunction(tool)
{
    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        arguments.Context ??= new Dictionary<object, object?>();
        arguments.Context[typeof(SessionScope)] = scope;
        return base.InvokeCoreAsync(arguments, cancellationToken);
    }
}
