using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Acornima;
using Acornima.Ast;

namespace CodeActSdk.Preview;

/// <summary>
/// One walk of a parsed step for <see cref="JavaScriptCallPreviewer"/>: scopes of the step's own declarations (so that
/// a local function or parameter named like a tool is not taken for the tool), the placement of each call (loop,
/// branch, function) and every reach the preview cannot name. Used once, by one thread.
/// </summary>
internal sealed class JavaScriptCallWalker(string code, IReadOnlyDictionary<string, string> tools, CancellationToken cancellationToken)
{
    /// <summary>Standard and sandbox globals whose calls reach no tool (eval, Function and Reflect are handled apart).</summary>
    private static readonly HashSet<string> KnownGlobals = new(StringComparer.Ordinal)
    {
        "Object", "Array", "String", "Number", "Boolean", "Symbol", "BigInt", "Math", "JSON", "Date", "RegExp", "Promise",
        "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Proxy", "Intl", "Iterator", "Atomics",
        "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError",
        "ArrayBuffer", "SharedArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
        "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
        "parseInt", "parseFloat", "isNaN", "isFinite", "encodeURIComponent", "decodeURIComponent", "encodeURI", "decodeURI",
        "escape", "unescape", "structuredClone", "console", "files", "final_answer", "print",
    };

    private static readonly HashSet<string> GlobalObjectNames = new(StringComparer.Ordinal) { "globalThis", "window", "self", "global", "frames", "top", "parent" };

    private readonly List<Scope> _scopes = [];
    private int _loops;
    private int _branches;
    private int _functions;
    private int _withs;

    /// <summary>Whether <c>this</c> may be the global object where the walk is: at the top level and in sloppy functions and methods.</summary>
    private bool _thisMayBeGlobal = true;

    private bool _strict;

    public List<PreviewedCall> Calls { get; } = [];

    public List<DynamicReach> Dynamic { get; } = [];

    public void Walk(Script script)
    {
        _strict = script.Strict;
        var scope = new Scope();
        foreach (var statement in script.Body)
        {
            switch (statement)
            {
                case VariableDeclaration { Kind: VariableDeclarationKind.Var } declaration:
                    foreach (var declarator in declaration.Declarations)
                    {
                        DeclareTopLevel(scope, declarator.Id, BindingOf(declaration, declarator));
                    }

                    break;
                case FunctionDeclaration { Id: { } id }:
                    DeclareTopLevel(scope, id, Binding.Function);
                    break;
            }
        }

        // var declarations and (sloppy) function declarations in blocks become globals too.
        foreach (var (id, binding) in HoistedVars(script.Body, includeBlockFunctions: !_strict))
        {
            DeclareTopLevel(scope, id, binding);
        }

        DeclareLexical(scope, script.Body);
        _scopes.Add(scope);
        foreach (var statement in script.Body)
        {
            Visit(statement);
        }

    }

    /// <summary>The calls in source order (a call's arguments are walked before it is recorded only when nested).</summary>
    public IReadOnlyList<PreviewedCall> OrderedCalls() => [.. Calls.OrderBy(c => c.Line).ThenBy(c => c.Column)];

    /// <summary>The dynamic reaches in source order; at one position, in the order found (outer before inner).</summary>
    public IReadOnlyList<DynamicReach> OrderedDynamic() => [.. Dynamic.OrderBy(d => d.Line).ThenBy(d => d.Column)];

    /// <summary>
    /// A top-level var or function named like a tool does not shadow it: it assigns the tool's global (or, declared
    /// without a value, leaves the tool there). Either way what the name calls is no longer certain.
    /// </summary>
    private void DeclareTopLevel(Scope scope, Node target, Binding binding)
    {
        foreach (var id in BoundIdentifiers(target))
        {
            if (tools.TryGetValue(id.Name, out var tool))
            {
                if (!Dynamic.Any(d => d.Kind == DynamicReachKind.ToolRebound && d.Line == id.Location.Start.Line && d.Column == id.Location.Start.Column + 1))
                {
                    Report(DynamicReachKind.ToolRebound, id, $"declares the tool '{id.Name}' as a global of its own, so what a call of that name runs is not certain", tool);
                }
            }
            else
            {
                scope.Names[id.Name] = binding;
            }
        }
    }

    private void Visit(Node? node)
    {
        if (node is null)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case Identifier identifier:
                Reference(identifier);
                break;
            case ThisExpression:
                if (_thisMayBeGlobal)
                {
                    Report(DynamicReachKind.GlobalObject, node, "uses 'this' where it may be the global object, through which any tool can be read by name");
                }

                break;
            case CallExpression call:
                VisitCall(call, call.Callee, call.Arguments, optional: HasOptionalLink(call));
                break;
            case NewExpression creation:
                VisitCall(creation, creation.Callee, creation.Arguments, optional: false);
                break;
            case MemberExpression member:
                VisitMember(member, isCallee: false);
                break;
            case ChainExpression chain:
                Visit(chain.Expression);
                break;
            case TaggedTemplateExpression tagged:
                // A tag is called with the template's parts: a tool as a tag is called without a visible argument list.
                Visit(tagged.Tag);
                Visit(tagged.Quasi);
                break;
            case UnaryExpression { Operator: Operator.TypeOf, Argument: Identifier }:
                // typeof reads no value that could be called.
                break;
            case AssignmentExpression assignment:
                AssignTarget(assignment.Left);
                if (assignment.Operator is Operator.LogicalAndAssignment or Operator.LogicalOrAssignment or Operator.NullishCoalescingAssignment)
                {
                    Branch(() => Visit(assignment.Right));
                }
                else
                {
                    Visit(assignment.Right);
                }

                break;
            case UpdateExpression { Argument: Identifier updated } when IsTool(updated, out var updatedTool):
                Report(DynamicReachKind.ToolRebound, updated, $"assigns the tool's name '{updated.Name}'", updatedTool);
                break;
            case LogicalExpression logical:
                Visit(logical.Left);
                Branch(() => Visit(logical.Right));
                break;
            case ConditionalExpression conditional:
                Visit(conditional.Test);
                Branch(() =>
                {
                    Visit(conditional.Consequent);
                    Visit(conditional.Alternate);
                });
                break;
            case IfStatement statement:
                Visit(statement.Test);
                Branch(() =>
                {
                    Visit(statement.Consequent);
                    Visit(statement.Alternate);
                });
                break;
            case SwitchStatement statement:
                Visit(statement.Discriminant);
                InScope(Lexical(statement.Cases.SelectMany(c => c.Consequent)), () => Branch(() =>
                {
                    foreach (var switchCase in statement.Cases)
                    {
                        Visit(switchCase.Test);
                        foreach (var consequent in switchCase.Consequent)
                        {
                            Visit(consequent);
                        }
                    }
                }));
                break;
            case TryStatement statement:
                Visit(statement.Block);
                if (statement.Handler is { } handler)
                {
                    var scope = new Scope();
                    if (handler.Param is { } param)
                    {
                        foreach (var id in BoundIdentifiers(param))
                        {
                            scope.Names[id.Name] = Binding.Other;
                        }
                    }

                    InScope(scope, () => Branch(() =>
                    {
                        VisitPattern(handler.Param);
                        Visit(handler.Body);
                    }));
                }

                Visit(statement.Finalizer);
                break;
            case BlockStatement block:
                InScope(Lexical(block.Body), () =>
                {
                    foreach (var statement in block.Body)
                    {
                        Visit(statement);
                    }
                });
                break;
            case ForStatement loop:
                InScope(LoopScope(loop.Init), () =>
                {
                    Visit(loop.Init);
                    Loop(() =>
                    {
                        Visit(loop.Test);
                        Visit(loop.Update);
                        Visit(loop.Body);
                    });
                });
                break;
            case ForInStatement loop:
                EachLoop(loop.Left, loop.Right, loop.Body);
                break;
            case ForOfStatement loop:
                EachLoop(loop.Left, loop.Right, loop.Body);
                break;
            case WhileStatement loop:
                Loop(() =>
                {
                    Visit(loop.Test);
                    Visit(loop.Body);
                });
                break;
            case DoWhileStatement loop:
                Loop(() =>
                {
                    Visit(loop.Body);
                    Visit(loop.Test);
                });
                break;
            case WithStatement with:
                Report(DynamicReachKind.With, with, "uses a with statement: a name inside it may be read from the object, which may hold any tool");
                Visit(with.Object);
                _withs++;
                Visit(with.Body);
                _withs--;
                break;
            case ImportExpression import:
                Report(DynamicReachKind.DynamicImport, import, "imports a module at run time");
                Visit(import.Source);
                Visit(import.Options);
                break;
            case MetaProperty meta:
                if (meta.Meta.Name == "import")
                {
                    Report(DynamicReachKind.DynamicImport, meta, "uses import.meta");
                }

                break;
            case LabeledStatement labeled:
                Visit(labeled.Body);
                break;
            case BreakStatement or ContinueStatement or DebuggerStatement or EmptyStatement or Acornima.Ast.Literal or Super or PrivateIdentifier:
                break;
            case VariableDeclaration declaration:
                foreach (var declarator in declaration.Declarations)
                {
                    VisitPattern(declarator.Id);
                    Visit(declarator.Init);
                }

                break;
            case FunctionDeclaration function:
                VisitFunction(function, thisMayBeGlobal: !IsStrict(function));
                break;
            case FunctionExpression function:
                VisitFunction(function, thisMayBeGlobal: !IsStrict(function));
                break;
            case ArrowFunctionExpression arrow:
                VisitFunction(arrow, thisMayBeGlobal: _thisMayBeGlobal);
                break;
            case ClassDeclaration declaration:
                VisitClass(declaration.Id, declaration.SuperClass, declaration.Body);
                break;
            case ClassExpression expression:
                VisitClass(expression.Id, expression.SuperClass, expression.Body);
                break;
            case ObjectExpression objectExpression:
                foreach (var property in objectExpression.Properties)
                {
                    if (property is Property { } p)
                    {
                        if (p.Computed)
                        {
                            Visit(p.Key);
                        }

                        Visit(p.Value);
                    }
                    else
                    {
                        Visit(property);
                    }
                }

                break;
            default:
                foreach (var child in node.ChildNodes)
                {
                    Visit(child);
                }

                break;
        }
    }

    private void VisitCall(Node call, Expression callee, NodeList<Expression> arguments, bool optional)
    {
        var isNew = call is NewExpression;
        switch (callee)
        {
            case Identifier identifier when Resolve(identifier.Name) is { } binding:
                if (binding == Binding.Other && !isNew)
                {
                    Report(DynamicReachKind.UnknownCallee, callee, $"calls the variable '{identifier.Name}', whose function the preview cannot tell");
                }

                break;
            case Identifier identifier when tools.TryGetValue(identifier.Name, out var tool):
                Calls.Add(new PreviewedCall(tool, call.Location.Start.Line, call.Location.Start.Column + 1, Arguments(arguments), Placement()));
                break;
            case Identifier identifier when identifier.Name is "eval" or "Function" or "Reflect" || GlobalObjectNames.Contains(identifier.Name):
                Reference(identifier);
                break;
            case Identifier identifier when !KnownGlobals.Contains(identifier.Name):
                Report(DynamicReachKind.UnknownCallee, callee, $"calls '{identifier.Name}', which this step does not declare: a function of an earlier step may call tools");
                break;
            case Identifier:
                break;
            case MemberExpression member:
                VisitMember(member, isCallee: true);
                break;
            case FunctionExpression or ArrowFunctionExpression or ClassExpression or Super:
                // An immediately invoked function: its body is walked.
                Visit(callee);
                break;
            case ChainExpression { Expression: MemberExpression member }:
                VisitMember(member, isCallee: true);
                break;
            default:
                Report(DynamicReachKind.UnknownCallee, callee, "calls a function computed by an expression, which the preview cannot tell");
                Visit(callee);
                break;
        }

        if (optional)
        {
            Branch(() => VisitArguments(arguments));
        }
        else
        {
            VisitArguments(arguments);
        }
    }

    private void VisitArguments(in NodeList<Expression> arguments)
    {
        foreach (var argument in arguments)
        {
            Visit(argument);
        }
    }

    private void VisitMember(MemberExpression member, bool isCallee)
    {
        Visit(member.Object);
        var optional = HasOptionalLink(member);
        if (member.Computed)
        {
            if (member.Property is StringLiteral { Value: var name })
            {
                MemberName(name, member.Property, member);
            }
            else if (member.Property is not Acornima.Ast.Literal)
            {
                if (isCallee)
                {
                    Report(DynamicReachKind.ComputedMember, member, "calls a method whose name is computed, so it may be any function, a tool read from the global object or the Function constructor");
                }

                if (optional)
                {
                    Branch(() => Visit(member.Property));
                }
                else
                {
                    Visit(member.Property);
                }
            }
        }
        else if (member.Property is Identifier property)
        {
            MemberName(property.Name, property, member);
        }
    }

    /// <summary>A property name written in the code: <c>constructor</c> reaches the Function constructor, a tool's name may read the tool from an alias of the global object.</summary>
    private void MemberName(string name, Node at, Node? member)
    {
        if (name == "constructor")
        {
            Report(DynamicReachKind.FunctionConstructor, member ?? at, "reads a 'constructor' property, which reaches the Function constructor (code the preview cannot read)");
        }
        else if (member is not null && tools.TryGetValue(name, out var tool))
        {
            Report(DynamicReachKind.ComputedMember, member, $"reads a member named like the tool '{name}' from an object the preview cannot tell (an alias of the global object would give the tool)", tool);
        }
    }

    private void Reference(Identifier identifier)
    {
        if (Resolve(identifier.Name) is not null)
        {
            return;
        }

        var name = identifier.Name;
        if (tools.TryGetValue(name, out var tool))
        {
            Report(DynamicReachKind.ToolAsValue, identifier, $"uses the tool '{name}' as a value (an alias, a callback, call/apply/bind, stored in an object), so where it is called cannot be previewed", tool);
        }
        else if (name == "eval")
        {
            Report(DynamicReachKind.Eval, identifier, "uses eval: code the preview cannot read");
        }
        else if (name == "Function")
        {
            Report(DynamicReachKind.FunctionConstructor, identifier, "uses the Function constructor: code the preview cannot read");
        }
        else if (name == "Reflect")
        {
            Report(DynamicReachKind.Reflection, identifier, "uses Reflect, which calls and reads functions by value");
        }
        else if (GlobalObjectNames.Contains(name))
        {
            Report(DynamicReachKind.GlobalObject, identifier, $"uses the global object '{name}', through which any tool can be read by name");
        }
    }

    /// <summary>The target of an assignment: an identifier named like a tool rebinds it; a pattern's defaults and member targets are read.</summary>
    private void AssignTarget(Node target) => WalkPattern(target, leaf =>
    {
        switch (leaf)
        {
            case Identifier identifier:
                if (IsTool(identifier, out var tool))
                {
                    Report(DynamicReachKind.ToolRebound, identifier, $"assigns the tool's name '{identifier.Name}', so what a call of that name runs is not certain", tool);
                }

                break;
            case MemberExpression member:
                VisitMember(member, isCallee: false);
                break;
            default:
                Visit(leaf);
                break;
        }
    });

    /// <summary>A binding pattern (a declaration, a parameter): its names are bindings of the scope; its defaults and computed keys are read.</summary>
    private void VisitPattern(Node? pattern) => WalkPattern(pattern, leaf =>
    {
        if (leaf is not Identifier)
        {
            Visit(leaf);
        }
    });

    /// <summary>
    /// Walks a destructuring pattern, reading its computed keys and (as branches) its defaults, and hands each target
    /// it names, an identifier or anything else, to <paramref name="leaf"/>. Assignments and bindings differ only there.
    /// </summary>
    private void WalkPattern(Node? pattern, Action<Node> leaf)
    {
        switch (pattern)
        {
            case null:
                break;
            case ObjectPattern objectPattern:
                foreach (var property in objectPattern.Properties)
                {
                    if (property is AssignmentProperty p)
                    {
                        if (p.Computed)
                        {
                            Visit(p.Key);
                        }

                        WalkPattern(p.Value, leaf);
                    }
                    else if (property is RestElement rest)
                    {
                        WalkPattern(rest.Argument, leaf);
                    }
                }

                break;
            case ArrayPattern arrayPattern:
                foreach (var element in arrayPattern.Elements)
                {
                    WalkPattern(element, leaf);
                }

                break;
            case AssignmentPattern defaulted:
                WalkPattern(defaulted.Left, leaf);
                Branch(() => Visit(defaulted.Right));
                break;
            case RestElement rest:
                WalkPattern(rest.Argument, leaf);
                break;
            default:
                leaf(pattern);
                break;
        }
    }

    private void LoopTarget(Node left)
    {
        if (left is VariableDeclaration declaration)
        {
            foreach (var declarator in declaration.Declarations)
            {
                VisitPattern(declarator.Id);
            }
        }
        else
        {
            AssignTarget(left);
        }
    }

    private void VisitFunction(IFunction function, bool thisMayBeGlobal)
    {
        var scope = new Scope();
        if (function is FunctionExpression { Id: { } ownName })
        {
            scope.Names[ownName.Name] = Binding.Function;
        }

        foreach (var parameter in function.Params)
        {
            foreach (var id in BoundIdentifiers(parameter))
            {
                scope.Names[id.Name] = Binding.Other;
            }
        }

        var strict = _strict || IsStrict(function);
        if (function.Body is FunctionBody body)
        {
            foreach (var (id, binding) in HoistedVars(body.Body, includeBlockFunctions: !strict))
            {
                scope.Names[id.Name] = binding;
            }

            foreach (var (name, binding) in Lexical(body.Body).Names)
            {
                scope.Names[name] = binding;
            }
        }

        var (wasStrict, wasThis) = (_strict, _thisMayBeGlobal);
        _strict = strict;
        _thisMayBeGlobal = thisMayBeGlobal;
        _functions++;
        InScope(scope, () =>
        {
            foreach (var parameter in function.Params)
            {
                VisitPattern(parameter);
            }

            if (function.Body is FunctionBody functionBody)
            {
                foreach (var statement in functionBody.Body)
                {
                    Visit(statement);
                }
            }
            else
            {
                Visit(function.Body);
            }
        });
        _functions--;
        (_strict, _thisMayBeGlobal) = (wasStrict, wasThis);
    }

    private void VisitClass(Identifier? id, Expression? superClass, ClassBody body)
    {
        var scope = new Scope();
        if (id is not null)
        {
            scope.Names[id.Name] = Binding.Function;
        }

        Visit(superClass);
        InScope(scope, () =>
        {
            var (wasStrict, wasThis) = (_strict, _thisMayBeGlobal);
            _strict = true;
            foreach (var element in body.Body)
            {
                switch (element)
                {
                    case MethodDefinition method:
                        if (method.Computed)
                        {
                            Visit(method.Key);
                        }

                        VisitFunction(method.Value, thisMayBeGlobal: false);
                        break;
                    case PropertyDefinition property:
                        if (property.Computed)
                        {
                            Visit(property.Key);
                        }

                        _thisMayBeGlobal = false;
                        _functions++;
                        Visit(property.Value);
                        _functions--;
                        break;
                    case StaticBlock block:
                        _thisMayBeGlobal = false;
                        _functions++;
                        InScope(Lexical(block.Body), () =>
                        {
                            foreach (var statement in block.Body)
                            {
                                Visit(statement);
                            }
                        });
                        _functions--;
                        break;
                    default:
                        Visit(element);
                        break;
                }

                _thisMayBeGlobal = wasThis;
            }

            (_strict, _thisMayBeGlobal) = (wasStrict, wasThis);
        });
    }

    private static bool IsStrict(IFunction function) =>
        function.Body is FunctionBody body && body.Body.TakeWhile(s => s is Directive).Any(s => s is Directive { Value: "use strict" });

    private static bool HasOptionalLink(Node node)
    {
        while (true)
        {
            switch (node)
            {
                case CallExpression call:
                    if (call.Optional)
                    {
                        return true;
                    }

                    node = call.Callee;
                    break;
                case MemberExpression member:
                    if (member.Optional)
                    {
                        return true;
                    }

                    node = member.Object;
                    break;
                default:
                    return false;
            }
        }
    }

    private bool IsTool(Identifier identifier, out string tool)
    {
        tool = "";
        return Resolve(identifier.Name) is null && tools.TryGetValue(identifier.Name, out tool!);
    }

    private Binding? Resolve(string name)
    {
        for (var i = _scopes.Count - 1; i >= 0; i--)
        {
            if (_scopes[i].Names.TryGetValue(name, out var binding))
            {
                return binding;
            }
        }

        return null;
    }

    private CallPlacement Placement() =>
        (_loops > 0 ? CallPlacement.InLoop : CallPlacement.None)
        | (_branches > 0 ? CallPlacement.InConditional : CallPlacement.None)
        | (_functions > 0 ? CallPlacement.InFunction : CallPlacement.None);

    // for (left in right) body, and for (left of right) body.
    private void EachLoop(Node left, Node right, Node body) =>
        InScope(LoopScope(left), () =>
        {
            Visit(right);
            Loop(() =>
            {
                LoopTarget(left);
                Visit(body);
            });
        });

    private void Loop(Action walk)
    {
        _loops++;
        walk();
        _loops--;
    }

    private void Branch(Action walk)
    {
        _branches++;
        walk();
        _branches--;
    }

    private void InScope(Scope scope, Action walk)
    {
        _scopes.Add(scope);
        walk();
        _scopes.RemoveAt(_scopes.Count - 1);
    }

    private Scope LoopScope(Node? head)
    {
        var scope = new Scope();
        if (head is VariableDeclaration { Kind: not VariableDeclarationKind.Var } declaration)
        {
            foreach (var declarator in declaration.Declarations)
            {
                foreach (var id in BoundIdentifiers(declarator.Id))
                {
                    scope.Names[id.Name] = BindingOf(declaration, declarator);
                }
            }
        }

        return scope;
    }

    /// <summary>The let, const, class and function declarations made directly in a block (or a script's or function's body).</summary>
    private static Scope Lexical(IEnumerable<Statement> statements)
    {
        var scope = new Scope();
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case VariableDeclaration { Kind: not VariableDeclarationKind.Var } declaration:
                    foreach (var declarator in declaration.Declarations)
                    {
                        foreach (var id in BoundIdentifiers(declarator.Id))
                        {
                            scope.Names[id.Name] = BindingOf(declaration, declarator);
                        }
                    }

                    break;
                case ClassDeclaration { Id: { } id }:
                    scope.Names[id.Name] = Binding.Function;
                    break;
                case FunctionDeclaration { Id: { } id }:
                    scope.Names[id.Name] = Binding.Function;
                    break;
            }
        }

        return scope;
    }

    private void DeclareLexical(Scope scope, IEnumerable<Statement> statements)
    {
        foreach (var (name, binding) in Lexical(statements.Where(s => s is not FunctionDeclaration)).Names)
        {
            scope.Names[name] = binding;
        }
    }

    /// <summary>
    /// The var declarations anywhere in <paramref name="statements"/> outside nested functions, and, in sloppy code,
    /// function declarations in nested blocks (which also declare a var of the enclosing function, Annex B).
    /// </summary>
    private static IEnumerable<(Identifier Id, Binding Binding)> HoistedVars(IEnumerable<Node> statements, bool includeBlockFunctions, bool nested = false)
    {
        foreach (var node in statements)
        {
            switch (node)
            {
                case VariableDeclaration { Kind: VariableDeclarationKind.Var } declaration:
                    foreach (var declarator in declaration.Declarations)
                    {
                        foreach (var id in BoundIdentifiers(declarator.Id))
                        {
                            yield return (id, BindingOf(declaration, declarator));
                        }
                    }

                    break;
                case FunctionDeclaration { Id: { } id }:
                    if (nested && includeBlockFunctions)
                    {
                        yield return (id, Binding.Other);
                    }

                    break;
                case IFunction or ClassDeclaration or ClassExpression:
                    break;
                case Statement or SwitchCase or CatchClause:
                    foreach (var inner in HoistedVars(node.ChildNodes.Where(c => c is Statement or SwitchCase or CatchClause or VariableDeclaration), includeBlockFunctions, nested: true))
                    {
                        yield return inner;
                    }

                    break;
            }
        }
    }

    private static Binding BindingOf(VariableDeclaration declaration, VariableDeclarator declarator) =>
        declarator is { Id: Identifier, Init: FunctionExpression or ArrowFunctionExpression or ClassExpression } && declaration.Kind == VariableDeclarationKind.Const
            ? Binding.Function
            : Binding.Other;

    private static IEnumerable<Identifier> BoundIdentifiers(Node? target)
    {
        switch (target)
        {
            case Identifier identifier:
                yield return identifier;
                break;
            case ObjectPattern pattern:
                foreach (var property in pattern.Properties)
                {
                    var inner = property is AssignmentProperty p ? p.Value : property is RestElement rest ? rest.Argument : null;
                    foreach (var id in BoundIdentifiers(inner))
                    {
                        yield return id;
                    }
                }

                break;
            case ArrayPattern pattern:
                foreach (var element in pattern.Elements)
                {
                    foreach (var id in BoundIdentifiers(element))
                    {
                        yield return id;
                    }
                }

                break;
            case AssignmentPattern defaulted:
                foreach (var id in BoundIdentifiers(defaulted.Left))
                {
                    yield return id;
                }

                break;
            case RestElement rest:
                foreach (var id in BoundIdentifiers(rest.Argument))
                {
                    yield return id;
                }

                break;
        }
    }

    private List<PreviewedArgument> Arguments(in NodeList<Expression> arguments)
    {
        var result = new List<PreviewedArgument>(arguments.Count);
        foreach (var argument in arguments)
        {
            JsonElement? element = argument is not SpreadElement && LiteralValue(argument, out var value) ? JsonSerializer.SerializeToElement(value) : null;
            result.Add(new PreviewedArgument(null, element, Text(argument)));
        }

        return result;
    }

    /// <summary>The JSON of an expression the code writes as a literal: strings, finite numbers, booleans, null, and arrays and objects of those.</summary>
    private static bool LiteralValue(Node expression, out JsonNode? value)
    {
        value = null;
        switch (expression)
        {
            case StringLiteral literal:
                value = JsonValue.Create(literal.Value);
                return true;
            case NumericLiteral literal when double.IsFinite(literal.Value):
                value = JsonValue.Create(literal.Value);
                return true;
            case UnaryExpression { Operator: Operator.UnaryNegation, Argument: NumericLiteral literal } when double.IsFinite(literal.Value):
                value = JsonValue.Create(-literal.Value);
                return true;
            case BooleanLiteral literal:
                value = JsonValue.Create(literal.Value);
                return true;
            case NullLiteral:
                return true;
            case TemplateLiteral { Expressions.Count: 0, Quasis: [var only] } when only.Value.Cooked is { } cooked:
                value = JsonValue.Create(cooked);
                return true;
            case ArrayExpression array:
                var items = new JsonArray();
                foreach (var element in array.Elements)
                {
                    if (element is null or SpreadElement || !LiteralValue(element, out var item))
                    {
                        return false;
                    }

                    items.Add(item);
                }

                value = items;
                return true;
            case ObjectExpression objectExpression:
                var properties = new JsonObject();
                foreach (var property in objectExpression.Properties)
                {
                    if (property is not Property { Computed: false, Shorthand: false, Method: false, Kind: PropertyKind.Init } p)
                    {
                        return false;
                    }

                    var key = p.Key switch
                    {
                        Identifier identifier => identifier.Name,
                        StringLiteral literal => literal.Value,
                        NumericLiteral literal => literal.Value.ToString(CultureInfo.InvariantCulture),
                        _ => null,
                    };
                    if (key is null || key == "__proto__" || !LiteralValue(p.Value, out var propertyValue))
                    {
                        return false;
                    }

                    properties[key] = propertyValue;
                }

                value = properties;
                return true;
            default:
                return false;
        }
    }

    private string Text(Node node)
    {
        var text = code[node.Range.Start..node.Range.End];
        return text.Length <= 200 ? text : text[..200] + "…";
    }

    private void Report(DynamicReachKind kind, Node at, string reason, string? tool = null) =>
        Dynamic.Add(new DynamicReach(kind, reason, at.Location.Start.Line, at.Location.Start.Column + 1, Text(at), tool));

    private enum Binding
    {
        /// <summary>A function or class the step declares: calling it runs code the preview walks.</summary>
        Function,

        /// <summary>A variable or parameter: what it holds is not known.</summary>
        Other,
    }

    private sealed class Scope
    {
        public Dictionary<string, Binding> Names { get; } = new(StringComparer.Ordinal);
    }
}
