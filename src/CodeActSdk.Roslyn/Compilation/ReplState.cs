using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>
/// What a session's earlier steps left behind for the next one, kept by value instead of by keeping their
/// compilations: the variables (each in a typed cell), the methods (as their guarded source), the using directives,
/// and which step declared each type. <see cref="PreludeSource"/> turns it into the state prelude, the hidden
/// submission each step is compiled on: one <c>ref</c>-returning property per variable over its cell (so that code of
/// any step reads and writes the same variable, including through <c>out</c> and <c>ref</c>), and the methods
/// re-declared against those properties.
/// </summary>
/// <remarks>Not thread-safe: a session runs one execution at a time.</remarks>
internal sealed class ReplState
{
    private const string Cell = "global::System.Runtime.CompilerServices.StrongBox";

    private readonly List<Variable> _variables = [];
    private readonly Dictionary<string, Variable> _variablesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Method> _methods = new(StringComparer.Ordinal);
    private readonly List<string> _usings = [];
    private readonly Dictionary<string, DeclaredType> _types = new(StringComparer.Ordinal);
    private readonly List<(int Start, int End, string Kind, string Key)> _lines = [];

    /// <summary>Whether the prelude must be compiled again: a declaration was added, removed or changed its type.</summary>
    public bool Changed { get; private set; }

    /// <summary>Whether there is nothing to carry over (no prelude is needed).</summary>
    public bool IsEmpty => _variables.Count == 0 && _methods.Count == 0 && _usings.Count == 0;

    /// <summary>Marks the prelude as compiled from the current state.</summary>
    public void MarkCompiled() => Changed = false;

    /// <summary>Forces a new prelude, for when the submission it is compiled on has changed.</summary>
    public void MarkChanged() => Changed = true;

    /// <summary>The carried-over variables (name, type as the model writes it, current value), then the methods (signature), in declaration order.</summary>
    public IEnumerable<(string Name, string Type, object? Value, bool IsMethod)> Declarations() =>
        _variables.Where(v => !v.IsSandboxOwn).Select(v => (v.Name, v.DisplayType, v.Cell.Value, false))
            .Concat(_methods.Select(m => (m.Value.Name, "method", (object?)m.Key, true)));

    /// <summary>The cells, in the order <see cref="PreludeSource"/> reads them.</summary>
    public object[] Cells() => [.. _variables.Select(v => v.Cell)];

    /// <summary>The source of the state prelude; <see cref="DeclarationAt"/> then maps its lines back to declarations.</summary>
    public string PreludeSource()
    {
        var source = new StringBuilder();
        _lines.Clear();
        var line = 1;
        void Add(string kind, string key, string text)
        {
            source.Append(text).Append('\n');
            var end = line + text.Count(c => c == '\n');
            _lines.Add((line, end, kind, key));
            line = end + 1;
        }

        foreach (var directive in _usings)
        {
            Add("using", directive, directive);
        }

        for (var i = 0; i < _variables.Count; i++)
        {
            var variable = _variables[i];
            var cell = $"{Cell}<{variable.TypeName}>";
            Add("variable", variable.Name, $"{cell} __cell{i} = ({cell})global::CodeActSdk.Roslyn.Runtime.ReplCells.Get({i}); ref {variable.TypeName} {variable.Name} => ref __cell{i}.Value;");
        }

        foreach (var (key, (_, text)) in _methods)
        {
            Add("method", key, text);
        }

        return source.ToString();
    }

    /// <summary>What is declared on a 1-based line of the last <see cref="PreludeSource"/>: a using, a variable or a method.</summary>
    public (string Kind, string Key)? DeclarationAt(int line) =>
        _lines.FirstOrDefault(l => l.Start <= line && line <= l.End) is { Kind: not null } found ? (found.Kind, found.Key) : null;

    /// <summary>Removes a declaration the prelude can no longer compile; says what happened, for the model.</summary>
    public string Drop(string kind, string key, string reason)
    {
        Changed = true;
        switch (kind)
        {
            case "using":
                _usings.Remove(key);
                return $"'{key}' no longer compiles ({reason}) and was dropped; repeat it if it is still needed.";
            case "variable":
                var variable = _variablesByName[key];
                var value = variable.Cell.Value;
                Replace(new Variable(variable.Name, "object", [], new StrongBox<object?>(value)));
                return $"the variable '{key}' is now typed object: its type {variable.TypeName} was redeclared or can no longer be named ({reason}). Cast it, or compute it again.";
            default:
                _methods.Remove(key);
                return $"the method {key} no longer compiles against the current variables ({reason}) and was dropped; declare it again if it is still needed.";
        }
    }

    /// <summary>Remembers the using directives of a step (the unrewritten ones, so that they read as the model wrote them).</summary>
    public void AddUsings(CompilationUnitSyntax root)
    {
        foreach (var directive in root.Usings.Select(u => u.ToString()))
        {
            if (!_usings.Contains(directive))
            {
                _usings.Add(directive);
                Changed = true;
            }
        }
    }

    /// <summary>Remembers the top-level methods of a step, from its guarded source; a method with the same signature is replaced.</summary>
    public void AddMethods(CompilationUnitSyntax guardedRoot)
    {
        foreach (var method in guardedRoot.Members.OfType<MethodDeclarationSyntax>())
        {
            var key = $"{method.Identifier.Text}{(method.Arity > 0 ? $"<{method.Arity}>" : "")}({string.Join(", ", method.ParameterList.Parameters.Select(p => $"{p.Modifiers} {p.Type}".Trim()))})";
            var text = method.WithoutTrivia().ToFullString();
            if (!_methods.TryGetValue(key, out var existing) || existing.Text != text)
            {
                _methods[key] = new Method(method.Identifier.Text, text);
                Changed = true;
            }
        }
    }

    /// <summary>
    /// Takes over the top-level variables of a finished step: their current values move into cells the next steps
    /// share. A variable whose type cannot be written in C# (an anonymous type) stays where it is when its step is kept
    /// in the chain (<paramref name="stepIsKept"/>); otherwise it is kept as <c>object</c> and a note says so.
    /// </summary>
    public IReadOnlyList<string> AddVariables(CSharpCompilation step, Type scriptClass, object? instance, bool stepIsKept, bool sandboxOwn = false)
    {
        var notes = new List<string>();
        foreach (var field in step.ScriptClass!.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsImplicitlyDeclared || !field.CanBeReferencedByName || field.IsStatic || field.IsConst)
            {
                continue;
            }

            var runtimeField = scriptClass.GetField(field.Name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            if (runtimeField is null)
            {
                continue;
            }

            var value = instance is null ? null : runtimeField.GetValue(instance);
            var declaredBy = new List<DeclaredTypeUse>();
            if (TypeText(field.Type, declaredBy) is { } typeName)
            {
                Set(field.Name, typeName, declaredBy, runtimeField.FieldType, value, field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), sandboxOwn);
            }
            else if (stepIsKept)
            {
                // The step stays in the chain, so the variable stays visible there with its exact type.
                Remove(field.Name);
            }
            else
            {
                Set(field.Name, "object", [], typeof(object), value, "object");
                notes.Add($"'{field.Name}' holds a value of an anonymous type, which no later step can name: it is kept as object. Declare a record (record Row(string Name, double Total);) to keep typed values between steps.");
            }
        }

        return notes;
    }

    /// <summary>
    /// The top-level type declarations of <paramref name="root"/> that repeat, character for character, the latest
    /// declaration of the same type: the step can use the existing type instead of declaring a new one.
    /// </summary>
    public IEnumerable<MemberDeclarationSyntax> RepeatedTypes(CompilationUnitSyntax root) =>
        root.Members.Where(m => TypeKey(m) is { } key && _types.TryGetValue(key, out var declared) && declared.Text == m.ToString());

    /// <summary>Records the types a kept step declared, so that later steps repeating them reuse them.</summary>
    public void AddTypes(CompilationUnitSyntax root, string assemblyName)
    {
        foreach (var member in root.Members)
        {
            if (TypeKey(member) is { } key)
            {
                _types[key] = new DeclaredType(member.ToString(), assemblyName);
                Changed = true;
            }
        }
    }

    /// <summary>Whether the variables' types still name what they named; a redeclared type makes the ones using it stale.</summary>
    public IEnumerable<string> VariablesWithRedeclaredTypes() =>
        _variables.Where(v => v.DeclaredBy.Any(t => !_types.TryGetValue(t.Key, out var latest) || latest.Assembly != t.Assembly)).Select(v => v.Name).ToArray();

    /// <summary>Whether <paramref name="member"/> declares a type (a class, struct, interface, record, enum or delegate).</summary>
    public static bool IsTypeDeclaration(MemberDeclarationSyntax member) => TypeKey(member) is not null;

    private static string? TypeKey(MemberDeclarationSyntax member) => member switch
    {
        TypeDeclarationSyntax type => type.Identifier.Text + Arity(type.TypeParameterList),
        EnumDeclarationSyntax type => type.Identifier.Text,
        DelegateDeclarationSyntax type => type.Identifier.Text + Arity(type.TypeParameterList),
        _ => null,
    };

    private static string Arity(TypeParameterListSyntax? parameters) => parameters is null ? "" : $"`{parameters.Parameters.Count}";

    private void Set(string name, string typeName, IReadOnlyList<DeclaredTypeUse> declaredBy, Type runtimeType, object? value, string displayType, bool sandboxOwn = false)
    {
        if (_variablesByName.TryGetValue(name, out var existing) && existing.TypeName == typeName && existing.Cell.GetType().GenericTypeArguments[0] == runtimeType)
        {
            existing.Cell.Value = value;
            return;
        }

        var cell = (IStrongBox)Activator.CreateInstance(typeof(StrongBox<>).MakeGenericType(runtimeType), value)!;
        Replace(new Variable(name, typeName, declaredBy, cell) { DisplayType = displayType, IsSandboxOwn = sandboxOwn });
    }

    private void Replace(Variable variable)
    {
        Changed = true;
        if (_variablesByName.TryGetValue(variable.Name, out var existing))
        {
            _variables[_variables.IndexOf(existing)] = variable;
        }
        else
        {
            _variables.Add(variable);
        }

        _variablesByName[variable.Name] = variable;
    }

    private void Remove(string name)
    {
        if (_variablesByName.Remove(name, out var existing))
        {
            _variables.Remove(existing);
            Changed = true;
        }
    }

    /// <summary>
    /// How to write <paramref name="type"/> in the prelude, or null when C# cannot name it. Library types are written
    /// fully qualified; types the code declared are written by their simple names (they are nested in a step's script
    /// class) and listed in <paramref name="declaredBy"/>, so that a later redeclaration is noticed.
    /// </summary>
    private static string? TypeText(ITypeSymbol type, List<DeclaredTypeUse> declaredBy)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return TypeText(array.ElementType, declaredBy) is { } element ? $"{element}[{new string(',', array.Rank - 1)}]" : null;
            case INamedTypeSymbol { IsAnonymousType: true } or INamedTypeSymbol { IsScriptClass: true }:
                return null;
            case INamedTypeSymbol { IsTupleType: true, TupleElements.Length: >= 2 } tuple:
                var elements = tuple.TupleElements.Select(e => TypeText(e.Type, declaredBy) is { } t ? (e.IsExplicitlyNamedTupleElement ? $"{t} {e.Name}" : t) : null).ToArray();
                return elements.Any(e => e is null) ? null : $"({string.Join(", ", elements)})";
            case INamedTypeSymbol named when named.TypeKind != TypeKind.Error:
                string? prefix;
                if (named.ContainingType is { IsScriptClass: true })
                {
                    declaredBy.Add(new DeclaredTypeUse(named.Name + (named.Arity > 0 ? $"`{named.Arity}" : ""), named.ContainingAssembly.Name));
                    prefix = "";
                }
                else if (named.ContainingType is { } outer)
                {
                    prefix = TypeText(outer, declaredBy) is { } outerText ? outerText + "." : null;
                }
                else
                {
                    prefix = named.ContainingNamespace.IsGlobalNamespace ? "global::" : $"global::{named.ContainingNamespace.ToDisplayString()}.";
                }

                if (prefix is null)
                {
                    return null;
                }

                if (named.TypeArguments.Length == 0)
                {
                    return prefix + named.Name;
                }

                var arguments = named.TypeArguments.Select(a => TypeText(a, declaredBy)).ToArray();
                return arguments.Any(a => a is null) ? null : $"{prefix}{named.Name}<{string.Join(", ", arguments)}>";
            default:
                return null;
        }
    }

    private sealed record Variable(string Name, string TypeName, IReadOnlyList<DeclaredTypeUse> DeclaredBy, IStrongBox Cell)
    {
        /// <summary>Whether the sandbox declared it (the <c>tools</c> object), so that the state digest leaves it out.</summary>
        public bool IsSandboxOwn { get; init; }

        /// <summary>The type as the model would write it (<c>List&lt;Order&gt;</c>), for the state digest.</summary>
        public string DisplayType { get; init; } = TypeName;
    }

    private sealed record DeclaredType(string Text, string Assembly);

    /// <summary>A remembered top-level method: its name, and its guarded source.</summary>
    private sealed record Method(string Name, string Text);

    private sealed record DeclaredTypeUse(string Key, string Assembly);
}
