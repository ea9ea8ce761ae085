using System.Text.Json;

namespace CodeActSdk;

/// <summary>
/// What a step's code can call, read before it runs (see <see cref="ICallPreviewer"/>): the tool calls written in the
/// code, and the places where the code may reach a tool in a way the preview cannot name.
/// </summary>
public sealed record CallPreview
{
    /// <summary>The tool calls written in the code, in source order.</summary>
    public IReadOnlyList<PreviewedCall> Calls { get; init; } = [];

    /// <summary>Where the code may reach tools that <see cref="Calls"/> does not list (an alias, <c>eval</c>, a computed name, ...), in source order.</summary>
    public IReadOnlyList<DynamicReach> Dynamic { get; init; } = [];

    /// <summary>Why the code could not be read, when it does not parse; the execution reports the same error. <see langword="null"/> when it parses.</summary>
    public PreviewSyntaxError? SyntaxError { get; init; }

    /// <summary>Whether <see cref="Calls"/> is every tool call the step can make: the code parses and nothing in it reaches tools dynamically.</summary>
    public bool IsComplete => SyntaxError is null && Dynamic.Count == 0;
}

/// <summary>Code that does not parse.</summary>
/// <param name="Message">The parser's message.</param>
/// <param name="Line">The 1-based line of the error.</param>
/// <param name="Column">The 1-based column of the error.</param>
public sealed record PreviewSyntaxError(string Message, int Line, int Column);

/// <summary>One tool call written in the code.</summary>
/// <param name="ToolName">The tool's name (its <see cref="Microsoft.Extensions.AI.AITool.Name"/>, whatever the code calls it).</param>
/// <param name="Line">The 1-based line of the call.</param>
/// <param name="Column">The 1-based column of the call.</param>
/// <param name="Arguments">The arguments as written, in order.</param>
/// <param name="Placement">Whether the call sits in a loop, a conditional or a function: whether it runs exactly once.</param>
public sealed record PreviewedCall(string ToolName, int Line, int Column, IReadOnlyList<PreviewedArgument> Arguments, CallPlacement Placement)
{
    /// <summary>Whether the call runs exactly once when the step runs to its end: it is in no loop, conditional or function.</summary>
    public bool RunsOnce => Placement == CallPlacement.None;

    /// <summary>Whether every argument is a literal (<see cref="PreviewedArgument.IsLiteral"/>).</summary>
    public bool HasLiteralArguments => Arguments.All(a => a.IsLiteral);
}

/// <summary>One argument of a previewed call.</summary>
/// <param name="Name">The parameter it binds to, when the code names it or the language binds it (C#); <see langword="null"/> for a positional JavaScript argument.</param>
/// <param name="Value">The argument as JSON when the code writes it as a literal (a string, number, boolean, null, or an array or object of those); <see langword="null"/> when it is computed.</param>
/// <param name="Source">The argument's source text.</param>
public sealed record PreviewedArgument(string? Name, JsonElement? Value, string Source)
{
    /// <summary>Whether the argument is a literal, known before the code runs (<see cref="Value"/> is set).</summary>
    public bool IsLiteral => Value is not null;
}

/// <summary>Where a previewed call sits, as flags: none means it runs exactly once when the step runs to its end.</summary>
[Flags]
public enum CallPlacement
{
    /// <summary>At the step's top level, outside any loop, conditional or function.</summary>
    None = 0,

    /// <summary>In a loop's body or condition: it may run any number of times.</summary>
    InLoop = 1,

    /// <summary>In a branch (if, switch, ?:, &amp;&amp;, ||, ??, optional chaining, catch): it may not run.</summary>
    InConditional = 2,

    /// <summary>In a function, lambda, method or callback: it runs as often as that is called, maybe never, maybe many times.</summary>
    InFunction = 4,
}

/// <summary>A place where the code may reach a tool in a way the preview cannot name.</summary>
/// <param name="Kind">What the code does there.</param>
/// <param name="Reason">What the code does there and why it may reach a tool, in a sentence for a reviewer.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
/// <param name="Source">The source text of the expression (cut to 200 characters).</param>
/// <param name="ToolName">The tool it concerns, when known (for example a tool used as a value); <see langword="null"/> when it may be any tool.</param>
public sealed record DynamicReach(DynamicReachKind Kind, string Reason, int Line, int Column, string Source, string? ToolName = null);

/// <summary>The ways code reaches tools that a static preview cannot name.</summary>
public enum DynamicReachKind
{
    /// <summary>A tool used as a value rather than called: an alias, a callback, <c>.call</c>/<c>.apply</c>/<c>.bind</c>, stored in an object or array, a C# method group converted to a delegate.</summary>
    ToolAsValue,

    /// <summary>The step assigns or declares a tool's global name, so what a later call of that name runs is unknown.</summary>
    ToolRebound,

    /// <summary>The global object (<c>globalThis</c>, <c>window</c>, <c>self</c>, <c>global</c>, or <c>this</c> where it may be the global object), through which any tool can be read by name.</summary>
    GlobalObject,

    /// <summary><c>eval</c>: code the preview cannot read.</summary>
    Eval,

    /// <summary>The <c>Function</c> constructor (by name or through <c>.constructor</c>): code the preview cannot read.</summary>
    FunctionConstructor,

    /// <summary>Reflection: <c>Reflect</c> in JavaScript; in C#, <c>dynamic</c> or whatever else binds a member at run time.</summary>
    Reflection,

    /// <summary>A <c>with</c> statement: names inside it may resolve to an object's properties.</summary>
    With,

    /// <summary>A dynamic <c>import()</c> or <c>import.meta</c>.</summary>
    DynamicImport,

    /// <summary>A member whose name is computed (<c>o[k](...)</c>), or a member named like a tool on an unknown object.</summary>
    ComputedMember,

    /// <summary>A call whose target the preview cannot tell: a function an earlier step declared, a variable or parameter holding a function, the result of another call.</summary>
    UnknownCallee,
}
