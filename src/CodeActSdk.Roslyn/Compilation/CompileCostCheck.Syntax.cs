using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>Before binding: declarations, nesting, chains, queries, and the binding work of lambda arguments.</summary>
internal sealed partial class CompileCostCheck
{
    /// <summary>What one submission declares: constants with their initialisers, methods by name, and whether other LINQ receivers appear.</summary>
    private sealed class Declarations
    {
        /// <summary>
        /// Constant declarations by key: <c>Type.Name</c> for a constant field of a type, the name alone for a constant
        /// of the script or a local constant.
        /// </summary>
        public Dictionary<string, List<(VariableDeclaratorSyntax Declarator, ExpressionSyntax Value)>> Constants { get; } = new(StringComparer.Ordinal);

        /// <summary>Method, constructor and indexer declarations by name, each by a key of its container, name and parameters.</summary>
        public Dictionary<string, HashSet<string>> Methods { get; } = new(StringComparer.Ordinal);

        /// <summary>Names of the generic methods and local functions this submission declares.</summary>
        public HashSet<string> GenericMethods { get; } = new(StringComparer.Ordinal);

        public bool UsesOtherLinq { get; private set; }

        public CompileCostProblem? Problem { get; private set; }

        public static Declarations Collect(CompilationUnitSyntax root, Dictionary<string, HashSet<string>> earlierMethods)
        {
            var found = new Declarations();
            foreach (var node in root.DescendantNodes())
            {
                switch (node)
                {
                    case VariableDeclaratorSyntax { Initializer: { } initializer, Parent: VariableDeclarationSyntax { Parent: var holder } } declarator
                        when holder is LocalDeclarationStatementSyntax { IsConst: true } || (holder is FieldDeclarationSyntax field && field.Modifiers.Any(SyntaxKind.ConstKeyword)):
                        var key = ConstantKey(declarator.Identifier.ValueText, declarator);
                        if (!found.Constants.TryGetValue(key, out var values))
                        {
                            found.Constants[key] = values = [];
                        }

                        values.Add((declarator, initializer.Value));
                        break;
                    case MethodDeclarationSyntax method:
                        found.AddMethod(method.Identifier.ValueText, method, method.ParameterList, earlierMethods);
                        if (method.TypeParameterList is not null)
                        {
                            found.GenericMethods.Add(method.Identifier.ValueText);
                        }

                        break;
                    case LocalFunctionStatementSyntax function:
                        found.AddMethod(function.Identifier.ValueText, function, function.ParameterList, earlierMethods);
                        if (function.TypeParameterList is not null)
                        {
                            found.GenericMethods.Add(function.Identifier.ValueText);
                        }

                        break;
                    case ConstructorDeclarationSyntax constructor:
                        found.AddMethod(constructor.Identifier.ValueText, constructor, constructor.ParameterList, earlierMethods);
                        break;
                    case TypeDeclarationSyntax { ParameterList: { } primary } type:
                        found.AddMethod(type.Identifier.ValueText, type, primary, earlierMethods);
                        break;
                    case IndexerDeclarationSyntax indexer:
                        found.AddMethod("this[]", indexer, indexer.ParameterList, earlierMethods);
                        break;
                    case SimpleNameSyntax identifier when OtherLinqReceivers.Contains(identifier.Identifier.ValueText):
                        found.UsesOtherLinq = true;
                        break;
                }

                if (found.Problem is not null)
                {
                    break;
                }
            }

            return found;
        }

        private void AddMethod(string name, SyntaxNode declaration, BaseParameterListSyntax parameters, Dictionary<string, HashSet<string>> earlierMethods)
        {
            if (!Methods.TryGetValue(name, out var keys))
            {
                Methods[name] = keys = new HashSet<string>(StringComparer.Ordinal);
            }

            var container = string.Join(".", declaration.Ancestors().OfType<BaseTypeDeclarationSyntax>().Select(t => t.Identifier.ValueText));
            keys.Add($"{container}:{name}({string.Join(",", parameters.Parameters.Select(p => p.Type?.ToString()))})");
            var total = keys.Count + (earlierMethods.TryGetValue(name, out var earlier) ? earlier.Count(k => !keys.Contains(k)) : 0);
            if (total > MaxOverloads)
            {
                Problem = At(declaration, $"'{name}' has {total} overloads in this session; the limit is {MaxOverloads}, because every call compares the candidates pairwise and binds lambda arguments once for each. Give the methods different names.");
            }
        }

        /// <summary>How many overloads of <paramref name="name"/> this submission and the earlier steps declare.</summary>
        public int OverloadsOf(string name, Dictionary<string, HashSet<string>> earlierMethods)
        {
            var here = Methods.TryGetValue(name, out var keys) ? keys : null;
            var count = here?.Count ?? 0;
            if (earlierMethods.TryGetValue(name, out var earlier))
            {
                count += here is null ? earlier.Count : earlier.Count(k => !here.Contains(k));
            }

            return count;
        }
    }

    /// <summary>One pass over the tree: nesting, syntax depth, query clauses, and the binding work of lambda arguments.</summary>
    private sealed class Walk(CompileCostCheck check, Declarations declarations, CancellationToken cancellationToken)
    {
        private readonly bool _otherLinq = check._sessionUsesOtherLinq || declarations.UsesOtherLinq;

        private readonly record struct Frame(SyntaxNode Node, int SyntaxDepth, int Nesting, int LambdaDepth, long Multiplier);

        public CompileCostProblem? Run(CompilationUnitSyntax root)
        {
            var stack = new Stack<Frame>();
            SyntaxNode? unit = null;
            double work = 0;
            var visited = 0;
            stack.Push(new Frame(root, 0, 0, 0, 1));
            while (stack.Count > 0)
            {
                var (node, syntaxDepth, nesting, lambdaDepth, multiplier) = stack.Pop();
                if (IsUnit(node))
                {
                    // Roslyn observes cancellation between these, so each gets its own allowance.
                    unit = node;
                    work = 0;
                }

                if (syntaxDepth > MaxSyntaxDepth)
                {
                    return At(node, $"the code is more than {MaxSyntaxDepth:N0} syntax levels deep here (a chain such as a + b + c + ... or x.F().G().H()... of about {MaxSyntaxDepth / 2:N0} links, or deep nesting); the compiler's cost grows with the square of the depth. Build long sequences in a loop (string.Join, a StringBuilder, a collection) or split the chain into several statements.");
                }

                if (nesting > MaxNestingDepth)
                {
                    return At(node, $"expressions, statements, patterns or types are nested more than {MaxNestingDepth} levels deep here; the limit is {MaxNestingDepth}. Split the code: compute parts into variables first, or move inner parts into methods.");
                }

                if (Cases(node) is var cases && cases > MaxSwitchCases)
                {
                    return At(node, $"this switch has {cases} cases; the limit is {MaxSwitchCases}, because the compiler's work on one switch grows faster than its number of cases. Look the values up in a Dictionary instead.");
                }

                if (node is QueryExpressionSyntax query && Clauses(query.Body) + 1 is var clauses && clauses > MaxQueryClauses)
                {
                    return At(node, $"this query has {clauses} clauses; the limit is {MaxQueryClauses}, because each clause nests the compiler's anonymous types one level deeper. Split it into several queries, keeping intermediate results in variables.");
                }

                var weight = Rebinding(node);
                if (weight > 1)
                {
                    lambdaDepth++;
                    multiplier = Math.Min(multiplier * weight, int.MaxValue);
                    if (lambdaDepth > MaxLambdaArgumentDepth)
                    {
                        return At(node, $"lambdas passed as arguments are nested {lambdaDepth} deep here; the limit is {MaxLambdaArgumentDepth}, because the compiler binds each one again for every overload of every call around it. Declare inner lambdas as variables or local functions with explicit types (Func<int, int> f = x => ...;) and pass those.");
                    }
                }

                work += (weight > 1 ? multiplier - 1 : 0) + (multiplier - 1) / 32.0 + CallWork(node, multiplier);
                if (work > MaxBindingWork)
                {
                    return At(node, $"this {UnitName(unit)} would make the compiler bind lambdas and compare overloads about {Count((long)work)} times more than once (a lambda passed to a method is bound once for each of its overloads, inside every binding of the lambdas around it; LINQ's Sum, Min, Max and Average have 10 or more overloads each); the limit is {MaxBindingWork:N0}. Give inner lambdas explicit types by declaring them as variables (Func<Order, decimal> total = o => ...;), split the statement, or give overloaded methods different names.");
                }

                var children = node.ChildNodes().ToList();
                for (var i = children.Count - 1; i >= 0; i--)
                {
                    var child = children[i];
                    stack.Push(new Frame(child, syntaxDepth + 1, nesting + Nesting(child), lambdaDepth, multiplier));
                }

                if (++visited % 4096 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            return null;
        }

        private static string UnitName(SyntaxNode? unit) => unit switch
        {
            BaseMethodDeclarationSyntax => "method",
            GlobalStatementSyntax or BaseFieldDeclarationSyntax { Parent: CompilationUnitSyntax } => "statement",
            _ => "member",
        };

        private static bool IsUnit(SyntaxNode node) => node is GlobalStatementSyntax
            || (node is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax and not DelegateDeclarationSyntax);

        /// <summary>
        /// How many levels of nesting <paramref name="node"/> adds: none for a link of a chain or a part of a larger
        /// construct, two for a positional or property pattern (binding nested patterns takes time that grows faster
        /// than for other nesting), one otherwise.
        /// </summary>
        private static int Nesting(SyntaxNode node) => node switch
        {
            BinaryExpressionSyntax when node.Parent is BinaryExpressionSyntax parent && parent.Left == node => 0,
            BinaryPatternSyntax when node.Parent is BinaryPatternSyntax parent && parent.Left == node => 0,
            _ when node.Parent is MemberAccessExpressionSyntax access && access.Expression == node => 0,
            _ when node.Parent is InvocationExpressionSyntax call && call.Expression == node => 0,
            _ when node.Parent is ElementAccessExpressionSyntax element && element.Expression == node => 0,
            _ when node.Parent is ConditionalAccessExpressionSyntax conditional && (conditional.Expression == node || conditional.WhenNotNull == node) => 0,
            _ when node.Parent is QualifiedNameSyntax qualified && qualified.Left == node => 0,
            IfStatementSyntax when node.Parent is ElseClauseSyntax => 0,
            RecursivePatternSyntax => 2,
            ExpressionSyntax or StatementSyntax or PatternSyntax or MemberDeclarationSyntax => 1,
            _ => 0,
        };

        private static int Cases(SyntaxNode node) => node switch
        {
            SwitchExpressionSyntax expression => expression.Arms.Count,
            SwitchStatementSyntax statement => statement.Sections.Sum(section => section.Labels.Count),
            _ => 0,
        };

        private static int Clauses(QueryBodySyntax body) =>
            body.Clauses.Count + 1 + (body.Continuation is { } continuation ? 1 + Clauses(continuation.Body) : 0);

        /// <summary>
        /// How many times the compiler binds <paramref name="node"/> for each binding of what is around it: a lambda,
        /// anonymous method or interpolated string passed as an argument is bound once per overload of the call; the
        /// lambda part of a query clause once per overload of the operator it becomes; an interpolated string inside
        /// another one's hole twice.
        /// </summary>
        private int Rebinding(SyntaxNode node)
        {
            switch (node)
            {
                case AnonymousFunctionExpressionSyntax:
                    return ArgumentOf(node) is { } call ? Overloads(call) : 1;
                case InterpolatedStringExpressionSyntax interpolated when interpolated.Contents.Any(c => c is InterpolationSyntax):
                    return node.Parent is InterpolationSyntax || ArgumentOf(node) is not null ? 2 : 1;
                case ExpressionSyntax expression when node.Parent is QueryClauseSyntax or SelectOrGroupClauseSyntax or OrderingSyntax:
                    return QueryOperator(expression) is { } @operator ? Math.Max(1, Linq.Value.Count(@operator.Name, @operator.Arguments, _otherLinq)) : 1;
                default:
                    return 1;
            }
        }

        /// <summary>The work of overload resolution on a call of a method this code overloads: its candidates compared pairwise.</summary>
        private double CallWork(SyntaxNode node, long multiplier)
        {
            if (node is not (InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax) || CalledName(node) is not { } name)
            {
                return 0;
            }

            var declared = declarations.OverloadsOf(name, check._sessionMethods);
            return declared < 2 ? 0 : multiplier * declared * declared / 4.0;
        }

        /// <summary>The call that <paramref name="node"/> is an argument of, looking through parentheses, conditionals, tuples, switch arms and collection elements.</summary>
        private static SyntaxNode? ArgumentOf(SyntaxNode node)
        {
            var current = node;
            while (true)
            {
                switch (current.Parent)
                {
                    case ParenthesizedExpressionSyntax or ConditionalExpressionSyntax or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression }:
                    case TupleExpressionSyntax or SwitchExpressionArmSyntax or ExpressionElementSyntax or CollectionExpressionSyntax:
                        current = current.Parent;
                        break;
                    case SwitchExpressionSyntax switchExpression when current is SwitchExpressionArmSyntax:
                        current = switchExpression;
                        break;
                    case ArgumentSyntax argument when argument.Parent is TupleExpressionSyntax:
                        current = argument;
                        break;
                    case ArgumentSyntax { Parent: BaseArgumentListSyntax { Parent: { } call } }:
                        return call;
                    default:
                        return null;
                }
            }
        }

        /// <summary>
        /// How many candidates the compiler binds a lambda argument of <paramref name="call"/> against: the overloads this
        /// session declares, exactly, when the call can only mean them (a simple name, a type of its own); otherwise
        /// those plus LINQ's operators of that name and arity, or, for any other name, <see cref="ForeignOverloads"/>.
        /// </summary>
        private int Overloads(SyntaxNode call)
        {
            var name = CalledName(call);
            var declared = name is null ? 0 : declarations.OverloadsOf(name, check._sessionMethods);
            if (declared > 0 && call is InvocationExpressionSyntax { Expression: SimpleNameSyntax } or BaseObjectCreationExpressionSyntax or ElementAccessExpressionSyntax)
            {
                return declared;
            }

            var arguments = call.ChildNodes().OfType<BaseArgumentListSyntax>().FirstOrDefault()?.Arguments.Count ?? 0;
            var linq = name is null ? 0 : Linq.Value.Count(name, arguments, _otherLinq);
            return declared + (linq > 0 ? linq : ForeignOverloads);
        }

        private static string? CalledName(SyntaxNode call) => call switch
        {
            InvocationExpressionSyntax invocation => LastName(invocation.Expression),
            ObjectCreationExpressionSyntax creation => LastName(creation.Type),
            ElementAccessExpressionSyntax => "this[]",
            _ => null,
        };

        public static string? LastName(ExpressionSyntax expression) => expression switch
        {
            SimpleNameSyntax name => name.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            _ => null,
        };

        /// <summary>The LINQ operator a query clause's expression becomes the lambda of, with its argument count; null for a query's source.</summary>
        private static (string Name, int Arguments)? QueryOperator(ExpressionSyntax expression) => expression.Parent switch
        {
            WhereClauseSyntax => ("Where", 1),
            SelectClauseSyntax => ("Select", 1),
            LetClauseSyntax => ("Select", 1),
            FromClauseSyntax { Parent: QueryBodySyntax } => ("SelectMany", 2),
            JoinClauseSyntax join when join.InExpression != expression => ("Join", 4),
            OrderingSyntax => ("OrderBy", 1),
            GroupClauseSyntax => ("GroupBy", 2),
            _ => null,
        };
    }

    /// <summary>
    /// The longest sequence of generic calls through which an inferred type can grow, per expression: a call's count is
    /// its own (one if it can combine types), plus the larger of its receiver's and its plain arguments' counts, plus
    /// those of its lambda arguments' bodies (whose results the call builds its type from).
    /// </summary>
    private sealed class InferenceChains(CompileCostCheck check, Declarations declarations)
    {
        /// <summary>LINQ operators whose result holds the same element type as their source (or a fixed type): they never combine types.</summary>
        private static readonly HashSet<string> SameElement = new(StringComparer.Ordinal)
        {
            "Where", "OrderBy", "OrderByDescending", "ThenBy", "ThenByDescending", "Order", "OrderDescending", "Take", "TakeLast", "TakeWhile",
            "Skip", "SkipLast", "SkipWhile", "Distinct", "DistinctBy", "Reverse", "ToList", "ToArray", "ToHashSet", "AsEnumerable", "Cast", "OfType",
            "First", "FirstOrDefault", "Last", "LastOrDefault", "Single", "SingleOrDefault", "ElementAt", "ElementAtOrDefault", "DefaultIfEmpty",
            "Count", "LongCount", "Sum", "Min", "Max", "MinBy", "MaxBy", "Average", "Any", "All", "Contains", "SequenceEqual",
            "Concat", "Union", "UnionBy", "Intersect", "IntersectBy", "Except", "ExceptBy", "Append", "Prepend", "Chunk",
        };

        public CompileCostProblem? Check(CompilationUnitSyntax root)
        {
            var chains = new Dictionary<SyntaxNode, int>();
            var nodes = root.DescendantNodes().ToList();
            // In reverse document order every node comes after its descendants.
            for (var i = nodes.Count - 1; i >= 0; i--)
            {
                var node = nodes[i];
                var chain = node switch
                {
                    InvocationExpressionSyntax call => Chain(call, chains),
                    QueryExpressionSyntax query => Children(node, chains) + query.DescendantNodes().Count(d => d is SelectClauseSyntax or GroupClauseSyntax or JoinClauseSyntax or LetClauseSyntax or FromClauseSyntax { Parent: QueryBodySyntax }),
                    _ => Children(node, chains),
                };
                if (chain > MaxInferenceChain)
                {
                    return At(node, $"{chain} generic calls feed into each other here (LINQ operators such as Select, GroupBy, ToDictionary or Zip, generic methods, calls with lambda arguments); the limit is {MaxInferenceChain}, because each can double the size of the type the compiler infers. Split the chain into several statements, storing intermediate results in variables with explicit types.");
                }

                if (chain > 0)
                {
                    chains[node] = chain;
                }
            }

            return null;
        }

        private static int Children(SyntaxNode node, Dictionary<SyntaxNode, int> chains)
        {
            var chain = 0;
            foreach (var child in node.ChildNodes())
            {
                chain = Math.Max(chain, chains.GetValueOrDefault(child));
            }

            return chain;
        }

        private int Chain(InvocationExpressionSyntax call, Dictionary<SyntaxNode, int> chains)
        {
            var plain = chains.GetValueOrDefault(call.Expression);
            var lambdas = 0;
            foreach (var argument in call.ArgumentList.Arguments)
            {
                if (argument.Expression is AnonymousFunctionExpressionSyntax)
                {
                    lambdas += chains.GetValueOrDefault(argument.Expression);
                }
                else
                {
                    plain = Math.Max(plain, chains.GetValueOrDefault(argument.Expression));
                }
            }

            return (Combines(call) ? 1 : 0) + plain + lambdas;
        }

        private bool Combines(InvocationExpressionSyntax call)
        {
            var name = Walk.LastName(call.Expression);
            if (name is null || SameElement.Contains(name) && Linq.Value.Count(name, call.ArgumentList.Arguments.Count, otherReceivers: true) > 0)
            {
                return false;
            }

            return Linq.Value.Count(name, call.ArgumentList.Arguments.Count, otherReceivers: true) > 0
                || declarations.GenericMethods.Contains(name) || check._sessionGenericMethods.Contains(name)
                || call.ArgumentList.Arguments.Any(a => a.Expression is AnonymousFunctionExpressionSyntax);
        }
    }

    /// <summary>How many overloads LINQ's operators have at each arity, read once from <see cref="Enumerable"/> (and <c>Queryable</c>, <c>ParallelEnumerable</c>).</summary>
    private sealed class LinqOverloads
    {
        private readonly Dictionary<(string, int), int> _enumerable = CountOf(typeof(Enumerable));
        private readonly Dictionary<(string, int), int> _others = Merge(CountOf(typeof(Queryable)), CountOf(typeof(ParallelEnumerable)));

        /// <summary>Candidates among LINQ's operators for a call of <paramref name="name"/> with <paramref name="arguments"/> arguments (the receiver not counted).</summary>
        public int Count(string name, int arguments, bool otherReceivers) =>
            _enumerable.GetValueOrDefault((name, arguments)) + (otherReceivers ? _others.GetValueOrDefault((name, arguments)) : 0);

        private static Dictionary<(string, int), int> CountOf(Type type)
        {
            var counts = new Dictionary<(string, int), int>();
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
            {
                var key = (method.Name, method.GetParameters().Length - 1);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }

            return counts;
        }

        private static Dictionary<(string, int), int> Merge(Dictionary<(string, int), int> a, Dictionary<(string, int), int> b)
        {
            foreach (var (key, count) in b)
            {
                a[key] = a.GetValueOrDefault(key) + count;
            }

            return a;
        }
    }
}
