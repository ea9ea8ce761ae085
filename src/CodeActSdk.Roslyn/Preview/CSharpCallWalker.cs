using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Roslyn.Runtime;
using CodeActSdk.Roslyn.Tools;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeActSdk.Roslyn.Preview;

/// <summary>One walk of a bound step for <see cref="CSharpCallPreviewer"/>. Used once, by one thread.</summary>
internal sealed class CSharpCallWalker(SemanticModel model, IReadOnlyDictionary<string, CSharpToolMethod> tools, CancellationToken cancellationToken)
{
    private readonly List<PreviewedCall> _calls = [];
    private readonly List<DynamicReach> _dynamic = [];

    public IReadOnlyList<PreviewedCall> Calls => [.. _calls.OrderBy(c => c.Line).ThenBy(c => c.Column)];

    public IReadOnlyList<DynamicReach> Dynamic => [.. _dynamic.OrderBy(d => d.Line).ThenBy(d => d.Column)];

    /// <summary>
    /// Methods whose calls can reach a method by reflection or the tool gateway (<c>ToolGateway.Call</c>): a method is
    /// always called by its own name, so only invocations of these names (besides the tools') need binding for that.
    /// </summary>
    private static readonly HashSet<string> ReflectiveNames = new(StringComparer.Ordinal)
    {
        "Invoke", "DynamicInvoke", "CreateDelegate", "InvokeMember", "CreateInstance", "GetMethod", "GetMethods",
        "GetMember", "GetMembers", "GetProperty", "GetField", "GetRuntimeMethod", "GetMethodInfo", "Call", "Compile",
    };

    /// <summary>
    /// Walks the step. Binding is what costs, so only what can reach a tool is bound: invocations of a tool's method
    /// name or of a reflective name, calls of a bare name the step does not declare as a method (a local function, or
    /// a method of an earlier step), and names spelled like a tool method (a method group is always spelled by its
    /// name). Code that mentions <c>dynamic</c> has every invocation bound.
    /// </summary>
    public void Walk(CompilationUnitSyntax root)
    {
        // Without the keyword, nothing of the step is dynamic (an earlier step's dynamic value is an unknown name here).
        var bindAll = root.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == "dynamic");

        // A bare call of a method the step declares at its top level (in scope everywhere in the step) or of
        // final_answer binds to that method in the preview's compilation whatever it is, so it needs no binding.
        var ownMethods = new HashSet<string>(StringComparer.Ordinal) { "final_answer", "nameof" };
        foreach (var member in root.Members)
        {
            if (member is MethodDeclarationSyntax method)
            {
                ownMethods.Add(method.Identifier.ValueText);
            }
        }

        foreach (var node in root.DescendantNodes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (node)
            {
                case InvocationExpressionSyntax invocation:
                    var callee = invocation.Expression switch
                    {
                        MemberAccessExpressionSyntax member => member.Name,
                        MemberBindingExpressionSyntax binding => binding.Name,
                        SimpleNameSyntax name => name,
                        _ => null,
                    };
                    if (bindAll || callee is not null && (tools.ContainsKey(callee.Identifier.ValueText) || ReflectiveNames.Contains(callee.Identifier.ValueText)
                        || invocation.Expression is SimpleNameSyntax && !ownMethods.Contains(callee.Identifier.ValueText)))
                    {
                        Invocation(invocation, full: bindAll);
                    }

                    break;
                case SimpleNameSyntax name when tools.ContainsKey(name.Identifier.ValueText):
                    // A tool method can only be named by its name (no alias names a method), so only those names are bound.
                    Name(name);
                    break;
            }
        }
    }

    /// <summary>
    /// Binds an invocation's target. Only the callee is bound where it can be (<c>tools.GetPrice</c> or a bare name, at
    /// the call's position, speculatively): binding the whole call would bind its statement, lambdas and LINQ included,
    /// which costs far more than finding the method. With <paramref name="full"/> (code that says <c>dynamic</c>) the
    /// whole invocation is bound, so that a call bound at run time is seen as such.
    /// </summary>
    private void Invocation(InvocationExpressionSyntax invocation, bool full)
    {
        var speculative = !full && invocation.Expression is MemberAccessExpressionSyntax or SimpleNameSyntax;
        var info = speculative
            ? model.GetSpeculativeSymbolInfo(invocation.Expression.SpanStart, invocation.Expression, SpeculativeBindingOption.BindAsExpression)
            : model.GetSymbolInfo(invocation, cancellationToken);
        var method = info.Symbol as IMethodSymbol
            ?? (info.CandidateSymbols.Length > 0 && info.CandidateSymbols.All(c => c is IMethodSymbol) ? (IMethodSymbol)info.CandidateSymbols[0] : null);
        if (method is not null && CSharpCallPreviewer.IsToolsClass(method.ContainingType) && tools.TryGetValue(method.Name, out var tool))
        {
            var at = invocation.GetLocation().GetLineSpan().StartLinePosition;
            _calls.Add(new PreviewedCall(tool.Tool.Function.Name, at.Line + 1, at.Character + 1, Arguments(invocation, method, tool), Placement(invocation)));
            return;
        }

        if (method is not null)
        {
            Reflective(invocation.Expression, method);
        }

        if (info.Symbol is not null || info.CandidateSymbols.Length > 0)
        {
            return;
        }

        if (!speculative && (IsDynamic(invocation) || IsDynamic(invocation.Expression)))
        {
            Report(DynamicReachKind.Reflection, invocation, "makes a call bound at run time (dynamic), which may reach any member of any object, tools included");
        }
        else if (invocation.Expression is SimpleNameSyntax name && name.Identifier.ValueText != "nameof")
        {
            Report(DynamicReachKind.UnknownCallee, invocation.Expression, $"calls '{name.Identifier.ValueText}', which this step does not declare: a method of an earlier step may call tools");
        }
        else if (invocation.Expression switch { MemberAccessExpressionSyntax access => access.Name, MemberBindingExpressionSyntax binding => binding.Name, _ => null } is { } member
                 && tools.TryGetValue(member.Identifier.ValueText, out var named))
        {
            UnboundToolName(invocation.Expression, member, named);
        }
    }

    /// <summary>
    /// A tool method's name on a receiver that does not bind here, typically an earlier step's variable: it may hold
    /// the tools object (<c>var t = tools;</c> in one step, <c>t.GetPrice(...)</c> in the next), which nothing else reports.
    /// </summary>
    private void UnboundToolName(ExpressionSyntax expression, SimpleNameSyntax member, CSharpToolMethod tool) =>
        Report(DynamicReachKind.UnknownCallee, expression, $"names the tool method {member.Identifier.ValueText} on a value this step does not declare: an earlier step's variable may hold the tools object", tool.Tool.Function.Name);

    /// <summary>A name spelled like a tool method: a method group of a tool, unless it is called; a member read at run time (dynamic).</summary>
    private void Name(SimpleNameSyntax name)
    {
        // The whole expression that names the method: tools.GetPrice, tools?.GetPrice, or GetPrice alone.
        ExpressionSyntax expression = name.Parent switch
        {
            MemberAccessExpressionSyntax member when member.Name == name => member,
            MemberBindingExpressionSyntax binding => binding,
            _ => name,
        };
        if (expression.Parent is InvocationExpressionSyntax invocation && invocation.Expression == expression || InNameOf(expression))
        {
            return; // a call, which the invocation reports, or only its name.
        }

        var info = model.GetSymbolInfo(name, cancellationToken);
        var symbol = info.Symbol ?? (info.CandidateSymbols.Length > 0 ? info.CandidateSymbols[0] : null);
        if (symbol is IMethodSymbol method && CSharpCallPreviewer.IsToolsClass(method.ContainingType) && tools.TryGetValue(method.Name, out var tool))
        {
            Report(DynamicReachKind.ToolAsValue, expression, $"uses the tool method {method.Name} as a value (a delegate), so where it is called cannot be previewed", tool.Tool.Function.Name);
        }
        else if (symbol is null && expression is MemberAccessExpressionSyntax { Expression: var receiver } && IsDynamic(receiver))
        {
            Report(DynamicReachKind.Reflection, expression, "reads a member bound at run time (dynamic), which may be a tool method");
        }
        else if (symbol is null && expression is MemberAccessExpressionSyntax or MemberBindingExpressionSyntax && tools.TryGetValue(name.Identifier.ValueText, out var unbound))
        {
            UnboundToolName(expression, name, unbound);
        }
    }

    /// <summary>
    /// A call of the sandbox's tool gateway or of reflection (which the default allow-list refuses anyway). Every way to
    /// call a method by reflection is a call of a method (Invoke, DynamicInvoke, CreateDelegate, ...), so the
    /// invocations are where this is checked.
    /// </summary>
    private void Reflective(ExpressionSyntax callee, ISymbol symbol)
    {
        var at = callee is MemberAccessExpressionSyntax member ? member.Name : callee;
        var type = symbol.ContainingType;
        if (type is not null && type.Name == nameof(ToolGateway) && type.ContainingNamespace?.ToDisplayString() == typeof(ToolGateway).Namespace)
        {
            Report(DynamicReachKind.Reflection, at, "calls the sandbox's tool gateway directly, which calls a tool by number");
        }
        else if (type?.ToDisplayString() is "System.Type" or "System.Activator"
                 || symbol.ContainingNamespace?.ToDisplayString() is { } ns && (ns.StartsWith("System.Reflection", StringComparison.Ordinal) || ns.StartsWith("System.Linq.Expressions", StringComparison.Ordinal))
                 || symbol is IMethodSymbol { Name: "DynamicInvoke" or "CreateDelegate" } && type?.SpecialType is SpecialType.System_Delegate or SpecialType.System_MulticastDelegate)
        {
            Report(DynamicReachKind.Reflection, at, $"uses reflection ({symbol.ToDisplayString()}), which can call any method by name");
        }
    }

    private List<PreviewedArgument> Arguments(InvocationExpressionSyntax invocation, IMethodSymbol method, CSharpToolMethod tool)
    {
        var arguments = new List<PreviewedArgument>(invocation.ArgumentList.Arguments.Count);
        var position = 0;
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            var parameterName = argument.NameColon?.Name.Identifier.ValueText
                ?? (position < method.Parameters.Length ? method.Parameters[position].Name : null);
            position++;
            var parameter = tool.Parameters.FirstOrDefault(p => p.Name.TrimStart('@') == parameterName);
            JsonElement? value = Constant(argument.Expression) is (true, var node) ? JsonSerializer.SerializeToElement(node) : null;
            arguments.Add(new PreviewedArgument(parameter?.Parameter.Name ?? parameterName, value, Text(argument.Expression)));
        }

        return arguments;
    }

    /// <summary>
    /// The value of an argument written as a constant: a literal, a negated number, literal strings joined with +, or
    /// a constant's name (bound alone). Read from the syntax, so that the statement around the call need not be bound.
    /// </summary>
    private (bool Ok, JsonNode? Node) Constant(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case LiteralExpressionSyntax literal:
                return literal.Kind() == SyntaxKind.DefaultLiteralExpression ? (false, null) : Json(literal.Token.Value);
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression, Operand: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression } number }:
                return Json(number.Token.Value switch
                {
                    int i => -(long)i,
                    long l => -l,
                    uint u => -(long)u,
                    double d => -d,
                    float f => -f,
                    decimal m => -m,
                    _ => null,
                });
            case ParenthesizedExpressionSyntax parenthesized:
                return Constant(parenthesized.Expression);
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } sum
                when Constant(sum.Left) is (true, JsonValue left) && Constant(sum.Right) is (true, JsonValue right)
                    && left.TryGetValue<string>(out var a) && right.TryGetValue<string>(out var b):
                return (true, JsonValue.Create(a + b));
            case IdentifierNameSyntax name:
                var symbol = model.GetSpeculativeSymbolInfo(name.SpanStart, name, SpeculativeBindingOption.BindAsExpression).Symbol;
                return symbol switch
                {
                    ILocalSymbol { HasConstantValue: true } local => Json(local.ConstantValue),
                    IFieldSymbol { HasConstantValue: true } field => Json(field.ConstantValue),
                    _ => (false, null),
                };
            default:
                return (false, null);
        }
    }

    private static (bool Ok, JsonNode? Node) Json(object? constant) => constant switch
    {
        null => (true, null),
        string text => (true, JsonValue.Create(text)),
        char c => (true, JsonValue.Create(c.ToString())),
        bool b => (true, JsonValue.Create(b)),
        double d when double.IsFinite(d) => (true, JsonValue.Create(d)),
        float f when float.IsFinite(f) => (true, JsonValue.Create(f)),
        decimal m => (true, JsonValue.Create(m)),
        long or int or short or sbyte or byte or ushort or uint => (true, JsonValue.Create(Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture))),
        ulong u => (true, JsonValue.Create(u)),
        _ => (false, null),
    };

    /// <summary>Where a call sits: in a loop, a branch, a function (a lambda, a local function, a method, a query clause).</summary>
    private static CallPlacement Placement(SyntaxNode node)
    {
        var placement = CallPlacement.None;
        var child = node;
        foreach (var parent in node.Ancestors())
        {
            placement |= parent switch
            {
                ForStatementSyntax loop when child != loop.Declaration && !loop.Initializers.Contains(child) => CallPlacement.InLoop,
                CommonForEachStatementSyntax loop when child == loop.Statement => CallPlacement.InLoop,
                WhileStatementSyntax or DoStatementSyntax => CallPlacement.InLoop,
                IfStatementSyntax branch when child != branch.Condition => CallPlacement.InConditional,
                SwitchSectionSyntax or SwitchExpressionArmSyntax or CatchClauseSyntax => CallPlacement.InConditional,
                ConditionalExpressionSyntax branch when child != branch.Condition => CallPlacement.InConditional,
                BinaryExpressionSyntax binary when child == binary.Right && binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression or SyntaxKind.CoalesceExpression => CallPlacement.InConditional,
                AssignmentExpressionSyntax assignment when child == assignment.Right && assignment.Kind() == SyntaxKind.CoalesceAssignmentExpression => CallPlacement.InConditional,
                ConditionalAccessExpressionSyntax access when child == access.WhenNotNull => CallPlacement.InConditional,
                AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax
                    or BasePropertyDeclarationSyntax or QueryBodySyntax or TypeDeclarationSyntax => CallPlacement.InFunction,
                _ => CallPlacement.None,
            };
            child = parent;
        }

        return placement;
    }

    private bool IsDynamic(ExpressionSyntax expression) =>
        model.GetTypeInfo(expression, cancellationToken).Type?.TypeKind == TypeKind.Dynamic;

    private static bool InNameOf(SyntaxNode node) =>
        node.Ancestors().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" });

    private static string Text(SyntaxNode node)
    {
        var text = node.ToString();
        return text.Length <= 200 ? text : text[..200] + "…";
    }

    private void Report(DynamicReachKind kind, SyntaxNode at, string reason, string? tool = null)
    {
        var position = at.GetLocation().GetLineSpan().StartLinePosition;
        _dynamic.Add(new DynamicReach(kind, reason, position.Line + 1, position.Character + 1, Text(at), tool));
    }
}
