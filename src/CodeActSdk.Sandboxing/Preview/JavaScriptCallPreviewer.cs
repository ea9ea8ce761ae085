using Acornima;
using Acornima.Ast;
using CodeActSdk.Tools;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Preview;

/// <summary>
/// The call preview of the JavaScript backends (Jint and V8): parses a step as a classic script with Acornima and
/// walks the syntax tree with the scopes of its declarations. A direct call <c>tool(...)</c> of a tool's global name
/// that no declaration of the step shadows is a <see cref="PreviewedCall"/>; every way of reaching a tool without
/// such a call (the tool used as a value, the global object, <c>eval</c>, the <c>Function</c> constructor,
/// <c>Reflect</c>, <c>with</c>, <c>import()</c>, a computed method name, a function the step does not declare) is a
/// <see cref="DynamicReach"/>.
/// </summary>
/// <remarks>
/// What the preview cannot see across steps: a function an earlier step stored under a name this step calls is
/// reported as <see cref="DynamicReachKind.UnknownCallee"/>, but a value of an earlier step read through an object's
/// property (<c>helpers.run()</c>) is not; the step that stored a tool there was reported when it was previewed.
/// Stateless, so thread-safe; use <see cref="Instance"/>.
/// </remarks>
public sealed class JavaScriptCallPreviewer : ICallPreviewer
{
    /// <summary>The previewer; it holds no state.</summary>
    public static JavaScriptCallPreviewer Instance { get; } = new();

    private static readonly ParserOptions ParserOptions = new();

    /// <summary>Code nested deeper than the stack allows to read: the execution refuses it too.</summary>
    private static readonly CallPreview TooDeep = new()
    {
        SyntaxError = new PreviewSyntaxError("The code nests too deeply to be read; flatten it.", 1, 1),
    };

    /// <inheritdoc />
    public CallPreview Preview(string code, IReadOnlyList<AIFunction> tools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(tools);
        cancellationToken.ThrowIfCancellationRequested();
        Script script;
        try
        {
            script = new Parser(ParserOptions).ParseScript(code);
        }
        catch (ParseErrorException e)
        {
            return new CallPreview { SyntaxError = new PreviewSyntaxError(e.Error.Description, Math.Max(e.LineNumber, 1), Math.Max(e.Column, 1)) };
        }
        catch (InsufficientExecutionStackException)
        {
            return TooDeep;
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            names.TryAdd(ToolDescriptor.From(tool).Name, tool.Name);
        }

        var walker = new JavaScriptCallWalker(code, names, cancellationToken);
        try
        {
            walker.Walk(script);
        }
        catch (InsufficientExecutionStackException)
        {
            return TooDeep;
        }

        return new CallPreview { Calls = walker.OrderedCalls(), Dynamic = walker.OrderedDynamic() };
    }
}
