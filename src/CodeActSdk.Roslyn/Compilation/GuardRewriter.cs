using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>
/// Rewrites a checked submission so that the code cannot run away: it inserts calls to
/// <see cref="Runtime.SandboxGuard"/> at loop back-edges and gotos, at the entry of every method, accessor, operator,
/// lambda and local function, and at the start of catch and finally blocks; it adds a filter to every catch clause
/// so that the sandbox's stop can never be caught; it charges array sizes and the allocations of library calls and
/// operators whose size follows from their operands to the memory budget before they happen (see the other part of
/// this class, GuardRewriter.Charges.cs); it gives every regular expression a match timeout; it lets only predefined
/// culture names reach <c>CultureInfo</c>, <c>RegionInfo</c> and <c>CompareInfo</c>; it ends the code's
/// <c>Task.Delay</c> and <c>WaitAsync</c> timers with the execution; and it gives records an
/// explicit <c>EqualityContract</c> and <c>ToString</c> that pass through the guard, because the members the
/// compiler synthesises for records recurse without one (a cyclic record would otherwise overflow the stack in
/// <c>GetHashCode</c>, <c>Equals</c> or <c>ToString</c>).
/// </summary>
/// <remarks>
/// Everything is inserted without line breaks, so lines in compiler messages, stack traces and guard stops stay the
/// lines of the code the model wrote. The rewriter reads the semantic model of the unrewritten submission (it visits
/// the original nodes and builds new ones), which is why it needs the compilation that was checked.
/// </remarks>
internal sealed partial class GuardRewriter(SemanticModel model, CancellationToken cancellationToken) : CSharpSyntaxRewriter(visitIntoStructuredTrivia: false)
{
    private const string Guard = "global::CodeActSdk.Roslyn.Runtime.SandboxGuard";
    private const string RegexType = "System.Text.RegularExpressions.Regex";
    private const string JsonSerializerType = "System.Text.Json.JsonSerializer";

    /// <summary>Library parameters (and properties, as "value") that size an allocation or a sequence: (type, member, parameter) → the charge.</summary>
    private static readonly Dictionary<(string Type, string Member, string Parameter), string> ChargedArguments = new()
    {
        [("string", ".ctor", "count")] = "Bytes({0}, 2)",
        [("string", "Substring", "length")] = "Bytes({0}, 2)",
        [("System.Text.StringBuilder", "Capacity", "value")] = "Bytes({0}, 2)",
        [("System.Text.StringBuilder", "Length", "value")] = "Bytes({0}, 2)",
        [("string", "PadLeft", "totalWidth")] = "Bytes({0}, 2)",
        [("string", "PadRight", "totalWidth")] = "Bytes({0}, 2)",
        [("System.Text.StringBuilder", ".ctor", "capacity")] = "Bytes({0}, 2)",
        [("System.Text.StringBuilder", "Append", "repeatCount")] = "Bytes({0}, 2)",
        [("System.Text.StringBuilder", "EnsureCapacity", "capacity")] = "Bytes({0}, 2)",
        [("System.Collections.Generic.List<T>", ".ctor", "capacity")] = "Bytes({0}, 8)",
        [("System.Collections.Generic.List<T>", "Capacity", "value")] = "Bytes({0}, 8)",
        [("System.Collections.Generic.List<T>", "EnsureCapacity", "capacity")] = "Bytes({0}, 8)",
        [("System.Collections.Generic.Dictionary<TKey, TValue>", ".ctor", "capacity")] = "Bytes({0}, 24)",
        [("System.Collections.Generic.Dictionary<TKey, TValue>", "EnsureCapacity", "capacity")] = "Bytes({0}, 24)",
        [("System.Collections.Generic.HashSet<T>", ".ctor", "capacity")] = "Bytes({0}, 16)",
        [("System.Collections.Generic.HashSet<T>", "EnsureCapacity", "capacity")] = "Bytes({0}, 16)",
        [("System.Collections.Generic.Queue<T>", ".ctor", "capacity")] = "Bytes({0}, 8)",
        [("System.Collections.Generic.Stack<T>", ".ctor", "capacity")] = "Bytes({0}, 8)",
        [("System.Array", "Resize", "newSize")] = "Bytes({0}, 8)",
        [("System.Linq.Enumerable", "Range", "count")] = "Operations({0})",
        [("System.Linq.Enumerable", "Repeat", "count")] = "Operations({0})",
    };

    /// <summary>Library parameters that take a culture or region name: (type, parameter).</summary>
    private static readonly HashSet<(string Type, string Parameter)> CultureNames =
    [
        ("System.Globalization.CultureInfo", "name"), ("System.Globalization.CultureInfo", "altName"),
        ("System.Globalization.RegionInfo", "name"), ("System.Globalization.CompareInfo", "name"),
    ];

    private int _names;

    public SyntaxNode Rewrite(SyntaxNode root) => Visit(root);

    // ---- Loops and gotos ------------------------------------------------------------------------------------------

    public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node)
    {
        var visited = (WhileStatementSyntax)base.VisitWhileStatement(node)!;
        var counter = NewName();
        return WrapLoop(visited.WithStatement(GuardBackEdge(visited.Statement, counter)), counter);
    }

    public override SyntaxNode? VisitDoStatement(DoStatementSyntax node)
    {
        var visited = (DoStatementSyntax)base.VisitDoStatement(node)!;
        var counter = NewName();
        return WrapLoop(visited.WithStatement(GuardBackEdge(visited.Statement, counter)), counter);
    }

    public override SyntaxNode? VisitForStatement(ForStatementSyntax node)
    {
        var visited = (ForStatementSyntax)base.VisitForStatement(node)!;
        var counter = NewName();
        return WrapLoop(visited.WithStatement(GuardBackEdge(visited.Statement, counter)), counter);
    }

    public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node)
    {
        var visited = (ForEachStatementSyntax)base.VisitForEachStatement(node)!;
        var counter = NewName();
        return WrapLoop(visited.WithStatement(GuardBackEdge(visited.Statement, counter)), counter);
    }

    public override SyntaxNode? VisitForEachVariableStatement(ForEachVariableStatementSyntax node)
    {
        var visited = (ForEachVariableStatementSyntax)base.VisitForEachVariableStatement(node)!;
        var counter = NewName();
        return WrapLoop(visited.WithStatement(GuardBackEdge(visited.Statement, counter)), counter);
    }

    public override SyntaxNode? VisitGotoStatement(GotoStatementSyntax node)
    {
        var visited = (GotoStatementSyntax)base.VisitGotoStatement(node)!;
        return InBlock(visited, Statement($"{Guard}.Tick();"));
    }

    /// <summary>
    /// The counter lives in a local of its own, declared just before the loop, so the back-edge costs a decrement
    /// and a branch on a register; the call when the loop starts also catches nested loops whose inner loop is short.
    /// </summary>
    private static BlockSyntax WrapLoop(StatementSyntax loop, string counter) =>
        InBlock(loop, Statement($"var {counter} = {Guard}.LoopEntry();"));

    private static StatementSyntax GuardBackEdge(StatementSyntax body, string counter) =>
        Prepend(body, Statement($"if (--{counter} < 0) {counter} = {Guard}.LoopBack();"));

    // ---- Method, accessor and lambda entries ----------------------------------------------------------------------

    public override SyntaxNode? VisitMethodDeclaration(MethodDeclarationSyntax node)
    {
        var visited = (MethodDeclarationSyntax)base.VisitMethodDeclaration(node)!;
        if (visited.Body is { } body)
        {
            return NoInlining(visited.WithBody(PrependEntry(body, IsAsync(node.Modifiers))));
        }

        return visited.ExpressionBody is { } arrow
            ? NoInlining(visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(EntryBlock(arrow, IsVoidLike(node), visited.SemicolonToken, IsAsync(node.Modifiers))))
            : visited;
    }

    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        var visited = (LocalFunctionStatementSyntax)base.VisitLocalFunctionStatement(node)!;
        if (visited.Body is { } body)
        {
            return NoInlining(visited.WithBody(PrependEntry(body, IsAsync(node.Modifiers))));
        }

        return visited.ExpressionBody is { } arrow
            ? NoInlining(visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(EntryBlock(arrow, IsVoidLike(node), visited.SemicolonToken, IsAsync(node.Modifiers))))
            : visited;
    }

    public override SyntaxNode? VisitConstructorDeclaration(ConstructorDeclarationSyntax node)
    {
        var visited = (ConstructorDeclarationSyntax)base.VisitConstructorDeclaration(node)!;
        if (visited.Body is { } body)
        {
            return NoInlining(visited.WithBody(PrependEntry(body)));
        }

        return visited.ExpressionBody is { } arrow
            ? NoInlining(visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(EntryBlock(arrow, voidLike: true, visited.SemicolonToken)))
            : visited;
    }

    public override SyntaxNode? VisitOperatorDeclaration(OperatorDeclarationSyntax node)
    {
        var visited = (OperatorDeclarationSyntax)base.VisitOperatorDeclaration(node)!;
        if (visited.Body is { } body)
        {
            return NoInlining(visited.WithBody(PrependEntry(body)));
        }

        return visited.ExpressionBody is { } arrow
            ? NoInlining(visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(EntryBlock(arrow, IsVoidLike(node), visited.SemicolonToken)))
            : visited;
    }

    public override SyntaxNode? VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node)
    {
        var visited = (ConversionOperatorDeclarationSyntax)base.VisitConversionOperatorDeclaration(node)!;
        if (visited.Body is { } body)
        {
            return NoInlining(visited.WithBody(PrependEntry(body)));
        }

        return visited.ExpressionBody is { } arrow
            ? NoInlining(visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(EntryBlock(arrow, voidLike: false, visited.SemicolonToken)))
            : visited;
    }

    public override SyntaxNode? VisitAccessorDeclaration(AccessorDeclarationSyntax node)
    {
        var visited = (AccessorDeclarationSyntax)base.VisitAccessorDeclaration(node)!;
        if (visited.Body is { } body)
        {
            return NoInlining(visited.WithBody(PrependEntry(body)));
        }

        var voidLike = !node.IsKind(SyntaxKind.GetAccessorDeclaration);
        return visited.ExpressionBody is { } arrow
            ? NoInlining(visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(EntryBlock(arrow, voidLike, visited.SemicolonToken)))
            : visited;
    }

    public override SyntaxNode? VisitPropertyDeclaration(PropertyDeclarationSyntax node)
    {
        var visited = (PropertyDeclarationSyntax)base.VisitPropertyDeclaration(node)!;
        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(GetterOnly(arrow, visited.SemicolonToken))
            : visited;
    }

    public override SyntaxNode? VisitIndexerDeclaration(IndexerDeclarationSyntax node)
    {
        var visited = (IndexerDeclarationSyntax)base.VisitIndexerDeclaration(node)!;
        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(GetterOnly(arrow, visited.SemicolonToken))
            : visited;
    }

    public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
    {
        var visited = (ParenthesizedLambdaExpressionSyntax)base.VisitParenthesizedLambdaExpression(node)!;
        return GuardLambda(node, visited);
    }

    public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
    {
        var visited = (SimpleLambdaExpressionSyntax)base.VisitSimpleLambdaExpression(node)!;
        return GuardLambda(node, visited);
    }

    public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node)
    {
        var visited = (AnonymousMethodExpressionSyntax)base.VisitAnonymousMethodExpression(node)!;
        return visited.WithBlock(PrependEntry(visited.Block, IsAsync(node.Modifiers)));
    }

    private LambdaExpressionSyntax GuardLambda(LambdaExpressionSyntax original, LambdaExpressionSyntax visited)
    {
        var isAsync = IsAsync(original.Modifiers);
        if (visited.Block is { } block)
        {
            return visited.WithBlock(PrependEntry(block, isAsync));
        }

        if (visited.ExpressionBody is not { } expression)
        {
            return visited;
        }

        var method = model.GetSymbolInfo(original, cancellationToken).Symbol as IMethodSymbol;
        var body = EntryBlock(expression, method is not null && IsVoidLike(method), default, isAsync);
        return visited.WithExpressionBody(null).WithBlock(body);
    }

    private static BlockSyntax PrependEntry(BlockSyntax body, bool isAsync = false) => (BlockSyntax)Prepend(body, EntryCall(isAsync));

    private static StatementSyntax EntryCall(bool isAsync) => Statement(isAsync ? $"{Guard}.EnterAsync();" : $"{Guard}.Enter();");

    private static bool IsAsync(SyntaxTokenList modifiers) => modifiers.Any(SyntaxKind.AsyncKeyword);

    private static BlockSyntax EntryBlock(ArrowExpressionClauseSyntax arrow, bool voidLike, SyntaxToken semicolon, bool isAsync = false) =>
        EntryBlock(arrow.Expression, voidLike, semicolon, isAsync).WithLeadingTrivia(arrow.GetLeadingTrivia());

    /// <summary><c>=&gt; expr</c> becomes <c>{ Enter(); return expr; }</c>, or <c>{ Enter(); expr; }</c> when nothing is returned.</summary>
    private static BlockSyntax EntryBlock(ExpressionSyntax expression, bool voidLike, SyntaxToken semicolon, bool isAsync = false)
    {
        StatementSyntax statement = expression switch
        {
            ThrowExpressionSyntax thrown => ThrowStatement(Token(SyntaxKind.ThrowKeyword).WithTrailingTrivia(Space), thrown.Expression, Token(SyntaxKind.SemicolonToken)),
            _ when voidLike => ExpressionStatement(expression),
            _ => ReturnStatement(Token(SyntaxKind.ReturnKeyword).WithTrailingTrivia(Space), expression, Token(SyntaxKind.SemicolonToken)),
        };
        var close = Token(SyntaxKind.CloseBraceToken);
        if (semicolon != default)
        {
            close = close.WithTrailingTrivia(semicolon.TrailingTrivia);
        }

        return Block(Token(SyntaxKind.OpenBraceToken), List([EntryCall(isAsync), statement]), close);
    }

    private static AccessorListSyntax GetterOnly(ArrowExpressionClauseSyntax arrow, SyntaxToken semicolon)
    {
        var getter = NoInlining(AccessorDeclaration(SyntaxKind.GetAccessorDeclaration).WithBody(EntryBlock(arrow.Expression, voidLike: false, default)));
        return AccessorList(Token(SyntaxKind.OpenBraceToken), List([getter]), Token(SyntaxKind.CloseBraceToken).WithTrailingTrivia(semicolon.TrailingTrivia))
            .WithLeadingTrivia(arrow.GetLeadingTrivia());
    }

    private bool IsVoidLike(SyntaxNode declaration) =>
        model.GetDeclaredSymbol(declaration, cancellationToken) is IMethodSymbol method && IsVoidLike(method);

    private static bool IsVoidLike(IMethodSymbol method) =>
        method.ReturnsVoid || (method.IsAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false, Name: "Task" or "ValueTask" });

    // ---- catch and finally ----------------------------------------------------------------------------------------

    /// <summary>
    /// <c>catch (E e) when (f)</c> becomes <c>catch (E e) when (Catchable(e) &amp;&amp; (f))</c>: the sandbox's filter runs
    /// first, so the stop is never caught and the code's own filter never even sees it. A bare <c>catch</c> gets a
    /// declaration of <c>System.Exception</c> (every .NET exception is one), and the block starts with a guard so that
    /// a handler that loops is stopped too.
    /// </summary>
    public override SyntaxNode? VisitCatchClause(CatchClauseSyntax node)
    {
        var visited = (CatchClauseSyntax)base.VisitCatchClause(node)!;
        var name = visited.Declaration is { Identifier.RawKind: not (int)SyntaxKind.None } named ? named.Identifier.ValueText : NewName();
        var declaration = visited.Declaration switch
        {
            null => CatchDeclaration(Token(SyntaxKind.OpenParenToken), ParseTypeName("global::System.Exception"), Identifier(name).WithLeadingTrivia(Space), Token(SyntaxKind.CloseParenToken)),
            { Identifier.RawKind: (int)SyntaxKind.None } anonymous => anonymous.WithIdentifier(Identifier(name).WithLeadingTrivia(Space)),
            var existing => existing,
        };
        var condition = ParseExpression($"{Guard}.Catchable({name})");
        var filter = visited.Filter is { } userFilter
            ? userFilter.WithFilterExpression(BinaryExpression(SyntaxKind.LogicalAndExpression, condition, ParenthesizedExpression(userFilter.FilterExpression)))
            : CatchFilterClause(Token(SyntaxKind.WhenKeyword).WithLeadingTrivia(Space).WithTrailingTrivia(Space), Token(SyntaxKind.OpenParenToken), condition, Token(SyntaxKind.CloseParenToken));
        var catchKeyword = visited.CatchKeyword.WithTrailingTrivia(visited.Declaration is null ? TriviaList(Space) : visited.CatchKeyword.TrailingTrivia);
        return visited
            .WithCatchKeyword(catchKeyword)
            .WithDeclaration(visited.Declaration is null ? declaration.WithTrailingTrivia(Space) : declaration)
            .WithFilter(filter)
            .WithBlock((BlockSyntax)Prepend(visited.Block, Statement($"{Guard}.Tick();")));
    }

    public override SyntaxNode? VisitFinallyClause(FinallyClauseSyntax node)
    {
        var visited = (FinallyClauseSyntax)base.VisitFinallyClause(node)!;
        return visited.WithBlock((BlockSyntax)Prepend(visited.Block, Statement($"{Guard}.Tick();")));
    }

    // ---- Allocations and regular expressions ----------------------------------------------------------------------

    public override SyntaxNode? VisitArrayCreationExpression(ArrayCreationExpressionSyntax node)
    {
        var visited = (ArrayCreationExpressionSyntax)base.VisitArrayCreationExpression(node)!;
        if (node.Initializer is not null || model.GetTypeInfo(node, cancellationToken).Type is not IArrayTypeSymbol array)
        {
            return visited;
        }

        var rank = visited.Type.RankSpecifiers[0];
        var sizes = rank.Sizes;
        var elementBytes = ElementBytes(array.ElementType);
        for (var i = 0; i < sizes.Count; i++)
        {
            if (sizes[i] is OmittedArraySizeExpressionSyntax
                || model.GetTypeInfo(node.Type.RankSpecifiers[0].Sizes[i], cancellationToken).Type?.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_UInt32 or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Char))
            {
                return visited;
            }
        }

        var charged = sizes.Select((size, i) => (ExpressionSyntax)InvocationExpression(
            ParseExpression(i == 0 ? $"{Guard}.ArraySize" : $"{Guard}.ArrayDimension"),
            ArgumentList(SeparatedList(i == 0
                ? [Argument(size), Argument(LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(elementBytes)))]
                : new[] { Argument(size) }))));
        return visited.WithType(visited.Type.WithRankSpecifiers(visited.Type.RankSpecifiers.Replace(rank, rank.WithSizes(SeparatedList(charged, sizes.GetSeparators())))));
    }

    public override SyntaxNode? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
    {
        var visited = (ObjectCreationExpressionSyntax)base.VisitObjectCreationExpression(node)!;
        return visited.ArgumentList is { } arguments ? visited.WithArgumentList(RewriteArguments(node, arguments)) : visited;
    }

    public override SyntaxNode? VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node)
    {
        var visited = (ImplicitObjectCreationExpressionSyntax)base.VisitImplicitObjectCreationExpression(node)!;
        return visited.WithArgumentList(RewriteArguments(node, visited.ArgumentList));
    }

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
        return ChargeCall(node, visited.WithArgumentList(RewriteArguments(node, visited.ArgumentList)));
    }

    /// <summary>Adds or caps the match timeout of Regex constructors and static methods, charges sizing arguments and checks culture names.</summary>
    private ArgumentListSyntax RewriteArguments(ExpressionSyntax original, ArgumentListSyntax arguments)
    {
        var operation = model.GetOperation(original, cancellationToken);
        var (method, argumentOperations) = operation switch
        {
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            IObjectCreationOperation { Constructor: { } constructor } creation => (constructor, creation.Arguments),
            _ => (null, default(System.Collections.Immutable.ImmutableArray<IArgumentOperation>)),
        };
        if (method is null || argumentOperations.IsDefault)
        {
            return arguments;
        }

        var originalArguments = ((BaseArgumentListSyntax?)(original switch
        {
            InvocationExpressionSyntax i => i.ArgumentList,
            BaseObjectCreationExpressionSyntax c => c.ArgumentList,
            _ => null,
        }))?.Arguments ?? default;
        var definition = method.ReducedFrom ?? method.OriginalDefinition;
        var typeName = definition.ContainingType.ToDisplayString();
        var memberName = definition.MethodKind == MethodKind.Constructor ? ".ctor" : definition.Name;
        var result = arguments;
        foreach (var argument in argumentOperations)
        {
            if (argument.Parameter is null || argument.ArgumentKind != ArgumentKind.Explicit || argument.Syntax is not ArgumentSyntax syntax)
            {
                continue;
            }

            var index = originalArguments.IndexOf(syntax);
            if (index < 0)
            {
                continue;
            }

            string? wrap = null;
            if (typeName == RegexType && argument.Parameter.Name == "matchTimeout")
            {
                wrap = "RegexTimeout({0})";
            }
            else if (typeName == JsonSerializerType && IsJsonOptions(argument.Parameter))
            {
                wrap = "JsonOptions({0})";
            }
            else if (IsCultureName(typeName, argument.Parameter))
            {
                wrap = "CultureName({0})";
            }
            else if (ChargedArguments.TryGetValue((typeName, memberName, argument.Parameter.Name), out var charge)
                && argument.Parameter.Type.SpecialType == SpecialType.System_Int32)
            {
                wrap = charge;
            }

            if (wrap is not null)
            {
                var current = result.Arguments[index];
                result = result.WithArguments(result.Arguments.Replace(current, current.WithExpression(ChargeExpression(wrap, current.Expression))));
            }
        }

        if (typeName == JsonSerializerType && definition.Parameters.FirstOrDefault(IsJsonOptions) is { } optionsParameter
            && !argumentOperations.Any(a => a.ArgumentKind == ArgumentKind.Explicit && SymbolEqualityComparer.Default.Equals(a.Parameter?.OriginalDefinition, optionsParameter)))
        {
            result = result.WithArguments(result.Arguments.Add(Argument(NameColon(optionsParameter.Name), default, ParseExpression($"{Guard}.JsonOptions()"))));
        }

        if (typeName == RegexType && (definition.IsStatic || definition.MethodKind == MethodKind.Constructor)
            && definition.Parameters.Any(p => p.Name == "pattern") && !definition.Parameters.Any(p => p.Name == "matchTimeout"))
        {
            result = AddRegexTimeout(definition, result);
        }

        if (IsTimedWait(typeName, definition))
        {
            result = result.WithArguments(result.Arguments.Add(Argument(NameColon("cancellationToken"), default, ParseExpression($"{Guard}.WaitToken()"))));
        }

        return result;
    }

    /// <summary>
    /// Whether calls to <paramref name="method"/> get a guard in their arguments (a match timeout, a charge, a culture
    /// name check, the session's JSON options). Only calls written out get them, so <see cref="Policy.PolicyChecker"/> refuses such a
    /// method as a method group (<c>Func&lt;string, string, bool&gt; m = Regex.IsMatch;</c>), which would call it unguarded.
    /// </summary>
    public static bool GuardsCallsTo(IMethodSymbol method)
    {
        var definition = method.ReducedFrom ?? method.OriginalDefinition;
        var typeName = definition.ContainingType.ToDisplayString();
        var memberName = definition.MethodKind == MethodKind.Constructor ? ".ctor" : definition.Name;
        return definition.Parameters.Any(p =>
            (typeName == RegexType && (p.Name == "matchTimeout" || (p.Name == "pattern" && definition.IsStatic)))
            || (typeName == JsonSerializerType && IsJsonOptions(p))
            || IsCultureName(typeName, p)
            || IsTimedWait(typeName, definition)
            || (ChargedArguments.ContainsKey((typeName, memberName, p.Name)) && p.Type.SpecialType == SpecialType.System_Int32))
            // Calls charged before they run (GuardRewriter.Charges.cs): their stand-ins, and the receivers they copy.
            // List<T>'s are left out: its growth is at most the list's own size, counted at the next guard, and
            // items.ForEach(list.Add) is everyday code.
            || (WrappedTypes.Contains(typeName) && typeName != "System.Collections.Generic.List<T>" && StandInNames.Contains(definition.Name))
            || (!definition.IsStatic && CopiedReceivers.ContainsKey((typeName, definition.Name)));
    }

    /// <summary>The names of <see cref="Runtime.ChargedCalls"/>' stand-ins.</summary>
    private static readonly HashSet<string> StandInNames =
        [.. typeof(Runtime.ChargedCalls).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static).Select(m => m.Name)];

    /// <summary>
    /// <c>Task.Delay</c> and <c>WaitAsync</c> with a time but no token: their timer would stay in the process-wide timer
    /// queue after the execution ended (a day-long delay for a day); they get the execution's token, through the
    /// overload that takes one.
    /// </summary>
    private static bool IsTimedWait(string typeName, IMethodSymbol method) =>
        typeName is "System.Threading.Tasks.Task" or "System.Threading.Tasks.Task<TResult>"
        && method.Name is "Delay" or "WaitAsync"
        && method.Parameters is [{ Type: var time }] && time.ToDisplayString() is "int" or "System.TimeSpan"
        && method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().Any(m => m.IsStatic == method.IsStatic && m.Parameters.Length == 2
            && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, time) && m.Parameters[1] is { Name: "cancellationToken" });

    private static bool IsCultureName(string typeName, IParameterSymbol parameter) =>
        parameter.Type.SpecialType == SpecialType.System_String && CultureNames.Contains((typeName, parameter.Name));

    /// <summary>The guard call <paramref name="format"/> (a <see cref="ChargedArguments"/> value) around <paramref name="value"/>.</summary>
    private static ExpressionSyntax ChargeExpression(string format, ExpressionSyntax value)
    {
        var call = ParseExpression(Guard + "." + string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "__ARG__"));
        return call.ReplaceNode(call.DescendantNodes().OfType<IdentifierNameSyntax>().Single(n => n.Identifier.ValueText == "__ARG__"), value);
    }

    private static bool IsJsonOptions(IParameterSymbol parameter) => parameter.Type.ToDisplayString() is "System.Text.Json.JsonSerializerOptions" or "System.Text.Json.JsonSerializerOptions?";

    private static ArgumentListSyntax AddRegexTimeout(IMethodSymbol method, ArgumentListSyntax arguments)
    {
        var names = method.Parameters.Select(p => p.Name).ToList();
        var hasOptions = names.Contains("options");
        var wanted = names.Concat(hasOptions ? ["matchTimeout"] : ["options", "matchTimeout"]).ToList();
        var overloadExists = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
            .Any(m => m.IsStatic == method.IsStatic && m.Parameters.Select(p => p.Name).SequenceEqual(wanted)
                && m.Parameters.Take(names.Count).Select(p => p.Type).SequenceEqual(method.Parameters.Select(p => p.Type), SymbolEqualityComparer.Default));
        if (!overloadExists)
        {
            return arguments;
        }

        var added = new List<ArgumentSyntax>();
        if (!hasOptions)
        {
            added.Add(Argument(NameColon("options"), default, ParseExpression("global::System.Text.RegularExpressions.RegexOptions.None")));
        }

        added.Add(Argument(NameColon("matchTimeout"), default, ParseExpression($"{Guard}.RegexTimeout()")));
        return arguments.WithArguments(arguments.Arguments.AddRange(added));
    }

    private static int ElementBytes(ITypeSymbol element) => element.SpecialType switch
    {
        SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte => 1,
        SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16 => 2,
        SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single => 4,
        SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double => 8,
        SpecialType.System_Decimal => 16,
        _ => element.IsReferenceType ? 8 : 16,
    };

    // ---- Records --------------------------------------------------------------------------------------------------

    public override SyntaxNode? VisitRecordDeclaration(RecordDeclarationSyntax node)
    {
        var visited = (RecordDeclarationSyntax)base.VisitRecordDeclaration(node)!;
        if (node.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) || model.GetDeclaredSymbol(node, cancellationToken) is not { } record)
        {
            return visited;
        }

        var members = new List<MemberDeclarationSyntax>();
        var self = node.Identifier.ValueText + (node.TypeParameterList is { } parameters
            ? "<" + string.Join(", ", parameters.Parameters.Select(p => p.Identifier.ValueText)) + ">"
            : "");
        if (record.GetMembers("EqualityContract").All(m => m.IsImplicitlyDeclared))
        {
            var modifiers = record.BaseType is { IsRecord: true } ? "protected override" : record.IsSealed ? "private" : "protected virtual";
            members.Add(Member($"{modifiers} global::System.Type EqualityContract {{ get {{ {Guard}.Enter(); return typeof({self}); }} }}"));
        }

        var explicitToString = record.GetMembers("ToString").OfType<IMethodSymbol>().Any(m => !m.IsImplicitlyDeclared && m.Parameters.Length == 0);
        if (!explicitToString && !BaseSealsToString(record))
        {
            members.Add(Member(
                $"public override string ToString() {{ {Guard}.Enter(); var __b = new global::System.Text.StringBuilder(); __b.Append(\"{node.Identifier.ValueText}\"); __b.Append(\" {{ \"); if (PrintMembers(__b)) __b.Append(' '); __b.Append('}}'); return __b.ToString(); }}"));
        }

        if (members.Count == 0)
        {
            return visited;
        }

        if (visited.OpenBraceToken.IsKind(SyntaxKind.None))
        {
            var semicolon = visited.SemicolonToken;
            return visited
                .WithSemicolonToken(default)
                .WithOpenBraceToken(Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(Space))
                .WithMembers(List(members))
                .WithCloseBraceToken(Token(SyntaxKind.CloseBraceToken).WithTrailingTrivia(semicolon.TrailingTrivia));
        }

        return visited.AddMembers([.. members]);
    }

    private static bool BaseSealsToString(INamedTypeSymbol record)
    {
        for (var type = record.BaseType; type is not null; type = type.BaseType)
        {
            if (type.GetMembers("ToString").OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 0 && m.IsSealed))
            {
                return true;
            }
        }

        return false;
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Keeps the method out of line: the JIT would otherwise inline small methods into their callers, and an
    /// exception's stack trace would then point at the call site instead of the line that threw.
    /// </summary>
    private static T NoInlining<T>(T node)
        where T : SyntaxNode
    {
        var list = AttributeList(SingletonSeparatedList(Attribute(
            ParseName("global::System.Runtime.CompilerServices.MethodImpl"),
            ParseAttributeArgumentList("(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)")))).WithTrailingTrivia(Space);
        var leading = node.GetLeadingTrivia();
        SyntaxNode updated = node.WithoutLeadingTrivia() switch
        {
            MemberDeclarationSyntax member => member.WithAttributeLists(member.AttributeLists.Insert(0, list)),
            LocalFunctionStatementSyntax local => local.WithAttributeLists(local.AttributeLists.Insert(0, list)),
            AccessorDeclarationSyntax accessor => accessor.WithAttributeLists(accessor.AttributeLists.Insert(0, list)),
            var other => other,
        };
        return (T)updated.WithLeadingTrivia(leading);
    }

    private string NewName() => $"__codeact{++_names}";

    private static StatementSyntax Statement(string text) => ParseStatement(text);

    private static MemberDeclarationSyntax Member(string text) =>
        ParseMemberDeclaration(text)!.WithLeadingTrivia(Space);

    /// <summary>Puts <paramref name="first"/> before <paramref name="statement"/>, inside the block when it is one.</summary>
    private static StatementSyntax Prepend(StatementSyntax statement, StatementSyntax first)
    {
        if (statement is BlockSyntax block)
        {
            return block.WithStatements(block.Statements.Insert(0, first));
        }

        return Block(Token(SyntaxKind.OpenBraceToken), List([first, statement]), Token(SyntaxKind.CloseBraceToken));
    }

    /// <summary>A block holding <paramref name="before"/> then <paramref name="statement"/>, carrying the statement's outer trivia, on the same lines.</summary>
    private static BlockSyntax InBlock(StatementSyntax statement, StatementSyntax before)
    {
        var leading = statement.GetLeadingTrivia();
        var trailing = statement.GetTrailingTrivia();
        var inner = statement.WithoutLeadingTrivia().WithoutTrailingTrivia();
        return Block(
            Token(leading, SyntaxKind.OpenBraceToken, default),
            List([before, inner]),
            Token(default, SyntaxKind.CloseBraceToken, trailing));
    }
}
