using System.Globalization;
using System.Reflection;
using System.Text;
using CodeActSdk.Roslyn.Policy;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>What compiling one submission gave: an entry point to run (or none, for code that only declares usings), or a failure.</summary>
internal sealed record CompiledSubmission(Func<object[], Task<object>>? Factory, string Path, ExecutionStatus? FailureStatus = null, ExecutionError? Failure = null);

/// <summary>
/// One session's chain of script submissions: the REPL. Each execution is compiled as a C# script submission on top
/// of the previous one (<see cref="CSharpCompilation.CreateScriptCompilation"/> with the previous compilation), so
/// variables, methods and types it declares are visible to the next, exactly as in <c>csi</c>. Unlike Roslyn's
/// <c>CSharpScript</c>, which loads submissions into a loader that never unloads, each submission is emitted to memory
/// and loaded into the session's collectible <see cref="SessionLoadContext"/>, and run through its
/// <c>&lt;Factory&gt;</c> method with the session's submission array (slot 0 is the unused globals object; each
/// submission that emits code takes the next slot and finds its predecessors' instances in the array).
/// </summary>
/// <remarks>
/// A submission is first compiled as written, so that compiler messages and the policy check point at the model's
/// own lines and columns; then the guards are injected (<see cref="GuardRewriter"/>), and the rewritten tree is what
/// is emitted and chained. Code that fails to compile or breaks the policy is dropped from the chain; code that fails
/// while running stays in it (its declarations exist, possibly half-initialised), as in any REPL. The chain holds every
/// submission's compilation and code until the session is disposed: a session grows with the number of its
/// executions, and disposing it releases everything.
/// </remarks>
internal sealed class SubmissionChain : IDisposable
{
    private const string ScriptClassName = "Script";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12, DocumentationMode.None, SourceCodeKind.Script);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        usings: ScriptReferences.Imports,
        optimizationLevel: OptimizationLevel.Release,
        checkOverflow: false,
        allowUnsafe: false,
        concurrentBuild: false,
        deterministic: true,
        nullableContextOptions: NullableContextOptions.Disable);

    private static readonly EmitOptions EmitOptions = new(debugInformationFormat: DebugInformationFormat.PortablePdb);

    private readonly string _id;
    private SessionLoadContext? _context;
    private CSharpCompilation? _previous;
    private object[] _state = new object[8];
    private int _lastSlot;
    private int _count;

    public SubmissionChain(string id)
    {
        _id = id;
        _context = new SessionLoadContext("codeact-" + id);
    }

    /// <summary>The submission array passed to each submission's factory.</summary>
    public object[] State => _state;

    /// <summary>Compiles <paramref name="code"/> on top of the chain; with a <paramref name="policy"/> it is checked and guarded first (the prelude is trusted and is not).</summary>
    /// <exception cref="OperationCanceledException">Compiling took too long or was cancelled.</exception>
    public CompiledSubmission Compile(string code, CSharpApiPolicy? policy, CancellationToken cancellationToken)
    {
        var context = _context ?? throw new ObjectDisposedException(nameof(SubmissionChain));
        var number = ++_count;
        var path = $"submission{number}.csx";
        var tree = CSharpSyntaxTree.ParseText(code, ParseOptions, path, Encoding.UTF8, cancellationToken);
        var parseErrors = tree.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (parseErrors.Length > 0)
        {
            return Failed(path, ExecutionStatus.SyntaxError, CompileError("SyntaxError", parseErrors));
        }

        var assemblyName = $"codeact-{_id}-{number}";
        var compilation = CSharpCompilation.CreateScriptCompilation(assemblyName, tree, ScriptReferences.All, CompilationOptions, _previous, typeof(object));
        SemanticModel? model = null;
        if (policy is not null)
        {
            model = compilation.GetSemanticModel(tree);
            var violations = PolicyChecker.Check(policy, model, cancellationToken);
            if (violations.Count > 0)
            {
                return Failed(path, ExecutionStatus.PolicyViolation, PolicyError(violations, policy));
            }
        }

        if (model is null && CompileErrors(compilation, policy, path, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        if (tree.GetCompilationUnitRoot(cancellationToken).Members.Count == 0)
        {
            // Only using directives: nothing to emit, but later submissions see the usings.
            if (CompileErrors(compilation, policy, path, cancellationToken) is { } invalidUsings)
            {
                return invalidUsings;
            }

            _previous = compilation;
            return new CompiledSubmission(null, path);
        }

        var unguarded = compilation;
        if (model is not null)
        {
            var guarded = new GuardRewriter(model, cancellationToken).Rewrite(tree.GetRoot(cancellationToken));
            compilation = compilation.ReplaceSyntaxTree(tree, tree.WithRootAndOptions(guarded, tree.Options));
        }

        using var image = new MemoryStream();
        using var symbols = new MemoryStream();
        var emitted = compilation.Emit(image, symbols, options: EmitOptions, cancellationToken: cancellationToken);
        if (!emitted.Success)
        {
            // Compile errors are reported from the submission as written, so that columns are the model's own; only
            // when that compiles is the failure the guards' fault.
            if (CompileErrors(unguarded, policy, path, cancellationToken) is { } invalidCode)
            {
                return invalidCode;
            }

            var problems = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(3).Select(d => $"{d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}");
            return Failed(path, ExecutionStatus.RuntimeError, new ExecutionError("InternalError",
                "The sandbox could not compile this code after adding its guards (a sandbox bug; please report it with the code). Rewrite the code more simply. Details: " + string.Join("; ", problems)));
        }

        image.Position = 0;
        symbols.Position = 0;
        var assembly = context.LoadSubmission(assemblyName, image, symbols);
        var factory = assembly.GetType(ScriptClassName, throwOnError: true)!
            .GetMethod("<Factory>", BindingFlags.Public | BindingFlags.Static)!
            .CreateDelegate<Func<object[], Task<object>>>();

        _previous = compilation;
        _lastSlot++;
        if (_state.Length <= _lastSlot)
        {
            Array.Resize(ref _state, _state.Length * 2);
        }

        return new CompiledSubmission(factory, path);
    }

    private static CompiledSubmission? CompileErrors(CSharpCompilation compilation, CSharpApiPolicy? policy, string path, CancellationToken cancellationToken)
    {
        var errors = compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (policy is not null && errors.FirstOrDefault(IsHostConsole) is { } console)
        {
            var at = console.Location.GetLineSpan().StartLinePosition;
            return Failed(path, ExecutionStatus.PolicyViolation, PolicyError([new PolicyViolation("System.Console", DefaultApiPolicy.ConsoleReason, at.Line + 1, at.Character + 1)], policy));
        }

        return errors.Length > 0 ? Failed(path, ExecutionStatus.SyntaxError, CompileError("CompileError", errors)) : null;
    }

    /// <summary>
    /// <c>System.Console</c> is not referenced at all (the sandbox's own <c>Console</c> must be the only one in scope), so
    /// naming it is a compile error; it is reported as what it is, a use of something the sandbox does not allow.
    /// </summary>
    private static bool IsHostConsole(Diagnostic diagnostic) =>
        diagnostic.Id == "CS0234" && diagnostic.GetMessage(CultureInfo.InvariantCulture).Contains("'Console' does not exist in the namespace 'System'", StringComparison.Ordinal);

    private static CompiledSubmission Failed(string path, ExecutionStatus status, ExecutionError error) => new(null, path, status, error);

    private static ExecutionError CompileError(string kind, IReadOnlyList<Diagnostic> errors)
    {
        var lines = errors.Take(3).Select(d =>
        {
            var at = d.Location.GetLineSpan().StartLinePosition;
            return $"line {at.Line + 1}, column {at.Character + 1}: {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
        });
        var more = errors.Count > 3 ? $"\n(and {errors.Count - 3} more errors)" : "";
        var first = errors[0].Location.GetLineSpan().StartLinePosition;
        return new ExecutionError(kind, string.Join("\n", lines) + more, first.Line + 1, first.Character + 1);
    }

    private static ExecutionError PolicyError(IReadOnlyList<PolicyViolation> violations, CSharpApiPolicy policy)
    {
        var text = new StringBuilder("The code uses API that the sandbox does not allow, so nothing ran:");
        foreach (var violation in violations.Take(10))
        {
            text.Append($"\n- line {violation.Line}, column {violation.Column}: {violation.Symbol}: {violation.Reason}.");
        }

        if (violations.Count > 10)
        {
            text.Append($"\n(and {violations.Count - 10} more)");
        }

        text.Append($"\nAllowed: {policy.Summary}.");
        return new ExecutionError("PolicyViolation", text.ToString(), violations[0].Line, violations[0].Column);
    }

    /// <summary>Drops the chain and unloads the session's code; the memory is reclaimed once nothing references it.</summary>
    public void Dispose()
    {
        _previous = null;
        _state = [];
        var context = Interlocked.Exchange(ref _context, null);
        context?.UnloadSubmissions();
    }
}
