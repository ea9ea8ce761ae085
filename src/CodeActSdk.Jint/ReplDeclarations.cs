using Acornima.Ast;

namespace CodeActSdk.Jint;

/// <summary>
/// The top-level <c>let</c>, <c>const</c> and <c>class</c> bindings a session's code has declared, so that later
/// steps are checked against them and the state digest can list them (unlike <c>var</c>, they are not properties
/// of the global object, and Jint does not enumerate them).
/// </summary>
/// <remarks>
/// A JavaScript REPL keeps each step's top-level bindings for the next. Declaring the same name again in a later
/// step is an error in node's REPL and in a script engine; here it is refused before the step runs, with a message
/// that says what to write instead, so nothing of the step half-runs. Used by one thread at a time.
/// </remarks>
internal sealed class ReplDeclarations
{
    private readonly Dictionary<string, string> _lexical = new(StringComparer.Ordinal);

    /// <summary>The lexical names in the order they were first declared.</summary>
    public List<string> Names { get; } = [];

    /// <summary>What one step declares at its top level: lexical names with their keyword, and var and function names.</summary>
    public sealed record StepDeclarations(IReadOnlyList<(string Name, string Keyword)> Lexical, IReadOnlyList<string> Vars);

    /// <summary>Reads the top-level declarations of a parsed step.</summary>
    public static StepDeclarations Of(Script script)
    {
        var lexical = new List<(string, string)>();
        var vars = new List<string>();
        foreach (var statement in script.Body)
        {
            switch (statement)
            {
                case VariableDeclaration { Kind: VariableDeclarationKind.Var } declaration:
                    foreach (var declarator in declaration.Declarations)
                    {
                        BoundNames(declarator.Id, vars);
                    }

                    break;
                case VariableDeclaration declaration:
                    var keyword = declaration.Kind == VariableDeclarationKind.Const ? "const" : "let";
                    var names = new List<string>();
                    foreach (var declarator in declaration.Declarations)
                    {
                        BoundNames(declarator.Id, names);
                    }

                    lexical.AddRange(names.Select(name => (name, keyword)));
                    break;
                case ClassDeclaration { Id: { } id }:
                    lexical.Add((id.Name, "class"));
                    break;
                case FunctionDeclaration { Id: { } id }:
                    vars.Add(id.Name);
                    break;
            }

            // var declarations nested in blocks and loops are hoisted to the top level too.
            if (statement is not VariableDeclaration and not FunctionDeclaration and not ClassDeclaration)
            {
                HoistedVars(statement, vars);
            }
        }

        return new StepDeclarations(lexical, vars);
    }

    /// <summary>
    /// Why <paramref name="step"/> cannot run after the earlier steps, or <see langword="null"/> when it can.
    /// <paramref name="isCodeGlobal"/> tells whether a name is a global variable or function an earlier step created.
    /// </summary>
    public string? Conflict(StepDeclarations step, Func<string, bool> isCodeGlobal)
    {
        foreach (var (name, keyword) in step.Lexical)
        {
            if (_lexical.TryGetValue(name, out var earlier))
            {
                return Redeclared(name, earlier, keyword);
            }

            if (isCodeGlobal(name))
            {
                return $"Identifier '{name}' has already been declared: an earlier step created it with var, a function declaration or an assignment, and it stays for the whole session. " +
                       $"Assign to it without a keyword ({name} = ...), or declare the new value under another name.";
            }
        }

        foreach (var name in step.Vars)
        {
            if (_lexical.TryGetValue(name, out var earlier))
            {
                return Redeclared(name, earlier, "var or function");
            }
        }

        return null;
    }

    /// <summary>Records the lexical names of a step whose declarations were instantiated.</summary>
    public void Add(StepDeclarations step)
    {
        foreach (var (name, keyword) in step.Lexical)
        {
            if (_lexical.TryAdd(name, keyword))
            {
                Names.Add(name);
            }
        }
    }

    private static string Redeclared(string name, string earlier, string now)
    {
        var instead = earlier switch
        {
            "let" => $"To change its value, assign without the keyword: {name} = ...",
            "const" => $"A const cannot be given a new value: declare the new value under another name, or use let for values you will replace.",
            _ => $"To replace it, declare the new class under another name.",
        };
        return $"Identifier '{name}' has already been declared with {earlier} in an earlier step, and top-level let, const and class declarations stay for the whole session; " +
               $"this step declares it again ({now}), so nothing in it ran. {instead}";
    }

    private static void BoundNames(Node? target, List<string> names)
    {
        switch (target)
        {
            case Identifier identifier:
                names.Add(identifier.Name);
                break;
            case ObjectPattern pattern:
                foreach (var property in pattern.Properties)
                {
                    BoundNames(property is Property p ? p.Value : property, names);
                }

                break;
            case ArrayPattern pattern:
                foreach (var element in pattern.Elements)
                {
                    BoundNames(element, names);
                }

                break;
            case AssignmentPattern pattern:
                BoundNames(pattern.Left, names);
                break;
            case RestElement rest:
                BoundNames(rest.Argument, names);
                break;
        }
    }

    /// <summary>Adds the names of var declarations inside blocks, loops, ifs, switches, labels and try statements (not inside functions).</summary>
    private static void HoistedVars(Node node, List<string> vars)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case VariableDeclaration { Kind: VariableDeclarationKind.Var } declaration:
                    foreach (var declarator in declaration.Declarations)
                    {
                        BoundNames(declarator.Id, vars);
                    }

                    break;
                case IFunction or ClassDeclaration or ClassExpression:
                    break;
                case Statement or VariableDeclaration or SwitchCase or CatchClause:
                    HoistedVars(child, vars);
                    break;
            }
        }
    }
}
