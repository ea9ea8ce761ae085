using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>
/// Charging allocations before they happen. Four ways, one table each, all ending in the execution's budget
/// (<c>ScriptExecution.ChargeBytes</c>), where a charge that would pass the memory limit is a <c>MemoryLimit</c> stop
/// before anything is allocated:
/// <list type="bullet">
/// <item>a sizing argument (<see cref="ChargedArguments"/>: <c>new string(c, n)</c>, capacities) is wrapped in a guard call that charges it;</item>
/// <item>a call that copies its receiver (<see cref="CopiedReceivers"/>: <c>ToUpper</c>, <c>Split</c>, <c>StringBuilder.ToString</c>) gets its receiver wrapped in a guard call that charges its size;</item>
/// <item>a call whose size depends on several inputs goes through <see cref="Runtime.ChargedCalls"/>, which is itself the
/// table: a call is redirected there when it declares a method of the same name whose parameters are the call's own
/// (the receiver first for an instance method);</item>
/// <item>operators that build a new value from their operands: string <c>+</c> and <c>+=</c> (through
/// <c>ChargedCalls.Concat</c>), BigInteger <c>*</c>, <c>&lt;&lt;</c> and their compound forms, and interpolated strings
/// (each string hole adds its length to the string being built).</item>
/// </list>
/// </summary>
internal sealed partial class GuardRewriter
{
    private const string ChargedCallsType = "CodeActSdk.Roslyn.Runtime.ChargedCalls";
    private const string Charged = "global::" + ChargedCallsType;
    private const string BigIntegerType = "System.Numerics.BigInteger";

    /// <summary>Instance calls that copy their receiver: (type, member) → how many times the receiver's size is charged.</summary>
    private static readonly Dictionary<(string Type, string Member), int> CopiedReceivers = new()
    {
        [("string", "ToUpper")] = 1,
        [("string", "ToLower")] = 1,
        [("string", "ToUpperInvariant")] = 1,
        [("string", "ToLowerInvariant")] = 1,
        [("string", "ToCharArray")] = 1,
        [("string", "Normalize")] = 1,
        [("string", "Replace")] = 1, // the overloads ChargedCalls does not have: Replace(char, char) keeps the length
        // The pieces' characters, and as much again for their headers and the array of them.
        [("string", "Split")] = 2,
        [("System.Text.StringBuilder", "ToString")] = 1,
        [(BigIntegerType, "ToString")] = 1,
    };

    /// <summary>Types some of whose members have a charged stand-in in <see cref="Runtime.ChargedCalls"/>.</summary>
    private static readonly HashSet<string> WrappedTypes = ["string", "System.Text.StringBuilder", "System.Linq.Enumerable", "System.Collections.Generic.List<T>", BigIntegerType];

    /// <summary>How parameter types are compared with the stand-ins': full names, no nullable annotations.</summary>
    private static readonly SymbolDisplayFormat SignatureFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    private HashSet<string>? _standIns;

    /// <summary>Sends a call to its charged stand-in, or charges its receiver, when the tables say so.</summary>
    private ExpressionSyntax ChargeCall(InvocationExpressionSyntax original, InvocationExpressionSyntax visited)
    {
        if (model.GetSymbolInfo(original, cancellationToken).Symbol is not IMethodSymbol method)
        {
            return visited;
        }

        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        var typeName = definition.ContainingType.ToDisplayString();
        var hasReceiver = !definition.IsStatic || method.ReducedFrom is not null;
        var access = visited.Expression as MemberAccessExpressionSyntax;
        if (hasReceiver && access is null)
        {
            return visited; // an implicit this, or a conditional access (s?.M()): nothing to wrap
        }

        if (WrappedTypes.Contains(typeName) && HasStandIn(definition))
        {
            var name = (access?.Name ?? visited.Expression as SimpleNameSyntax) is GenericNameSyntax generic
                ? $"{Charged}.{definition.Name}{generic.TypeArgumentList.WithoutTrivia()}"
                : $"{Charged}.{definition.Name}";
            var argumentList = visited.ArgumentList;
            if (hasReceiver)
            {
                // recv.M(a) becomes M(recv, a); the line breaks around the dot and the name move to the comma, so lines stay.
                var moved = access!.OperatorToken.LeadingTrivia.AddRange(access.OperatorToken.TrailingTrivia)
                    .AddRange(access.Name.GetLeadingTrivia()).AddRange(access.Name.GetTrailingTrivia());
                var receiver = Argument(access.Expression.WithoutLeadingTrivia());
                var arguments = argumentList.Arguments;
                argumentList = arguments.Count == 0
                    ? argumentList.WithArguments(SingletonSeparatedList(receiver)).WithCloseParenToken(argumentList.CloseParenToken.WithLeadingTrivia(moved.AddRange(argumentList.CloseParenToken.LeadingTrivia)))
                    : argumentList.WithArguments(SeparatedList([receiver, .. arguments], [Token(moved, SyntaxKind.CommaToken, default), .. arguments.GetSeparators()]));
                return InvocationExpression(ParseExpression(name), argumentList).WithLeadingTrivia(access.Expression.GetLeadingTrivia());
            }

            return InvocationExpression(ParseExpression(name).WithTriviaFrom(visited.Expression), argumentList);
        }

        if (!definition.IsStatic && CopiedReceivers.TryGetValue((typeName, definition.Name), out var factor))
        {
            var receiver = Guarded("Copied", access!.Expression.WithoutTrivia(), Number(factor));
            return visited.WithExpression(access.WithExpression(receiver.WithTriviaFrom(access.Expression)));
        }

        return visited;
    }

    /// <summary>Whether <see cref="Runtime.ChargedCalls"/> declares a stand-in for <paramref name="definition"/>: same name, the receiver's type then the same parameters.</summary>
    private bool HasStandIn(IMethodSymbol definition)
    {
        _standIns ??= model.Compilation.GetTypeByMetadataName(ChargedCallsType) is { } standIns
            ? [.. standIns.GetMembers().OfType<IMethodSymbol>().Where(m => m.DeclaredAccessibility == Accessibility.Public).Select(m => Signature(m.Name, null, m.Parameters))]
            : [];
        var receiver = definition.IsStatic ? null : definition.ContainingType;
        return _standIns.Contains(Signature(definition.Name, receiver, definition.Parameters));
    }

    private static string Signature(string name, ITypeSymbol? receiver, IEnumerable<IParameterSymbol> parameters)
    {
        var types = parameters.Select(p => $"{p.RefKind} {(p.IsParams ? "params " : "")}{p.Type.ToDisplayString(SignatureFormat)}");
        return $"{name}({string.Join(", ", receiver is null ? types : types.Prepend("None " + receiver.ToDisplayString(SignatureFormat)))})";
    }

    // ---- Operators ------------------------------------------------------------------------------------------------

    public override SyntaxNode? VisitBinaryExpression(BinaryExpressionSyntax node)
    {
        if (node.IsKind(SyntaxKind.AddExpression) && IsStringConcatenation(node))
        {
            return ConcatenationChain(node);
        }

        var visited = (BinaryExpressionSyntax)base.VisitBinaryExpression(node)!;
        if (model.GetOperation(node, cancellationToken) is not IBinaryOperation { OperatorMethod: { } operatorMethod } || BigIntegerStandIn(operatorMethod) is not { } standIn)
        {
            return visited;
        }

        var comma = Token(visited.OperatorToken.LeadingTrivia, SyntaxKind.CommaToken, visited.OperatorToken.TrailingTrivia);
        return InvocationExpression(ParseExpression($"{Charged}.{standIn}"), ArgumentList(SeparatedList([Argument(visited.Left), Argument(visited.Right)], [comma])));
    }

    public override SyntaxNode? VisitAssignmentExpression(AssignmentExpressionSyntax node)
    {
        var visited = (AssignmentExpressionSyntax)base.VisitAssignmentExpression(node)!;
        var operation = model.GetOperation(node, cancellationToken);
        if (operation is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property: var property } }
            && ChargedArguments.TryGetValue((property.OriginalDefinition.ContainingType.ToDisplayString(), property.Name, "value"), out var charge))
        {
            // A sizing property (Capacity, Length) set directly.
            return visited.WithRight(ChargeExpression(charge, visited.Right));
        }

        if (operation is not ICompoundAssignmentOperation compound || !CanEvaluateTwice(node.Left))
        {
            return visited;
        }

        // L op= R becomes L = Stand-in(L, R): the same reads and writes of L, in the same order, when L has no side effects.
        ExpressionSyntax? value = null;
        if (compound is { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, Type.SpecialType: SpecialType.System_String })
        {
            // s += a + b makes one string of s, a and b, as the compiler would, not a + b first.
            var operands = new List<ExpressionSyntax>();
            var separators = new List<SyntaxToken>();
            ConcatenationOperands(node.Right, operands, separators);
            var arguments = new List<ArgumentSyntax> { Argument(visited.Left.WithoutTrivia()) };
            arguments.AddRange(operands.Select(o => Argument(AsString(o, (ExpressionSyntax)Visit(o)!))));
            value = InvocationExpression(
                ParseExpression($"{Charged}.Concat"),
                ArgumentList(SeparatedList(arguments, [Token(SyntaxKind.CommaToken), .. separators.Select(Comma)])));
        }
        else if (compound.OperatorMethod is { } operatorMethod && BigIntegerStandIn(operatorMethod) is { } standIn)
        {
            value = Guarded(standIn, visited.Left.WithoutTrivia(), visited.Right, Charged);
        }

        return value is null
            ? visited
            : AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, visited.Left, Token(visited.OperatorToken.LeadingTrivia, SyntaxKind.EqualsToken, visited.OperatorToken.TrailingTrivia), value.WithTriviaFrom(visited.Right));
    }

    private static string? BigIntegerStandIn(IMethodSymbol operatorMethod) =>
        operatorMethod.ContainingType.ToDisplayString() != BigIntegerType ? null : operatorMethod.Name switch
        {
            "op_Multiply" => "Multiply",
            "op_LeftShift" => "LeftShift",
            _ => null,
        };

    private bool IsStringConcatenation(BinaryExpressionSyntax node) =>
        model.GetOperation(node, cancellationToken) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add, Type.SpecialType: SpecialType.System_String } operation
        && (operation.OperatorMethod is null || operation.OperatorMethod.MethodKind == MethodKind.BuiltinOperator)
        && !model.GetConstantValue(node, cancellationToken).HasValue;

    /// <summary>
    /// <c>a + b + c</c> (strings) becomes <c>ChargedCalls.Concat(a, b, c)</c>, operands that are not strings converted as C#
    /// converts them (<c>ToString()</c>, null as empty). The operator tokens' trivia moves to the commas, so lines stay.
    /// </summary>
    private ExpressionSyntax ConcatenationChain(BinaryExpressionSyntax node)
    {
        var operands = new List<ExpressionSyntax>();
        var separators = new List<SyntaxToken>();
        ConcatenationOperands(node, operands, separators);
        var arguments = operands.Select(o => Argument(AsString(o, (ExpressionSyntax)Visit(o)!)));
        return InvocationExpression(ParseExpression($"{Charged}.Concat"), ArgumentList(SeparatedList(arguments, separators.Select(Comma))));
    }

    /// <summary>
    /// The operands of a string concatenation, in order, with nested concatenations (<c>a + (b + c)</c>) spread out as
    /// the compiler spreads them, so that one string is made; the operator tokens are returned too, for their trivia.
    /// </summary>
    private void ConcatenationOperands(ExpressionSyntax expression, List<ExpressionSyntax> operands, List<SyntaxToken> separators)
    {
        switch (expression)
        {
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression) && IsStringConcatenation(binary):
                ConcatenationOperands(binary.Left, operands, separators);
                separators.Add(binary.OperatorToken);
                ConcatenationOperands(binary.Right, operands, separators);
                break;
            case ParenthesizedExpressionSyntax { Expression: BinaryExpressionSyntax inner } parenthesized when inner.IsKind(SyntaxKind.AddExpression) && IsStringConcatenation(inner)
                && !HasLineBreak(parenthesized.OpenParenToken) && !HasLineBreak(parenthesized.CloseParenToken):
                ConcatenationOperands(inner, operands, separators);
                break;
            default:
                operands.Add(expression);
                break;
        }
    }

    private static bool HasLineBreak(SyntaxToken token) =>
        token.LeadingTrivia.Concat(token.TrailingTrivia).Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));

    /// <summary>A comma in place of an operator, keeping the operator's trivia (line breaks included), so that lines stay.</summary>
    private static SyntaxToken Comma(SyntaxToken operatorToken) => Token(operatorToken.LeadingTrivia, SyntaxKind.CommaToken, operatorToken.TrailingTrivia);

    /// <summary>An operand of a string concatenation as the string C# would make of it.</summary>
    private ExpressionSyntax AsString(ExpressionSyntax original, ExpressionSyntax visited)
    {
        var type = model.GetTypeInfo(original, cancellationToken).Type;
        var operand = ParenthesizedExpression(visited.WithoutTrivia());
        ExpressionSyntax text = type switch
        {
            null => ParseExpression("(string)null"),
            { SpecialType: SpecialType.System_String } => visited.WithoutTrivia(),
            _ when type.ToDisplayString() is "System.Text.StringBuilder" => ConditionalToString(Guarded("Copied", visited.WithoutTrivia(), Number(1))),
            _ when type.ToDisplayString() == BigIntegerType => ToStringCall(Guarded("Copied", visited.WithoutTrivia(), Number(1))),
            { IsValueType: true } when type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T => ToStringCall(operand),
            _ => ConditionalToString(operand),
        };
        return text.WithTriviaFrom(visited);

        static ExpressionSyntax ToStringCall(ExpressionSyntax value) =>
            InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, value, IdentifierName("ToString")));

        static ExpressionSyntax ConditionalToString(ExpressionSyntax value) =>
            ConditionalAccessExpression(value, InvocationExpression(MemberBindingExpression(IdentifierName("ToString"))));
    }

    /// <summary>
    /// Whether evaluating <paramref name="target"/> a second time reads the same place and runs nothing: locals,
    /// parameters, fields, the session's variables, <c>this</c>, and members and elements of those at constant or
    /// variable indices. A property or indexer target is still read once and written once.
    /// </summary>
    private bool CanEvaluateTwice(ExpressionSyntax target) => target switch
    {
        IdentifierNameSyntax => true,
        ThisExpressionSyntax => true,
        MemberAccessExpressionSyntax member => IsPlainPlace(member.Expression),
        ElementAccessExpressionSyntax element => IsPlainPlace(element.Expression) && element.ArgumentList.Arguments.All(a => IsPlainPlace(a.Expression)),
        _ => false,
    };

    /// <summary>A receiver or index that evaluating again only reads: a constant, local, parameter, field, type, the session's variable (a ref property), or a field of one.</summary>
    private bool IsPlainPlace(ExpressionSyntax expression)
    {
        if (model.GetConstantValue(expression, cancellationToken).HasValue || expression is ThisExpressionSyntax)
        {
            return true;
        }

        var symbol = model.GetSymbolInfo(expression, cancellationToken).Symbol;
        var plain = symbol is ILocalSymbol or IParameterSymbol or IFieldSymbol or INamedTypeSymbol or INamespaceSymbol
            || symbol is IPropertySymbol { ReturnsByRef: true, ContainingType.IsScriptClass: true };
        return expression switch
        {
            IdentifierNameSyntax => plain,
            MemberAccessExpressionSyntax member => plain && IsPlainPlace(member.Expression),
            _ => false,
        };
    }

    // ---- Interpolated strings -------------------------------------------------------------------------------------

    /// <summary>
    /// An interpolated string made into a string becomes <c>EndText(BeginText(literal chars), $"...{Piece(s)}...")</c>:
    /// each string hole adds its length, and the string so far is charged before the next part is appended. One that
    /// goes straight into a builder (<c>sb.Append($"...")</c>) charges each string hole on its own. Alignments
    /// (<c>{x,1000000}</c>) are charged either way.
    /// </summary>
    public override SyntaxNode? VisitInterpolatedStringExpression(InterpolatedStringExpressionSyntax node)
    {
        var visited = (InterpolatedStringExpressionSyntax)base.VisitInterpolatedStringExpression(node)!;
        if (model.GetConstantValue(node, cancellationToken).HasValue)
        {
            return visited;
        }

        var converted = model.GetTypeInfo(node, cancellationToken).ConvertedType;
        var toString = converted?.SpecialType == SpecialType.System_String;
        var toHandler = converted is not null && converted.GetAttributes().Any(a => a.AttributeClass?.Name == "InterpolatedStringHandlerAttribute");
        if (!toString && !toHandler)
        {
            return visited; // FormattableString or IFormattable: formatted later, by the code's own call
        }

        long constantChars = 0;
        var pieces = 0;
        var contents = new List<InterpolatedStringContentSyntax>();
        for (var i = 0; i < node.Contents.Count; i++)
        {
            if (node.Contents[i] is not InterpolationSyntax hole || visited.Contents[i] is not InterpolationSyntax visitedHole)
            {
                constantChars += node.Contents[i] is InterpolatedStringTextSyntax text ? text.TextToken.ValueText.Length : 0;
                contents.Add(visited.Contents[i]);
                continue;
            }

            var expression = visitedHole.Expression;
            var width = hole.AlignmentClause is { } alignment && model.GetConstantValue(alignment.Value, cancellationToken).Value is int w ? Math.Abs((long)w) : 0;
            var holeType = model.GetTypeInfo(hole.Expression, cancellationToken).Type;
            if (holeType?.SpecialType == SpecialType.System_String)
            {
                expression = Guarded(toString ? "Piece" : "Chars", expression.WithoutTrivia()).WithTriviaFrom(expression);
                pieces++;
            }
            else if (holeType?.ToDisplayString() is "System.Text.StringBuilder" or BigIntegerType)
            {
                expression = Guarded("Copied", expression.WithoutTrivia(), Number(1)).WithTriviaFrom(expression);
            }

            if (toString)
            {
                constantChars += width;
            }
            else if (width >= 1024)
            {
                expression = Guarded("Aligned", expression.WithoutTrivia(), Number((int)width)).WithTriviaFrom(expression);
            }

            contents.Add(visitedHole.WithExpression(expression));
        }

        var rewritten = visited.WithContents(List(contents));
        if (!toString || (pieces == 0 && constantChars * sizeof(char) < Runtime.ScriptExecution.ChargeThresholdBytes))
        {
            return rewritten;
        }

        var begin = Guarded("BeginText", Number((int)Math.Min(constantChars, int.MaxValue)));
        return Guarded("EndText", begin, rewritten.WithoutTrivia()).WithTriviaFrom(visited);
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------

    /// <summary>A call of a guard method (or of <paramref name="type"/>'s method) on the given arguments.</summary>
    private static InvocationExpressionSyntax Guarded(string method, ExpressionSyntax first, ExpressionSyntax? second = null, string type = Guard) =>
        InvocationExpression(
            ParseExpression($"{type}.{method}"),
            ArgumentList(SeparatedList(second is null ? [Argument(first)] : new[] { Argument(first), Argument(second) })));

    private static LiteralExpressionSyntax Number(int value) => LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(value));
}
