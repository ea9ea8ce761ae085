using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>Why a submission was refused before it was compiled: a message for the model, and where.</summary>
internal sealed record CompileCostProblem(string Message, int Line, int Column);

/// <summary>
/// Refuses code whose compilation cost is not bounded by its length, before the compiler binds it. Roslyn observes
/// its cancellation token only between top-level statements and members, so a single statement that makes the
/// compiler run away (minutes of CPU, gigabytes of memory) could otherwise be stopped by nothing: the check reads the
/// text before it is parsed (<see cref="CheckSource"/>: nested brackets, which the parser handles in quadratic time)
/// and the syntax tree before it is bound (<see cref="Check"/>), and refuses, with the line, the limit and what to
/// write instead, the shapes whose cost grows faster than the code:
/// <list type="bullet">
/// <item><b>Constant strings built by the compiler</b>: <c>const string s1 = s0 + s0;</c> doubled 26 times is a
/// 64-million-character literal. An upper bound of every constant string is computed from the syntax (literals,
/// <c>+</c>, constant interpolated strings, conditionals, <c>nameof</c>, and references to constants by simple or
/// qualified name); a constant over <see cref="MaxConstantChars"/>, or constants over
/// <see cref="MaxTotalConstantChars"/> in all, are refused.</item>
/// <item><b>Lambdas passed to overloaded methods, nested</b>: overload resolution binds a lambda argument once for
/// each candidate of its call, and again for each binding of every lambda around it, so
/// <c>M(x =&gt; M(y =&gt; ...))</c> costs the product of the overload counts. The nesting of such arguments is limited to
/// <see cref="MaxLambdaArgumentDepth"/>, and the binding work a top-level statement or member can cause to
/// <see cref="MaxBindingWork"/>. A method name may have at most <see cref="MaxOverloads"/> overloads, since each call
/// compares its candidates pairwise.</item>
/// <item><b>Deep nesting</b>: parts of Roslyn and every query of the semantic model recurse over, or walk up, the
/// syntax tree; nesting (parentheses, conditionals, initialisers, lambdas, statements, patterns, generic type
/// arguments) is limited to <see cref="MaxNestingDepth"/>, and chains that Roslyn binds without recursion (<c>a + b
/// + c</c>, <c>x.F().G()</c>, <c>else if</c>) to a total depth of <see cref="MaxSyntaxDepth"/> syntax nodes.</item>
/// <item><b>Long queries and switches</b>: each clause of a query expression nests the anonymous type that carries
/// its range variables one level deeper, and the work on one switch grows faster than its cases; a query may have at
/// most <see cref="MaxQueryClauses"/> clauses, a switch <see cref="MaxSwitchCases"/> cases.</item>
/// <item><b>Types that double</b>: generic inference can double a type at each call (<c>a.GroupBy(x =&gt;
/// x).GroupBy(x =&gt; x)...</c>), and Roslyn's inference takes time in proportion to the type's size; such calls may
/// feed into each other at most <see cref="MaxInferenceChain"/> times in one expression. After binding,
/// <see cref="CheckTypeSizes"/> refuses types larger than <see cref="MaxTypeSize"/>, which also covers doubling
/// across statements (<c>var t2 = (t1, t1);</c>).</item>
/// </list>
/// One check per session: it remembers the constants and methods that earlier steps declared, since later steps can
/// refer to them. The parts are in CompileCostCheck.*.cs: Source (before parsing), Syntax and Constants (before
/// binding), Types (after binding).
/// </summary>
internal sealed partial class CompileCostCheck
{
    /// <summary>
    /// Characters of one constant string the compiler builds (from <c>+</c>, constant interpolation or other constants);
    /// a single literal is not limited (the source size limits it). 65,536.
    /// </summary>
    public const int MaxConstantChars = 65_536;

    /// <summary>Characters of all the constant strings one submission declares or builds, together. 1,048,576.</summary>
    public const int MaxTotalConstantChars = 1_048_576;

    /// <summary>
    /// How deeply lambdas (and anonymous methods, query clauses, interpolated strings) that are bound again for each
    /// overload of the call they are passed to may nest inside each other. 5: nested LINQ of 4 to 5 levels compiles;
    /// see docs/benchmarks.md for the measurements.
    /// </summary>
    public const int MaxLambdaArgumentDepth = 5;

    /// <summary>
    /// The binding work one top-level statement or member may cause beyond binding everything once, in lambda
    /// bindings: each lambda (or other argument bound per candidate) counts the times it is bound beyond the first (the
    /// product of the overload counts of the calls around it, its own included, minus one); every other node inside
    /// such lambdas counts a thirty-second of its extra bindings; each call of a method this code overloads counts a
    /// quarter of its candidates' pairwise comparisons (the square of their number), times the bindings around it.
    /// 500: nested <c>Sum</c> two levels deep inside another LINQ operator compiles, three levels of <c>Sum</c> do not;
    /// see docs/benchmarks.md for the compile times at the limit.
    /// </summary>
    public const int MaxBindingWork = 500;

    /// <summary>Methods (or constructors, or indexers) of one name that a session may declare. 16.</summary>
    public const int MaxOverloads = 16;

    /// <summary>
    /// Nesting of expressions, statements, patterns, types and declarations inside each other, where the left operand of
    /// a binary operator, the receiver of a member access or call and an <c>else if</c> continue a chain rather than
    /// nest, and a positional or property pattern counts twice. 64; realistic code stays under 30.
    /// </summary>
    public const int MaxNestingDepth = 64;

    /// <summary>Syntax nodes from the root to the deepest node, chains included (a + b + ... with 500 terms is 500 deep). 1,000.</summary>
    public const int MaxSyntaxDepth = 1_000;

    /// <summary>
    /// Cases of one <c>switch</c> statement (its labels) or arms of one <c>switch</c> expression: the work on one switch
    /// grows faster than its size (a switch expression of 6,000 arms took 12 s of CPU to compile), in one statement,
    /// which the compiler does not interrupt, and then in one method the JIT compiles whole (255 string arms: about half
    /// a second of CPU). 128.
    /// </summary>
    public const int MaxSwitchCases = 128;

    /// <summary>Clauses of one query expression (<c>from</c>, <c>let</c>, <c>where</c>, <c>join</c>, <c>orderby</c>, <c>select</c>, <c>group</c>, <c>into</c>). 16.</summary>
    public const int MaxQueryClauses = 16;

    /// <summary>
    /// Generic calls that can combine their input type with itself (LINQ's <c>Select</c>, <c>GroupBy</c>, <c>Zip</c>,
    /// <c>ToDictionary</c> and the like, methods this code declares generic, and any call with a lambda argument) one
    /// after the other in one expression, through receivers, arguments and lambda bodies: each can double the size of
    /// the type the compiler infers (<c>a.GroupBy(x =&gt; x).GroupBy(x =&gt; x)...</c>), and inference costs time in
    /// proportion to that size. 10.
    /// </summary>
    public const int MaxInferenceChain = 10;

    /// <summary>
    /// Brackets (<c>(</c>, <c>[</c>, <c>{</c>) and interpolated strings open inside each other, checked on the text before
    /// it is parsed: Roslyn's parser takes time quadratic in the depth of nested parentheses and interpolated strings. 128.
    /// </summary>
    public const int MaxBracketDepth = 128;

    /// <summary>
    /// Parts of one type (each type, type argument, tuple element and array element type counts, repeats included):
    /// <c>((int, int), (int, int))</c> has 7. 1,024.
    /// </summary>
    public const int MaxTypeSize = 1_024;

    /// <summary>
    /// The length assumed for a constant this check cannot see declared (a library constant, or a name that is not a
    /// constant at all): the longest public string constant in the referenced framework has 35 characters.
    /// </summary>
    private const int ForeignConstantChars = 64;

    /// <summary>
    /// The overload count assumed for a method this code does not declare and that is not one of LINQ's operators: the
    /// largest overload sets with delegate parameters in the referenced framework (<c>Task.ContinueWith</c>,
    /// <c>TaskFactory.ContinueWhenAll</c>) have 8 at one arity.
    /// </summary>
    private const int ForeignOverloads = 8;

    /// <summary>Names whose presence means LINQ's <c>Queryable</c> and <c>ParallelEnumerable</c> operators can be candidates too.</summary>
    private static readonly HashSet<string> OtherLinqReceivers = new(StringComparer.Ordinal)
    {
        "AsQueryable", "AsParallel", "IQueryable", "IOrderedQueryable", "Queryable", "EnumerableQuery", "ParallelQuery", "OrderedParallelQuery", "ParallelEnumerable",
    };

    private static readonly Lazy<LinqOverloads> Linq = new(() => new LinqOverloads());

    private readonly Dictionary<string, long> _sessionConstants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _sessionMethods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sessionGenericMethods = new(StringComparer.Ordinal);
    private bool _sessionUsesOtherLinq;

    /// <summary>Checks a submission; returns the first problem found, or null.</summary>
    public CompileCostProblem? Check(CompilationUnitSyntax root, CancellationToken cancellationToken)
    {
        var declarations = Declarations.Collect(root, _sessionMethods);
        if (declarations.Problem is { } declarationProblem)
        {
            return declarationProblem;
        }

        var walk = new Walk(this, declarations, cancellationToken);
        return walk.Run(root)
            ?? new InferenceChains(this, declarations).Check(root)
            ?? new Constants(this, declarations).Check(root);
    }

    /// <summary>Remembers what a step that ran declared, for the steps after it.</summary>
    public void Remember(CompilationUnitSyntax root)
    {
        var declarations = Declarations.Collect(root, new Dictionary<string, HashSet<string>>(StringComparer.Ordinal));
        foreach (var (name, keys) in declarations.Methods)
        {
            if (!_sessionMethods.TryGetValue(name, out var known))
            {
                _sessionMethods[name] = known = new HashSet<string>(StringComparer.Ordinal);
            }

            known.UnionWith(keys);
        }

        _sessionUsesOtherLinq |= declarations.UsesOtherLinq;
        _sessionGenericMethods.UnionWith(declarations.GenericMethods);
        foreach (var (key, bound) in new Constants(this, declarations).Bounds())
        {
            _sessionConstants[key] = Math.Max(bound, _sessionConstants.GetValueOrDefault(key));
        }
    }

    /// <summary>The key of a constant named <paramref name="name"/> declared at, or referred to from, <paramref name="node"/>: <c>Type.Name</c> inside a type.</summary>
    private static string ConstantKey(string name, SyntaxNode node) =>
        node.Ancestors().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault() is { } type ? $"{type.Identifier.ValueText}.{name}" : name;

    private static CompileCostProblem At(SyntaxNode node, string message)
    {
        var at = node.GetLocation().GetLineSpan().StartLinePosition;
        return new CompileCostProblem($"line {at.Line + 1}, column {at.Character + 1}: {message}", at.Line + 1, at.Character + 1);
    }

    private static string Count(long value) => value >= long.MaxValue / 4 ? "astronomically many" : value.ToString("N0", CultureInfo.InvariantCulture);
}
