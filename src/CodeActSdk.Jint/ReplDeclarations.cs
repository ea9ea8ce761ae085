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

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Every top-level name the steps declared (var, function, let, const, class), in the order first declared.</summary>
    public List<string> Names { get; } = [];

    /// <summary>Whether <paramref name="name"/> is a top-level let, const or class binding of an earlier step.</summary>
    public bool IsLexical(string name) => _lexical.ContainsKey(name);

    /// <summary>What one step declares at its top level: lexical names with their keyword, var and function names, and all of them in source order.</summary>
    public sealed record StepDeclarations(IReadOnlyList<(string Name, string Keyword)> Lexical, IReadOnlyList<string> Vars, IReadOnlyList<string> InOrder);

    /// <summary>Reads the top-level declarations of a parsed step.</summary>
    public static StepDeclarations Of(Script script)
    {
        var lexical = new List<(string, string)>();
        var vars = new List<string>();
        var inOrder = new List<string>();
        foreach (var statement in script.Body)
        {
            var before = (lexical.Count, vars.Count);
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

            inOrder.AddRange(lexical.Skip(before.Item1).Select(l => l.Item1));
            inOrder.AddRange(vars.Skip(before.Item2));
        }

        return new StepDeclarations(lexical, vars, inOrder);
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
                return Redeclared(name, "var, a function declaration or an assignment", keyword);
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

    /// <summary>Records the names of a step whose declarations were instantiated.</summary>
    public void Add(StepDeclarations step)
    {
        foreach (var (name, keyword) in step.Lexical)
        {
            _lexical.TryAdd(name, keyword);
        }

        foreach (var name in step.InOrder)
        {
            if (_seen.Add(name))
            {
                Names.Add(name);
            }
        }
    }

    private static string Redeclared(string name, string earlier, string now) =>
        $"Identifier '{name}' has already been declared with {earlier} in an earlier step, and top-level let, const and class declarations stay for the whole session; " +
        $"this step declares it again ({now}), so nothing in it ran. Assign to it without the keyword ({name} = ...), or declare the new value under another name" +
        (earlier == "const" ? " (a const cannot be given a new value)." : ".");

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
