using CodeActSdk.Roslyn.Compilation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CodeActSdk.Roslyn.Policy;

/// <summary>One use of something the policy does not allow.</summary>
/// <param name="Symbol">What was used, as C# displays it.</param>
/// <param name="Reason">Why it is refused and what to do instead.</param>
/// <param name="Line">1-based line in the user's code.</param>
/// <param name="Column">1-based column in the user's code.</param>
internal sealed record PolicyViolation(string Symbol, string Reason, int Line, int Column);

/// <summary>
/// Checks a submission against a <see cref="CSharpApiPolicy"/> on its semantic model, before it is emitted. Three
/// passes cover each other: the syntax (for constructs refused outright, such as <c>unsafe</c> and <c>#r</c>), the
/// symbols every name, type and declaration binds to, including the members C# calls implicitly (foreach, await,
/// deconstruction, queries, collection initialisers, conversions), and the operation tree, where implicit calls such
/// as interpolated-string handlers, pattern members and collection-expression builders appear. On top of the policy,
/// <see cref="ProcessStateRule"/> keeps the static state of library types unchanged and
/// <see cref="SharedJsonDefaultsRule"/> keeps the code's types out of the process-wide serializer cache.
/// </summary>
internal sealed class PolicyChecker
{
    /// <summary>The namespace of the sandbox's own API (<c>Console</c>, <c>Files</c>, <c>final_answer</c>), always allowed.</summary>
    public const string SandboxNamespace = "CodeActSdk.Roslyn.Sandbox";

    /// <summary>
    /// The types the sandbox's <c>Files</c> hands the code, always allowed as <c>Files</c> itself is, whatever the
    /// policy: a policy written before files existed (or from <see cref="CSharpApiPolicy.Empty"/>) would otherwise
    /// refuse <c>Files.List</c>. Their base types are not allowed by this: <c>catch (IOException)</c> stays refused.
    /// </summary>
    private static readonly HashSet<string> SandboxFileTypes = new(StringComparer.Ordinal) { nameof(SandboxFileInfo), nameof(SandboxFileException) };

    private static readonly string AbstractionsAssembly = typeof(SandboxFileInfo).Assembly.GetName().Name!;

    private const string Unsafe = "unsafe code, pointers and stackalloc are not available in the sandbox: use arrays, Span<T> and safe code";
    private const string Native = "native functions are not available in the sandbox";
    private const string MethodGroup = "call it directly, not through a method group or delegate: the sandbox adds its limits (the time limit of regular expressions, the memory charge of sizes, the check of culture names, the session's JSON options) to direct calls only";
    private const string Dynamic = "dynamic is not available in the sandbox: use concrete types, or JsonNode for JSON-shaped data";

    private readonly CSharpApiPolicy _policy;
    private readonly SemanticModel _model;
    private readonly CancellationToken _cancellationToken;
    private readonly List<PolicyViolation> _violations = [];
    private readonly HashSet<(string, int)> _reported = [];
    private readonly Dictionary<ISymbol, ApiDecision> _decisions = new(SymbolEqualityComparer.Default);

    private PolicyChecker(CSharpApiPolicy policy, SemanticModel model, CancellationToken cancellationToken)
    {
        _policy = policy;
        _model = model;
        _cancellationToken = cancellationToken;
    }

    public static IReadOnlyList<PolicyViolation> Check(CSharpApiPolicy policy, SemanticModel model, CancellationToken cancellationToken)
    {
        var checker = new PolicyChecker(policy, model, cancellationToken);
        checker.Run();
        return checker._violations;
    }

    private void Run()
    {
        var root = (CompilationUnitSyntax)_model.SyntaxTree.GetRoot(_cancellationToken);
        foreach (var directive in root.GetReferenceDirectives())
        {
            Report("#r", "referencing assemblies is not available: everything the sandbox allows is already referenced", directive);
        }

        foreach (var directive in root.GetLoadDirectives())
        {
            Report("#load", "loading other script files is not available: put all the code in the submission", directive);
        }

        foreach (var token in root.DescendantTokens())
        {
            switch (token.Kind())
            {
                case SyntaxKind.UnsafeKeyword:
                    Report("unsafe", Unsafe, token);
                    break;
                case SyntaxKind.ExternKeyword:
                    Report("extern", Native, token);
                    break;
                case SyntaxKind.MakeRefKeyword or SyntaxKind.RefTypeKeyword or SyntaxKind.RefValueKeyword or SyntaxKind.ArgListKeyword:
                    Report(token.Text, DefaultApiPolicy.RuntimeInternals, token);
                    break;
                case SyntaxKind.LockKeyword:
                    Report("lock", "lock is not needed and not available: the code runs on one thread", token);
                    break;
            }
        }

        foreach (var node in root.DescendantNodes())
        {
            _cancellationToken.ThrowIfCancellationRequested();
            CheckSyntax(node);
            CheckSymbols(node);
            if (_model.GetOperation(node, _cancellationToken) is { Parent: null } operation)
            {
                foreach (var child in operation.DescendantsAndSelf())
                {
                    CheckOperation(child);
                }
            }
        }
    }

    private void CheckSyntax(SyntaxNode node)
    {
        switch (node)
        {
            case FixedStatementSyntax:
                Report("fixed", Unsafe, node);
                break;
            case PointerTypeSyntax:
                Report("pointer type", Unsafe, node);
                break;
            case FunctionPointerTypeSyntax:
                Report("function pointer", Unsafe, node);
                break;
            case StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax:
                Report("stackalloc", Unsafe, node);
                break;
            case DestructorDeclarationSyntax:
                Report("finalizer", "finalizers are not allowed: they would run later, on the runtime's finalizer thread, outside the sandbox's guards; implement IDisposable instead", node);
                break;
            case BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax:
                CheckAsyncVoid(_model.GetDeclaredSymbol(node, _cancellationToken) as IMethodSymbol, node);
                break;
            case AnonymousFunctionExpressionSyntax:
                CheckAsyncVoid(_model.GetSymbolInfo(node, _cancellationToken).Symbol as IMethodSymbol, node);
                break;
        }
    }

    private void CheckAsyncVoid(IMethodSymbol? method, SyntaxNode node)
    {
        if (method is { IsAsync: true, ReturnsVoid: true })
        {
            Report("async void", "async void methods and lambdas are not allowed (nothing could wait for them): return Task and await it", node);
        }
    }

    private void CheckSymbols(SyntaxNode node)
    {
        switch (node)
        {
            case ForEachStatementSyntax or ForEachVariableStatementSyntax:
                var info = _model.GetForEachStatementInfo((CommonForEachStatementSyntax)node);
                CheckMember(info.GetEnumeratorMethod, node);
                CheckMember(info.MoveNextMethod, node);
                CheckMember(info.CurrentProperty, node);
                CheckMember(info.DisposeMethod, node);
                CheckType(info.ElementType, node);
                if (node is ForEachVariableStatementSyntax deconstructing)
                {
                    CheckDeconstruction(_model.GetDeconstructionInfo(deconstructing), node);
                }

                break;
            case AwaitExpressionSyntax await:
                var awaitInfo = _model.GetAwaitExpressionInfo(await);
                if (awaitInfo.IsDynamic)
                {
                    Report("dynamic await", Dynamic, node);
                }

                // The awaiter's members are called by the compiler, never by the code: what matters is the awaitable's
                // type, so the member rules that forbid calling GetAwaiter() directly do not apply here.
                if (awaitInfo.GetAwaiterMethod is { } getAwaiter && !IsTrusted(getAwaiter))
                {
                    CheckType(getAwaiter.ReducedFrom?.ContainingType ?? getAwaiter.ContainingType, node);
                }

                break;
            case AssignmentExpressionSyntax { Left: TupleExpressionSyntax or DeclarationExpressionSyntax } assignment:
                CheckDeconstruction(_model.GetDeconstructionInfo(assignment), node);
                break;
            case QueryClauseSyntax clause:
                var clauseInfo = _model.GetQueryClauseInfo(clause, _cancellationToken);
                CheckMember(clauseInfo.CastInfo.Symbol, node);
                CheckMember(clauseInfo.OperationInfo.Symbol, node);
                break;
            case SelectOrGroupClauseSyntax or OrderingSyntax or QueryContinuationSyntax:
                CheckMember(_model.GetSymbolInfo(node, _cancellationToken).Symbol, node);
                break;
            case InitializerExpressionSyntax { RawKind: (int)SyntaxKind.CollectionInitializerExpression } initializer:
                foreach (var element in initializer.Expressions)
                {
                    CheckMember(_model.GetCollectionInitializerSymbolInfo(element, _cancellationToken).Symbol, element);
                }

                break;
            case AttributeSyntax:
                CheckMember(_model.GetSymbolInfo(node, _cancellationToken).Symbol, node);
                break;
        }

        // Names in expressions are covered by the operation walk (every member use, conversion and expression type);
        // types named where only a type can stand (declarations, casts, typeof, generic arguments) are checked here.
        if (node is TypeSyntax type && SyntaxFacts.IsInTypeOnlyContext(type) && !IsInsideLargerTypeName(type)
            && _model.GetSymbolInfo(type, _cancellationToken).Symbol is ITypeSymbol typeSymbol)
        {
            CheckType(typeSymbol, node);
        }

        if (IsDeclaration(node) && _model.GetDeclaredSymbol(node, _cancellationToken) is { } declared)
        {
            CheckDeclaration(declared, node);
        }
    }

    /// <summary>The parts of <c>System.IO.File</c> or <c>List&lt;int&gt;</c> are checked as part of the whole name.</summary>
    private static bool IsInsideLargerTypeName(TypeSyntax type) => type.Parent is QualifiedNameSyntax or AliasQualifiedNameSyntax;

    private static bool IsDeclaration(SyntaxNode node) => node is MemberDeclarationSyntax or VariableDeclaratorSyntax or ParameterSyntax
        or SingleVariableDesignationSyntax or LocalFunctionStatementSyntax or TypeParameterSyntax or CatchDeclarationSyntax
        or ForEachStatementSyntax or AnonymousObjectMemberDeclaratorSyntax;

    private void CheckDeclaration(ISymbol declared, SyntaxNode node)
    {
        foreach (var attribute in declared.GetAttributes())
        {
            CheckType(attribute.AttributeClass, node);
        }

        switch (declared)
        {
            case INamedTypeSymbol type:
                if (type.BaseType is { } baseType && baseType.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType or SpecialType.System_Enum or SpecialType.System_MulticastDelegate))
                {
                    if (!IsSource(baseType) && baseType.ToDisplayString() == "System.Text.RegularExpressions.Regex")
                    {
                        Report("System.Text.RegularExpressions.Regex", "deriving from Regex is not allowed (it would escape the sandbox's match time limit): use a Regex object", node);
                    }

                    CheckType(baseType, node);
                }

                foreach (var implemented in type.Interfaces)
                {
                    CheckType(implemented, node);
                }

                if (type.DelegateInvokeMethod is { } invoke)
                {
                    CheckSignature(invoke, node);
                }

                break;
            case IMethodSymbol method:
                if (method.IsExtern)
                {
                    Report("extern method " + method.Name, Native, node);
                }

                CheckSignature(method, node);
                break;
            case IPropertySymbol property:
                CheckType(property.Type, node);
                foreach (var parameter in property.Parameters)
                {
                    CheckType(parameter.Type, node);
                }

                break;
            case IFieldSymbol field:
                CheckType(field.Type, node);
                break;
            case IEventSymbol @event:
                CheckType(@event.Type, node);
                break;
            case ILocalSymbol local:
                CheckType(local.Type, node);
                break;
            case IParameterSymbol parameterSymbol:
                CheckType(parameterSymbol.Type, node);
                break;
            case ITypeParameterSymbol typeParameter:
                foreach (var constraint in typeParameter.ConstraintTypes)
                {
                    CheckType(constraint, node);
                }

                break;
        }
    }

    private void CheckSignature(IMethodSymbol method, SyntaxNode node)
    {
        CheckType(method.ReturnType, node);
        foreach (var parameter in method.Parameters)
        {
            CheckType(parameter.Type, node);
        }

        foreach (var argument in method.TypeArguments)
        {
            CheckType(argument, node);
        }
    }

    private void CheckDeconstruction(DeconstructionInfo info, SyntaxNode node)
    {
        CheckMember(info.Method, node);
        if (info.Conversion is { IsUserDefined: true } conversion)
        {
            CheckMember(conversion.MethodSymbol, node);
        }

        foreach (var nested in info.Nested)
        {
            CheckDeconstruction(nested, node);
        }
    }

    private void CheckOperation(IOperation operation)
    {
        var at = operation.Syntax;
        CheckType(operation.Type, at);
        switch (operation)
        {
            case IInvocationOperation invocation:
                CheckMember(invocation.TargetMethod, at);
                break;
            case IObjectCreationOperation creation:
                CheckMember(creation.Constructor, at);
                break;
            case IMemberReferenceOperation reference:
                CheckMember(reference.Member, at);
                CheckProcessState(reference, at);
                if (reference is IMethodReferenceOperation { Method: var target } && !IsTrusted(target) && GuardRewriter.GuardsCallsTo(target))
                {
                    Report(Display(target), MethodGroup, at);
                }

                break;
            case IBinaryOperation binary:
                CheckMember(binary.OperatorMethod, at);
                break;
            case IUnaryOperation unary:
                CheckMember(unary.OperatorMethod, at);
                break;
            case ICompoundAssignmentOperation compound:
                CheckMember(compound.OperatorMethod, at);
                CheckMember(compound.InConversion.MethodSymbol, at);
                CheckMember(compound.OutConversion.MethodSymbol, at);
                break;
            case IIncrementOrDecrementOperation increment:
                CheckMember(increment.OperatorMethod, at);
                break;
            case IConversionOperation conversion:
                CheckMember(conversion.OperatorMethod, at);
                break;
            case IImplicitIndexerReferenceOperation indexer:
                CheckMember(indexer.LengthSymbol, at);
                CheckMember(indexer.IndexerSymbol, at);
                break;
            case IRecursivePatternOperation pattern:
                CheckMember(pattern.DeconstructSymbol, at);
                break;
            case IListPatternOperation list:
                CheckMember(list.LengthSymbol, at);
                CheckMember(list.IndexerSymbol, at);
                break;
            case ISlicePatternOperation slice:
                CheckMember(slice.SliceSymbol, at);
                break;
            case ICollectionExpressionOperation collection:
                CheckMember(collection.ConstructMethod, at);
                break;
            case IDynamicInvocationOperation or IDynamicMemberReferenceOperation or IDynamicObjectCreationOperation or IDynamicIndexerAccessOperation:
                Report("dynamic", Dynamic, at);
                break;
            case IFunctionPointerInvocationOperation:
                Report("function pointer", Unsafe, at);
                break;
            case IAddressOfOperation:
                Report("address-of (&)", Unsafe, at);
                break;
        }
    }

    private void CheckMember(ISymbol? symbol, SyntaxNode at)
    {
        switch (symbol)
        {
            case IMethodSymbol method:
                foreach (var argument in method.TypeArguments)
                {
                    CheckType(argument, at);
                }

                method = method.ReducedFrom ?? method;
                if (method.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove or MethodKind.EventRaise
                    && method.AssociatedSymbol is { } associated)
                {
                    CheckMember(associated, at);
                    return;
                }

                if (method.MethodKind is MethodKind.AnonymousFunction or MethodKind.LocalFunction || IsTrusted(method))
                {
                    return;
                }

                if (Decide(method) is { Allowed: false } refused)
                {
                    Report(Display(method), refused, at);
                    return;
                }

                if (SharedJsonDefaultsRule.Refusal((IMethodSymbol)symbol) is { } shared)
                {
                    Report(Display(symbol), shared, at);
                    return;
                }

                CheckSignature(method, at);
                break;
            case IPropertySymbol or IFieldSymbol or IEventSymbol:
                if (symbol.ContainingType is { } containing)
                {
                    CheckType(containing, at, typeArgumentsOnly: true);
                }

                if (IsTrusted(symbol))
                {
                    return;
                }

                if (Decide(symbol) is { Allowed: false } denied)
                {
                    Report(Display(symbol), denied, at);
                    return;
                }

                CheckType(symbol switch
                {
                    IPropertySymbol p => p.Type,
                    IFieldSymbol f => f.Type,
                    _ => ((IEventSymbol)symbol).Type,
                }, at);
                break;
            case ILocalSymbol { Type: { } localType }:
                CheckType(localType, at);
                break;
        }
    }

    /// <summary>Applies <see cref="ProcessStateRule"/>: no library type's static state is changed or subscribed to, unless a member rule allows that member by name.</summary>
    private void CheckProcessState(IMemberReferenceOperation reference, SyntaxNode at)
    {
        var member = reference.Member.OriginalDefinition;
        if (ProcessStateRule.Refusal(reference) is not { } reason || IsTrusted(member) || member.ContainingType is not { } type
            || _policy.AllowsMemberByName(PathOf(type), member.Name))
        {
            return;
        }

        Report(Display(reference.Member), reason, at);
    }

    private void CheckType(ITypeSymbol? type, SyntaxNode at, bool typeArgumentsOnly = false)
    {
        switch (type)
        {
            case null or IErrorTypeSymbol or ITypeParameterSymbol:
                return;
            case { TypeKind: TypeKind.Dynamic }:
                Report("dynamic", Dynamic, at);
                return;
            case IPointerTypeSymbol:
                Report("pointer type", Unsafe, at);
                return;
            case IFunctionPointerTypeSymbol:
                Report("function pointer", Unsafe, at);
                return;
            case IArrayTypeSymbol array:
                CheckType(array.ElementType, at);
                return;
            case INamedTypeSymbol named:
                if (named.IsAnonymousType || named.SpecialType == SpecialType.System_Void)
                {
                    return;
                }

                if (named.IsTupleType)
                {
                    foreach (var element in named.TupleElements)
                    {
                        CheckType(element.Type, at);
                    }

                    return;
                }

                if (!typeArgumentsOnly && !IsTrusted(named) && Decide(named) is { Allowed: false } denied)
                {
                    Report(Display(named.OriginalDefinition), denied, at);
                    return;
                }

                foreach (var argument in named.TypeArguments)
                {
                    CheckType(argument, at);
                }

                if (named.ContainingType is { IsGenericType: true } outer)
                {
                    CheckType(outer, at, typeArgumentsOnly: true);
                }

                return;
        }
    }

    private ApiDecision Decide(ISymbol symbol)
    {
        var definition = symbol.OriginalDefinition;
        if (_decisions.TryGetValue(definition, out var decision))
        {
            return decision;
        }

        decision = definition switch
        {
            INamedTypeSymbol type => _policy.DecideType(PathOf(type)),
            _ when definition.ContainingType is { } containing => _policy.DecideMember(PathOf(containing), definition.Name),
            _ => new ApiDecision(true, null, definition.Name),
        };
        _decisions[definition] = decision;
        return decision;
    }

    private static TypePath PathOf(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            names.Insert(0, t.Name);
        }

        var outermost = type;
        while (outermost.ContainingType is not null)
        {
            outermost = outermost.ContainingType;
        }

        var ns = outermost.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        return new TypePath(ns, names);
    }

    /// <summary>The code's own declarations (this and earlier submissions, the tools) and the sandbox's API.</summary>
    private static bool IsTrusted(ISymbol symbol)
    {
        var definition = symbol.OriginalDefinition;
        if (IsSource(definition))
        {
            return true;
        }

        var type = definition as INamedTypeSymbol ?? definition.ContainingType;
        while (type?.ContainingType is not null)
        {
            type = type.ContainingType;
        }

        if (type is null)
        {
            return false;
        }

        var ns = type.ContainingNamespace?.ToDisplayString();
        return ns == SandboxNamespace
            || (ns == typeof(SandboxFileInfo).Namespace && SandboxFileTypes.Contains(type.MetadataName) && type.ContainingAssembly?.Name == AbstractionsAssembly);
    }

    private static bool IsSource(ISymbol symbol) => symbol.Locations.Any(l => l.IsInSource);

    private static string Display(ISymbol symbol) => symbol.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    private void Report(string symbol, ApiDecision decision, SyntaxNode at) =>
        Report(symbol, decision.Reason ?? $"it is not on the sandbox's allow-list ({decision.RuleName} is not allowed)", at.GetLocation(), decision.RuleName);

    private void Report(string symbol, string reason, SyntaxNode at) => Report(symbol, reason, at.GetLocation(), symbol);

    private void Report(string symbol, string reason, SyntaxToken at) => Report(symbol, reason, at.GetLocation(), symbol);

    private void Report(string symbol, string reason, Location location, string rule)
    {
        var position = location.GetLineSpan().StartLinePosition;
        // One report per symbol and line: a name used twice on a line is one problem.
        if (_reported.Add((symbol, position.Line)))
        {
            _violations.Add(new PolicyViolation(symbol, reason, position.Line + 1, position.Character + 1));
        }
    }
}
