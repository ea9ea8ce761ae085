using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using CodeActSdk.Roslyn.Compilation;
using CodeActSdk.Roslyn.Tools;
using CodeActSdk.Tools;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Preview;

/// <summary>
/// The call preview of the C# backend. The step is compiled as a script submission on top of the same tools
/// submission a session installs (the <c>tools</c> global and its typed methods), against the same references, and
/// calls are found on the semantic model by symbol, not by name: an invocation bound to a method of the tools class is a
/// <see cref="PreviewedCall"/> however the receiver is spelled (<c>tools</c>, an alias of it, a parameter), and a
/// variable or class of the step's own named like a tool is not. A tool method used as a value (a method group turned
/// into a delegate), anything bound at run time (<c>dynamic</c>), reflection, the tool gateway itself, and a call of a
/// method the step does not declare (an earlier step's) are <see cref="DynamicReach"/>es.
/// </summary>
/// <remarks>
/// The preview does not know the session's earlier steps: their variables and methods are unbound names here, which
/// only matters for calls of their methods and for a tool method named on one of their variables (which may hold the
/// <c>tools</c> object: <c>var t = tools;</c>, then <c>t.GetPrice(...)</c> in a later step), both reported as
/// <see cref="DynamicReachKind.UnknownCallee"/>, the latter with the tool's name. The compiled
/// tools submission is cached per tool set (a handful at most), so a preview parses and binds only the step.
/// Thread-safe.
/// </remarks>
internal sealed class CSharpCallPreviewer(int maxSourceChars) : ICallPreviewer
{
    private const string ToolsAssemblyName = "codeact-preview-tools";
    private const int MaxCachedToolSets = 16;

    private static readonly ConcurrentDictionary<string, ToolsSubmission> ToolSets = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public CallPreview Preview(string code, IReadOnlyList<AIFunction> tools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(tools);
        cancellationToken.ThrowIfCancellationRequested();
        if (code.Length > maxSourceChars)
        {
            return Refused($"The code is {code.Length:N0} characters long; the limit is {maxSourceChars:N0}.", 1, 1);
        }

        if (CompileCostCheck.CheckSource(code) is { } tooDeep)
        {
            return Refused(tooDeep.Message, tooDeep.Line, tooDeep.Column);
        }

        var tree = CSharpSyntaxTree.ParseText(code, SubmissionChain.ParseOptions, "step.csx", Encoding.UTF8, cancellationToken);
        if (tree.GetDiagnostics(cancellationToken).FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } parseError)
        {
            var at = parseError.Location.GetLineSpan().StartLinePosition;
            return Refused($"{parseError.Id}: {SubmissionChain.MessageOf(parseError)}", at.Line + 1, at.Character + 1);
        }

        var submission = ToolsFor(tools, cancellationToken);
        // The step replaces the template's empty tree: the new compilation keeps the template's bound references.
        var compilation = submission.Template.ReplaceSyntaxTree(submission.TemplateTree, tree);
        var walker = new CSharpCallWalker(compilation.GetSemanticModel(tree), submission.Methods, cancellationToken);
        walker.Walk(tree.GetCompilationUnitRoot(cancellationToken));
        return new CallPreview { Calls = walker.Calls, Dynamic = walker.Dynamic };
    }

    private static CallPreview Refused(string message, int line, int column) =>
        new() { SyntaxError = new PreviewSyntaxError(message, line, column) };

    /// <summary>
    /// The tools submission of this tool set (the same source a session installs) and a step compilation on top of it
    /// with an empty tree, compiled once: a preview replaces the tree, which keeps the references the template bound.
    /// </summary>
    private static ToolsSubmission ToolsFor(IReadOnlyList<AIFunction> tools, CancellationToken cancellationToken)
    {
        var methods = tools.Count == 0 ? [] : CSharpToolSurface.Methods(new ToolBridge(tools).Tools);
        var source = methods.Count == 0 ? "" : CSharpToolSurface.Prelude(methods);
        if (ToolSets.TryGetValue(source, out var cached))
        {
            return cached;
        }

        CSharpCompilation? toolsCompilation = null;
        if (source.Length > 0)
        {
            var toolsTree = CSharpSyntaxTree.ParseText(source, SubmissionChain.ParseOptions, "tools.csx", Encoding.UTF8, cancellationToken);
            toolsCompilation = CSharpCompilation.CreateScriptCompilation(ToolsAssemblyName, toolsTree, ScriptReferences.All, SubmissionChain.CompilationOptions, null, typeof(object));
        }

        var templateTree = CSharpSyntaxTree.ParseText("", SubmissionChain.ParseOptions, "step.csx", Encoding.UTF8, cancellationToken);
        var template = CSharpCompilation.CreateScriptCompilation("codeact-preview", templateTree, ScriptReferences.All, SubmissionChain.CompilationOptions, toolsCompilation, typeof(object));
        var submission = new ToolsSubmission(template, templateTree, methods.ToDictionary(m => m.Name, StringComparer.Ordinal));
        if (ToolSets.Count >= MaxCachedToolSets)
        {
            ToolSets.Clear();
        }

        return ToolSets.GetOrAdd(source, submission);
    }

    /// <summary>Whether <paramref name="type"/> is the tools class of a preview's tools submission.</summary>
    internal static bool IsToolsClass(INamedTypeSymbol? type) =>
        type is { Name: CSharpToolSurface.ClassName } && type.ContainingAssembly?.Name == ToolsAssemblyName;

    private sealed record ToolsSubmission(CSharpCompilation Template, SyntaxTree TemplateTree, IReadOnlyDictionary<string, CSharpToolMethod> Methods);
}
