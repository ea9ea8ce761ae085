using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>Before binding: upper bounds of the constant strings the code makes.</summary>
internal sealed partial class CompileCostCheck
{
    /// <summary>Upper bounds of the constant strings a submission can make, from its syntax.</summary>
    private sealed class Constants(CompileCostCheck check, Declarations declarations)
    {
        /// <summary>Rounds of re-evaluation after the first that constants referring to each other (by equal names) may take to settle.</summary>
        private const int SettleRounds = 8;

        private readonly Dictionary<string, long> _bounds = new(StringComparer.Ordinal);
        private readonly HashSet<string> _visiting = new(StringComparer.Ordinal);
        private bool _settled;
        private bool _cycle;

        /// <summary>
        /// The length assumed for a name not declared as a constant here or in an earlier step: in a constant's
        /// declaration it must be a constant, of the framework's; elsewhere a string that mixes such names is folded
        /// only if they all are, and is not declared, so it cannot be doubled again: there it counts as nothing.
        /// </summary>
        private int _foreignChars = ForeignConstantChars;

        /// <summary>The bound of each constant this submission declares, by key.</summary>
        public IReadOnlyDictionary<string, long> Bounds()
        {
            Settle();
            return _bounds;
        }

        public CompileCostProblem? Check(CompilationUnitSyntax root)
        {
            if (Settle() is { } unsettled)
            {
                return unsettled;
            }

            long total = 0;
            foreach (var (_, values) in declarations.Constants)
            {
                foreach (var (declarator, value) in values)
                {
                    var bound = Bound(value).Chars;
                    if (bound > MaxConstantChars && value is not LiteralExpressionSyntax)
                    {
                        return TooLong(declarator, bound);
                    }

                    total += bound;
                }
            }

            if (total > MaxTotalConstantChars)
            {
                return TooMuch(declarations.Constants.First().Value[0].Declarator, total);
            }

            _foreignChars = 0;
            foreach (var node in root.DescendantNodes())
            {
                if (!IsCandidate(node) || IsCandidate(Outer(node)) || node.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } && IsConstant(declarator))
                {
                    continue;
                }

                var (chars, known, foreign) = Bound((ExpressionSyntax)node);
                if (chars > MaxConstantChars)
                {
                    return TooLong(node, chars);
                }

                // Strings that mix in names this check cannot see (variables, mostly) are rarely constants; only those
                // made of literals and this session's constants count towards the total.
                if (known || !foreign)
                {
                    total += chars;
                }

                if (total > MaxTotalConstantChars)
                {
                    return TooMuch(node, total);
                }
            }

            return null;
        }

        private static CompileCostProblem TooMuch(SyntaxNode node, long total) =>
            At(node, $"the constant strings of this code add up to {Count(total)} characters or more; the limit is {MaxTotalConstantChars:N0}. Build long strings at run time (string.Concat, string.Join, a StringBuilder) instead of from constants.");

        private static CompileCostProblem TooLong(SyntaxNode node, long chars) =>
            At(node, $"this constant string can be up to {Count(chars)} characters long; the limit is {MaxConstantChars:N0} for strings the compiler builds from constants (with +, interpolation or other constants). Build long strings at run time (new string('x', n), string.Concat, a StringBuilder) and do not declare them const.");

        private static bool IsConstant(VariableDeclaratorSyntax declarator) => declarator.Parent?.Parent is LocalDeclarationStatementSyntax { IsConst: true }
            || (declarator.Parent?.Parent is FieldDeclarationSyntax field && field.Modifiers.Any(SyntaxKind.ConstKeyword));

        /// <summary>The expressions that combine strings the compiler may fold into one constant.</summary>
        private static bool IsCandidate(SyntaxNode? node) => node is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } or InterpolatedStringExpressionSyntax or ConditionalExpressionSyntax;

        private static SyntaxNode? Outer(SyntaxNode node)
        {
            var parent = node.Parent;
            while (parent is ParenthesizedExpressionSyntax or CastExpressionSyntax or CheckedExpressionSyntax or InterpolationSyntax)
            {
                parent = parent.Parent;
            }

            return parent;
        }

        /// <summary>
        /// Computes the bounds of the constants declared here. Constants that refer to others of the same name (which
        /// the syntax cannot tell apart) are evaluated again until their bounds settle; if they still grow after
        /// <see cref="SettleRounds"/> rounds, a constant depends on itself through names, and that is refused.
        /// </summary>
        private CompileCostProblem? Settle()
        {
            if (_settled)
            {
                return null;
            }

            _settled = true;
            foreach (var key in declarations.Constants.Keys)
            {
                KeyBound(key);
            }

            for (var round = 0; _cycle && round < SettleRounds; round++)
            {
                string? growing = null;
                foreach (var (name, values) in declarations.Constants)
                {
                    var bound = values.Max(v => Bound(v.Value).Chars);
                    if (bound > _bounds[name])
                    {
                        _bounds[name] = bound;
                        growing ??= name;
                    }
                }

                if (growing is null)
                {
                    return null;
                }

                if (round == SettleRounds - 1)
                {
                    var declarator = declarations.Constants[growing][0].Declarator;
                    return At(declarator, $"the constant '{declarator.Identifier.ValueText}' is defined, through constants of the same name, from itself; give the constants different names.");
                }
            }

            return null;
        }

        /// <summary>
        /// The bound of a reference to a constant: <c>K.S</c> is the constant <c>S</c> of a type <c>K</c> when this code or
        /// an earlier step declares one, <c>S</c> inside type <c>K</c> likewise, or a constant of the script; otherwise any
        /// constant named <c>S</c> (the largest), or, when there is none, a constant this check cannot see.
        /// </summary>
        private (long Chars, bool Known, bool Foreign) Reference(ExpressionSyntax reference)
        {
            var (name, qualifier) = reference switch
            {
                SimpleNameSyntax simple => (simple.Identifier.ValueText, null),
                MemberAccessExpressionSyntax access => (access.Name.Identifier.ValueText, Walk.LastName(access.Expression)),
                QualifiedNameSyntax qualified => (qualified.Right.Identifier.ValueText, Walk.LastName(qualified.Left)),
                _ => (((AliasQualifiedNameSyntax)reference).Name.Identifier.ValueText, (string?)null),
            };
            var exact = qualifier is not null ? $"{qualifier}.{name}" : ConstantKey(name, reference);
            foreach (var key in new[] { exact, name })
            {
                if (declarations.Constants.ContainsKey(key) || check._sessionConstants.ContainsKey(key))
                {
                    return (KeyBound(key), true, false);
                }
            }

            var suffix = "." + name;
            var sameName = declarations.Constants.Keys.Concat(check._sessionConstants.Keys).Where(k => k.EndsWith(suffix, StringComparison.Ordinal)).ToList();
            return sameName.Count > 0 ? (sameName.Max(KeyBound), true, false) : (_foreignChars, false, true);
        }

        private long KeyBound(string key)
        {
            if (_bounds.TryGetValue(key, out var bound))
            {
                return bound;
            }

            if (!declarations.Constants.TryGetValue(key, out var values))
            {
                return check._sessionConstants.GetValueOrDefault(key);
            }

            if (!_visiting.Add(key))
            {
                // A constant defined through one the syntax cannot tell from it: 0 for now, settled in later rounds.
                _cycle = true;
                return 0;
            }

            RuntimeHelpers.EnsureSufficientExecutionStack();
            bound = values.Max(v => Bound(v.Value).Chars);
            _visiting.Remove(key);
            _bounds[key] = bound;
            return bound;
        }

        /// <summary>
        /// An upper bound of the length of the string <paramref name="expression"/> makes if it is a constant, whether it
        /// refers to a constant of this session, and whether it refers to a name this check cannot see declared.
        /// </summary>
        private (long Chars, bool Known, bool Foreign) Bound(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression or (int)SyntaxKind.Utf8StringLiteralExpression } literal:
                    return (literal.Token.ValueText.Length, false, false);
                case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } add:
                    // Iterative over the left operands: a + b + c + ... is a left-deep tree as long as the chain.
                    (long Chars, bool Known, bool Foreign) sum = (0, false, false);
                    ExpressionSyntax left = add;
                    while (left is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } link)
                    {
                        sum = Plus(sum, Bound(link.Right));
                        left = link.Left;
                    }

                    return Plus(sum, Bound(left));
                case InterpolatedStringExpressionSyntax interpolated:
                    (long Chars, bool Known, bool Foreign) parts = (0, false, false);
                    foreach (var content in interpolated.Contents)
                    {
                        parts = Plus(parts, content switch
                        {
                            InterpolatedStringTextSyntax text => (text.TextToken.ValueText.Length, false, false),
                            InterpolationSyntax hole => Bound(hole.Expression),
                            _ => (0, false, false),
                        });
                    }

                    return parts;
                case ParenthesizedExpressionSyntax parenthesized:
                    return Bound(parenthesized.Expression);
                case CastExpressionSyntax cast:
                    return Bound(cast.Expression);
                case CheckedExpressionSyntax @checked:
                    return Bound(@checked.Expression);
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed:
                    return Bound(suppressed.Operand);
                case ConditionalExpressionSyntax conditional:
                    var whenTrue = Bound(conditional.WhenTrue);
                    var whenFalse = Bound(conditional.WhenFalse);
                    return (Math.Max(whenTrue.Chars, whenFalse.Chars), whenTrue.Known || whenFalse.Known, whenTrue.Foreign || whenFalse.Foreign);
                case InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } } nameOf:
                    return (nameOf.ArgumentList.Span.Length, false, false);
                case SimpleNameSyntax or MemberAccessExpressionSyntax or QualifiedNameSyntax or AliasQualifiedNameSyntax:
                    return Reference(expression);
                default:
                    return (0, false, false);
            }
        }

        private static (long Chars, bool Known, bool Foreign) Plus((long Chars, bool Known, bool Foreign) a, (long Chars, bool Known, bool Foreign) b) =>
            (Math.Min(a.Chars + b.Chars, long.MaxValue / 4), a.Known || b.Known, a.Foreign || b.Foreign);
    }
}
