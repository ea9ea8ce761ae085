using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>After binding: the size of the types the code makes.</summary>
internal sealed partial class CompileCostCheck
{
    /// <summary>
    /// After binding: refuses a tuple, anonymous object or generic method call whose type has more than
    /// <see cref="MaxTypeSize"/> parts. Types can double at each step (<c>var t2 = (t1, t1);</c>, <c>P(P(P(x)))</c> with
    /// <c>(T, T) P&lt;T&gt;(T x)</c>), and the compiler writes each one out in full in the assembly's metadata.
    /// </summary>
    public static CompileCostProblem? CheckTypeSizes(SemanticModel model, CompilationUnitSyntax root, CancellationToken cancellationToken)
    {
        // By reference: a symbol's own hash code and equality walk its type arguments, which is what grows exponentially.
        var sizes = new Dictionary<ITypeSymbol, long>(ReferenceEqualityComparer.Instance);
        foreach (var node in root.DescendantNodes())
        {
            long size;
            switch (node)
            {
                case TupleExpressionSyntax or AnonymousObjectCreationExpressionSyntax:
                    size = model.GetTypeInfo(node, cancellationToken).Type is { } type ? TypeSize(type, sizes) : 0;
                    break;
                case InvocationExpressionSyntax when model.GetSymbolInfo(node, cancellationToken).Symbol is IMethodSymbol method:
                    size = TypeSize(method.ReturnType, sizes);
                    foreach (var argument in method.TypeArguments)
                    {
                        size = Math.Max(size, TypeSize(argument, sizes));
                    }

                    break;
                default:
                    continue;
            }

            if (size > MaxTypeSize)
            {
                return At(node, $"the type of this expression has {Count(size)} parts (tuples, anonymous objects or generic types nested inside each other); the limit is {MaxTypeSize:N0}, because the compiler writes every type out in full. Declare a record or class to hold the data instead of nesting tuples.");
            }
        }

        return null;
    }

    private static long TypeSize(ITypeSymbol type, Dictionary<ITypeSymbol, long> sizes)
    {
        if (sizes.TryGetValue(type, out var known))
        {
            return known;
        }

        long size = 1;
        switch (type)
        {
            case IArrayTypeSymbol array:
                size += TypeSize(array.ElementType, sizes);
                break;
            case INamedTypeSymbol { IsAnonymousType: true } anonymous:
                foreach (var property in anonymous.GetMembers().OfType<IPropertySymbol>())
                {
                    size += TypeSize(property.Type, sizes);
                }

                break;
            case INamedTypeSymbol named:
                foreach (var argument in named.TypeArguments)
                {
                    size += TypeSize(argument, sizes);
                }

                if (named.ContainingType is { } outer)
                {
                    size += TypeSize(outer, sizes) - 1;
                }

                break;
        }

        size = Math.Min(size, long.MaxValue / 4);
        sizes[type] = size;
        return size;
    }
}
