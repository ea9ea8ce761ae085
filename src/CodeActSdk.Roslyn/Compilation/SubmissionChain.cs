using System.Globalization;
using System.Reflection;
using System.Text;
using CodeActSdk.Roslyn.Policy;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>What compiling one submission gave: an entry point to run (or none, for code that only declares usings), or a failure.</summary>
internal sealed record CompiledSubmission(Func<object[], Task<object>>? Factory, string Path, ExecutionStatus? FailureStatus = null, ExecutionError? Failure = null)
{
    /// <summary>What the session had to change in its carried-over state before this step (for the model).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>What <see cref="SubmissionChain.Complete"/> needs once the step has run.</summary>
    internal SubmissionChain.Step? Step { get; init; }
}

/// <summary>
/// One session's REPL, bounded: each step is compiled as a C# script submission on top of a short chain, run, and
/// then what it declared is carried over by value and the step itself is unloaded, so that a session's size follows
/// what its variables hold and the types it declared, not how many steps it ran.
/// </summary>
/// <remarks>
/// <para>
/// The chain is: the tools submission; the steps that declared new types (kept, because values of those types must
/// keep their identity; a step repeating an existing declaration word for word reuses the existing type); then the
/// state prelude generated from <see cref="ReplState"/> (a <c>ref</c> property per variable over a shared cell, the
/// methods re-declared against them, the using directives); then the step. After the step runs, its variables move
/// into cells and its methods and usings into the state; unless it is kept, its load context is unloaded. The prelude
/// is compiled again only when a declaration is added or changes type.
/// </para>
/// <para>
/// Each submission is emitted to memory and loaded into a collectible <see cref="SessionLoadContext"/>, and run
/// through its <c>&lt;Factory&gt;</c> method with the session's submission array (slot 0 is the unused globals
/// object; each submission that emits code takes the next slot and finds its predecessors' instances there). A step
/// is first compiled as written, so that compiler messages and the policy check point at the model's own lines and
/// columns; then the guards are injected (<see cref="GuardRewriter"/>) and the rewritten tree is emitted.
/// </para>
/// <para>
/// Differences from <c>csi</c>, which keeps every submission: a lambda stored in a variable sees later assignments
/// to variables of earlier steps, but not re-declarations of variables of its own step; a method declared in an
/// earlier step uses the newest variable of each name; a variable of an anonymous type declared by a step that is
/// not kept becomes <c>object</c> (with a note).
/// </para>
/// </remarks>
internal sealed class SubmissionChain : IDisposable
{
    /// <summary>The message for code whose compilation ran out of memory.</summary>
    public const string CompilerOutOfMemory =
        "Compiling the code ran out of memory: the compiled code would be too large (huge constant strings, types nested inside each other). Build large data at run time instead.";

    private const string ScriptClassName = "Script";

    internal static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12, DocumentationMode.None, SourceCodeKind.Script);

    internal static readonly CSharpCompilationOptions CompilationOptions = new(
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
    private readonly SessionAssemblies _assemblies = new();
    private readonly ReplState _repl = new();
    private readonly CompileCostCheck _cost = new();
    private readonly List<SessionLoadContext> _keptContexts = [];
    private SessionLoadContext? _kept;
    private CSharpCompilation? _keptTip;
    private int _keptSlots;
    private Prelude? _prelude;
    private object[] _state = new object[8];
    private int _count;

    public SubmissionChain(string id)
    {
        _id = id;
        _kept = new SessionLoadContext("codeact-" + id, _assemblies);
        _keptContexts.Add(_kept);
    }

    /// <summary>The submission array passed to each submission's factory.</summary>
    public object[] State => _state;

    /// <summary>What the steps so far declared and the session carries over: variables with their values, then methods.</summary>
    public IEnumerable<(string Name, string Type, object? Value, bool IsMethod)> Declarations() => _repl.Declarations();

    /// <summary>Compiles and runs trusted code (the tools) as a submission the session keeps.</summary>
    public void Install(string code, CancellationToken cancellationToken)
    {
        var compiled = Compile(code, policy: null, cancellationToken);
        if (compiled.Failure is { } failure)
        {
            throw new InvalidOperationException("The tools could not be compiled into C# (a sandbox bug): " + failure.Message);
        }

        compiled.Factory?.Invoke(State).GetAwaiter().GetResult();
        CompleteStep(compiled, sandboxOwn: true);
    }

    /// <summary>Compiles <paramref name="code"/> as the next step; with a <paramref name="policy"/> it is checked and guarded first (without one it is trusted).</summary>
    /// <exception cref="OperationCanceledException">Compiling took too long or was cancelled.</exception>
    public CompiledSubmission Compile(string code, CSharpApiPolicy? policy, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_kept is null, this);
        var number = ++_count;
        var path = $"submission{number}.csx";
        var notes = EnsurePrelude(cancellationToken);
        if (policy is not null && CompileCostCheck.CheckSource(code) is { } tooDeep)
        {
            return Failed(path, ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.CompileLimit, tooDeep.Message, tooDeep.Line, tooDeep.Column)) with { Notes = notes };
        }

        var tree = CSharpSyntaxTree.ParseText(code, ParseOptions, path, Encoding.UTF8, cancellationToken);
        var parseErrors = tree.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (parseErrors.Length > 0)
        {
            return Failed(path, ExecutionStatus.SyntaxError, CompileError(ErrorKind.SyntaxError, parseErrors)) with { Notes = notes };
        }

        var repeated = _repl.RepeatedTypes(tree.GetCompilationUnitRoot(cancellationToken)).ToArray();
        if (repeated.Length > 0)
        {
            // Word-for-word repeats of existing types are blanked (lines and columns stay) so that the existing types are used.
            tree = CSharpSyntaxTree.ParseText(Blank(code, repeated), ParseOptions, path, Encoding.UTF8, cancellationToken);
        }

        var root = tree.GetCompilationUnitRoot(cancellationToken);
        if (policy is not null && _cost.Check(root, cancellationToken) is { } tooCostly)
        {
            return Failed(path, ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.CompileLimit, tooCostly.Message, tooCostly.Line, tooCostly.Column)) with { Notes = notes };
        }

        var assemblyName = $"codeact-{_id}-{number}";
        var compilation = CSharpCompilation.CreateScriptCompilation(assemblyName, tree, ScriptReferences.All, CompilationOptions, _prelude?.Compilation ?? _keptTip, typeof(object));
        SemanticModel? model = null;
        if (policy is not null)
        {
            if (root.Members.FirstOrDefault(m => m is BasePropertyDeclarationSyntax or EventFieldDeclarationSyntax) is { } member)
            {
                var at = member.GetLocation().GetLineSpan().StartLinePosition;
                return Failed(path, ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.SyntaxError,
                    $"line {at.Line + 1}, column {at.Character + 1}: properties and events cannot be declared at the top level of a step; declare a variable or a method instead.", at.Line + 1, at.Character + 1)) with { Notes = notes };
            }

            model = compilation.GetSemanticModel(tree);
            if (CompileCostCheck.CheckTypeSizes(model, root, cancellationToken) is { } tooLarge)
            {
                return Failed(path, ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.CompileLimit, tooLarge.Message, tooLarge.Line, tooLarge.Column)) with { Notes = notes };
            }

            var violations = PolicyChecker.Check(policy, model, cancellationToken);
            if (violations.Count > 0)
            {
                return Failed(path, ExecutionStatus.PolicyViolation, PolicyError(violations, policy)) with { Notes = notes };
            }
        }

        if ((model is null || root.Members.Count == 0) && CompileErrors(compilation, policy, path, cancellationToken) is { } invalid)
        {
            return invalid with { Notes = notes };
        }

        if (root.Members.Count == 0)
        {
            // Only using directives: nothing to run; the next prelude carries them.
            _repl.AddUsings(root);
            return new CompiledSubmission(null, path) { Notes = notes };
        }

        var unguarded = compilation;
        var guardedRoot = root;
        if (model is not null)
        {
            guardedRoot = (CompilationUnitSyntax)new GuardRewriter(model, cancellationToken).Rewrite(root);
            compilation = compilation.ReplaceSyntaxTree(tree, tree.WithRootAndOptions(guardedRoot, tree.Options));
        }

        var keep = root.Members.Any(ReplState.IsTypeDeclaration);
        var context = keep ? _kept! : new SessionLoadContext($"codeact-{_id}-{number}", _assemblies);
        var factory = Emit(compilation, context, cancellationToken, out var problems);
        if (factory is null)
        {
            if (!keep)
            {
                context.Unload();
            }

            if (EmitLimit(problems) is { } limit)
            {
                return Failed(path, limit.Status, limit.Error) with { Notes = notes };
            }

            // Compile errors are reported from the submission as written, so that columns are the model's own; only
            // when that compiles is the failure the guards' fault.
            if (CompileErrors(unguarded, policy, path, cancellationToken) is { } invalidCode)
            {
                return invalidCode with { Notes = notes };
            }

            return Failed(path, ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.InternalError,
                "The sandbox could not compile this code after adding its guards (a sandbox bug; please report it with the code). Rewrite the code more simply. Details: "
                + string.Join("; ", problems.Take(3).Select(d => $"{d.Id}: {MessageOf(d)}")))) with { Notes = notes };
        }

        var slot = NextSlot();
        return new CompiledSubmission(factory.Value.Factory, path)
        {
            Notes = notes,
            Step = new Step(compilation, root, guardedRoot, factory.Value.ScriptClass, context, slot, keep),
        };
    }

    /// <summary>
    /// Carries over what a step that ran (to the end or not) declared, then unloads it unless it is kept. Returns
    /// notes for the model about variables that changed form.
    /// </summary>
    public IReadOnlyList<string> Complete(CompiledSubmission compiled) => CompleteStep(compiled, sandboxOwn: false);

    private IReadOnlyList<string> CompleteStep(CompiledSubmission compiled, bool sandboxOwn)
    {
        if (compiled.Step is not { } step || _kept is null)
        {
            return [];
        }

        var instance = _state[step.Slot];
        _cost.Remember(step.Root);
        _repl.AddUsings(step.Root);
        _repl.AddMethods(step.GuardedRoot);
        if (step.Keep)
        {
            _repl.AddTypes(step.Root, step.Compilation.AssemblyName!);
        }

        var notes = _repl.AddVariables(step.Compilation, step.ScriptClass, instance, step.Keep, sandboxOwn);
        if (step.Keep)
        {
            // The step and the prelude it was compiled on become part of the chain for good.
            _keptTip = step.Compilation;
            _keptSlots = step.Slot;
            if (_prelude?.Context is { } preludeContext)
            {
                _keptContexts.Add(preludeContext);
            }

            _prelude = null;
            _repl.MarkChanged();
        }
        else
        {
            _state[step.Slot] = null!;
            step.Context.Unload();
        }

        return notes;
    }

    /// <summary>Compiles and instantiates a new state prelude when the carried-over state changed; returns notes on anything dropped.</summary>
    private IReadOnlyList<string> EnsurePrelude(CancellationToken cancellationToken)
    {
        if (!_repl.Changed)
        {
            return [];
        }

        var notes = new List<string>();
        foreach (var stale in _repl.VariablesWithRedeclaredTypes())
        {
            notes.Add(_repl.Drop("variable", stale, "its type was declared again"));
        }

        var previous = _prelude;
        _prelude = null;
        if (previous is not null)
        {
            _state[previous.Slot] = null!;
            previous.Context?.Unload();
        }

        if (_repl.IsEmpty)
        {
            _repl.MarkCompiled();
            return notes;
        }

        var number = ++_count;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tree = CSharpSyntaxTree.ParseText(_repl.PreludeSource(), ParseOptions, $"state{number}.csx", Encoding.UTF8, cancellationToken);
            var compilation = CSharpCompilation.CreateScriptCompilation($"codeact-{_id}-{number}", tree, ScriptReferences.All, CompilationOptions, _keptTip, typeof(object));
            if (tree.GetCompilationUnitRoot(cancellationToken).Members.Count == 0)
            {
                // Only using directives: nothing to emit, and no slot.
                _prelude = new Prelude(compilation, null, _keptSlots);
                break;
            }

            var context = new SessionLoadContext($"codeact-{_id}-{number}", _assemblies);
            var emitted = Emit(compilation, context, cancellationToken, out _);
            if (emitted is { } prelude)
            {
                var slot = _keptSlots + 1;
                EnsureSlot(slot);
                using (Runtime.ReplCells.Provide(_repl.Cells()))
                {
                    prelude.Factory(State).GetAwaiter().GetResult();
                }

                _prelude = new Prelude(compilation, context, slot);
                break;
            }

            context.Unload();
            var dropped = false;
            foreach (var error in compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error))
            {
                if (_repl.DeclarationAt(error.Location.GetLineSpan().StartLinePosition.Line + 1) is { } declaration)
                {
                    notes.Add(_repl.Drop(declaration.Kind, declaration.Key, $"{error.Id}: {MessageOf(error)}"));
                    dropped = true;
                    break;
                }
            }

            if (!dropped)
            {
                throw new InvalidOperationException("The session's state could not be compiled (a sandbox bug).");
            }
        }

        _repl.MarkCompiled();
        return notes;
    }

    private int NextSlot()
    {
        var slot = (_prelude?.Slot ?? _keptSlots) + 1;
        EnsureSlot(slot);
        return slot;
    }

    private void EnsureSlot(int slot)
    {
        if (_state.Length <= slot)
        {
            Array.Resize(ref _state, Math.Max(_state.Length * 2, slot + 1));
        }
    }

    /// <exception cref="OutOfMemoryException">The compiler ran out of memory (it reports most such failures as a diagnostic instead).</exception>
    private (Func<object[], Task<object>> Factory, Type ScriptClass)? Emit(CSharpCompilation compilation, SessionLoadContext context, CancellationToken cancellationToken, out IReadOnlyList<Diagnostic> problems)
    {
        using var image = new MemoryStream();
        using var symbols = new MemoryStream();
        var emitted = compilation.Emit(image, symbols, options: EmitOptions, cancellationToken: cancellationToken);
        if (!emitted.Success)
        {
            problems = [.. emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)];
            return null;
        }

        problems = [];
        image.Position = 0;
        symbols.Position = 0;
        var scriptClass = context.LoadSubmission(compilation.AssemblyName!, image, symbols).GetType(ScriptClassName, throwOnError: true)!;
        var factory = scriptClass.GetMethod("<Factory>", BindingFlags.Public | BindingFlags.Static)!.CreateDelegate<Func<object[], Task<object>>>();
        return (factory, scriptClass);
    }

    /// <summary>
    /// The failures of the emit that are limits rather than errors in the code: running out of memory while writing the
    /// assembly (Roslyn reports the exception as CS8104, with its stack trace) and more string literals than an assembly
    /// can hold (CS8103). The code cost check keeps both out of reach; this is the backstop.
    /// </summary>
    internal static (ExecutionStatus Status, ExecutionError Error)? EmitLimit(IReadOnlyList<Diagnostic> problems)
    {
        if (problems.Any(d => d.Id == "CS8104" && d.GetMessage(CultureInfo.InvariantCulture).Contains(nameof(OutOfMemoryException), StringComparison.Ordinal)))
        {
            return (ExecutionStatus.MemoryLimit, new ExecutionError(ErrorKind.MemoryLimit, CompilerOutOfMemory));
        }

        if (problems.Any(d => d.Id == "CS8103"))
        {
            return (ExecutionStatus.SyntaxError, new ExecutionError(ErrorKind.CompileLimit,
                "The string literals and constants of this code add up to more than a compiled assembly can hold (16 MB). Build long strings at run time (string.Concat, string.Join, a StringBuilder) instead of writing or concatenating them as constants."));
        }

        return null;
    }

    /// <summary>
    /// A compiler message for the model: its first line (Roslyn puts exception text and stack traces on later lines),
    /// at most 500 characters.
    /// </summary>
    internal static string MessageOf(Diagnostic diagnostic)
    {
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        var firstLine = message.AsSpan(0, Math.Min(message.Length, 500)).IndexOfAny('\r', '\n') is var end and >= 0 ? message[..end] : message;
        return firstLine.Length > 500 ? firstLine[..500] + "…" : firstLine;
    }

    /// <summary>Replaces <paramref name="members"/> in <paramref name="code"/> with spaces, keeping line breaks, so that positions after them do not move.</summary>
    private static string Blank(string code, IEnumerable<SyntaxNode> members)
    {
        var text = code.ToCharArray();
        foreach (var member in members)
        {
            for (var i = member.Span.Start; i < member.Span.End; i++)
            {
                if (text[i] is not ('\n' or '\r'))
                {
                    text[i] = ' ';
                }
            }
        }

        return new string(text);
    }

    private static CompiledSubmission? CompileErrors(CSharpCompilation compilation, CSharpApiPolicy? policy, string path, CancellationToken cancellationToken)
    {
        var errors = compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (policy is not null && errors.FirstOrDefault(IsHostConsole) is { } console)
        {
            var at = console.Location.GetLineSpan().StartLinePosition;
            return Failed(path, ExecutionStatus.PolicyViolation, PolicyError([new PolicyViolation("System.Console", DefaultApiPolicy.ConsoleReason, at.Line + 1, at.Character + 1)], policy));
        }

        if (policy is not null && errors.Select(ConsoleMember).FirstOrDefault(m => m is not null) is { } missing)
        {
            var at = missing.Error.Location.GetLineSpan().StartLinePosition;
            return Failed(path, ExecutionStatus.PolicyViolation, PolicyError([new PolicyViolation("Console." + missing.Member, DefaultApiPolicy.ConsoleState, at.Line + 1, at.Character + 1)], policy));
        }

        return errors.Length > 0 ? Failed(path, ExecutionStatus.SyntaxError, CompileError(ErrorKind.CompileError, errors)) : null;
    }

    /// <summary>
    /// <c>System.Console</c> is not referenced at all (the sandbox's own <c>Console</c> must be the only one in scope), so
    /// naming it is a compile error; it is reported as what it is, a use of something the sandbox does not allow.
    /// </summary>
    private static bool IsHostConsole(Diagnostic diagnostic) =>
        diagnostic.Id == "CS0234" && diagnostic.GetMessage(CultureInfo.InvariantCulture).Contains("'Console' does not exist in the namespace 'System'", StringComparison.Ordinal);

    /// <summary>
    /// The sandbox's <c>Console</c> has no members for the host console's state (<c>SetOut</c>, <c>ReadLine</c>,
    /// <c>ForegroundColor</c>, ...); using one is reported as what the sandbox does not offer, with what to do instead.
    /// </summary>
    private static (Diagnostic Error, string Member)? ConsoleMember(Diagnostic diagnostic)
    {
        const string Prefix = "'Console' does not contain a definition for '";
        var message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        return diagnostic.Id == "CS0117" && message.StartsWith(Prefix, StringComparison.Ordinal) && message.IndexOf('\'', Prefix.Length) is > 0 and var end
            ? (diagnostic, message[Prefix.Length..end])
            : null;
    }

    private static CompiledSubmission Failed(string path, ExecutionStatus status, ExecutionError error) => new(null, path, status, error);

    private static ExecutionError CompileError(ErrorKind kind, IReadOnlyList<Diagnostic> errors)
    {
        var lines = errors.Take(3).Select(d =>
        {
            var at = d.Location.GetLineSpan().StartLinePosition;
            return $"line {at.Line + 1}, column {at.Character + 1}: {d.Id}: {MessageOf(d)}";
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
        return new ExecutionError(ErrorKind.PolicyViolation, text.ToString(), violations[0].Line, violations[0].Column);
    }

    /// <summary>Drops the chain and unloads the session's code; the memory is reclaimed once nothing references it.</summary>
    public void Dispose()
    {
        if (_kept is null)
        {
            return;
        }

        _kept = null;
        _keptTip = null;
        _state = [];
        _prelude?.Context?.Unload();
        _prelude = null;
        _assemblies.Clear();
        foreach (var context in _keptContexts)
        {
            context.Unload();
        }

        _keptContexts.Clear();
    }

    /// <summary>A compiled step waiting for <see cref="Complete"/>.</summary>
    internal sealed record Step(CSharpCompilation Compilation, CompilationUnitSyntax Root, CompilationUnitSyntax GuardedRoot, Type ScriptClass, SessionLoadContext Context, int Slot, bool Keep);

    /// <summary>The current state prelude: its compilation, its load context (none when it only has usings) and its slot.</summary>
    private sealed record Prelude(CSharpCompilation Compilation, SessionLoadContext? Context, int Slot);
}
