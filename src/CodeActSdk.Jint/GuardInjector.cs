using Jint.Native;
using Jint.Parser.Ast;

namespace CodeActSdk.Jint;

/// <summary>
/// Rewrites a parsed program so that every loop iteration and every function entry first calls the guard, which
/// checks the execution's limits. Straight-line code ends by itself; only loops and calls can run without bound,
/// so these are the only places that need a check.
/// </summary>
/// <remarks>
/// The guard is referenced through a pre-evaluated literal, not a name: user code cannot shadow, overwrite or even
/// see it. Jint 2's AST is mutable, which is what makes this possible without forking the engine.
/// </remarks>
internal sealed class GuardInjector(JsValue guard)
{
    public void Inject(Program program)
    {
        foreach (var statement in program.Body)
        {
            Visit(statement);
        }
    }

    private void Visit(SyntaxNode? node)
    {
        switch (node)
        {
            case null:
                return;
            case BlockStatement block:
                VisitAll(block.Body);
                break;
            case ExpressionStatement statement:
                Visit(statement.Expression);
                break;
            case VariableDeclaration declaration:
                foreach (var declarator in declaration.Declarations)
                {
                    Visit(declarator.Init);
                }

                break;
            case IfStatement statement:
                Visit(statement.Test);
                Visit(statement.Consequent);
                Visit(statement.Alternate);
                break;
            case WhileStatement loop:
                Visit(loop.Test);
                Visit(loop.Body);
                loop.Body = Guarded(loop.Body);
                break;
            case DoWhileStatement loop:
                Visit(loop.Test);
                Visit(loop.Body);
                loop.Body = Guarded(loop.Body);
                break;
            case ForStatement loop:
                Visit(loop.Init);
                Visit(loop.Test);
                Visit(loop.Update);
                Visit(loop.Body);
                loop.Body = Guarded(loop.Body);
                break;
            case ForInStatement loop:
                Visit(loop.Left);
                Visit(loop.Right);
                Visit(loop.Body);
                loop.Body = Guarded(loop.Body);
                break;
            case LabelledStatement labelled:
                Visit(labelled.Body);
                break;
            case ReturnStatement statement:
                Visit(statement.Argument);
                break;
            case ThrowStatement statement:
                Visit(statement.Argument);
                break;
            case TryStatement statement:
                Visit(statement.Block);
                foreach (var handler in statement.Handlers)
                {
                    Visit(handler.Body);
                }

                Visit(statement.Finalizer);
                break;
            case SwitchStatement statement:
                Visit(statement.Discriminant);
                foreach (var switchCase in statement.Cases)
                {
                    Visit(switchCase.Test);
                    VisitAll(switchCase.Consequent);
                }

                break;
            case WithStatement statement:
                Visit(statement.Object);
                Visit(statement.Body);
                break;
            case FunctionDeclaration function:
                function.Body = GuardedFunctionBody(function.Body);
                break;
            case FunctionExpression function:
                function.Body = GuardedFunctionBody(function.Body);
                break;
            case AssignmentExpression expression:
                Visit(expression.Left);
                Visit(expression.Right);
                break;
            case BinaryExpression expression:
                Visit(expression.Left);
                Visit(expression.Right);
                break;
            case LogicalExpression expression:
                Visit(expression.Left);
                Visit(expression.Right);
                break;
            case UnaryExpression expression: // includes UpdateExpression
                Visit(expression.Argument);
                break;
            case ConditionalExpression expression:
                Visit(expression.Test);
                Visit(expression.Consequent);
                Visit(expression.Alternate);
                break;
            case CallExpression expression:
                Visit(expression.Callee);
                VisitAll(expression.Arguments);
                break;
            case NewExpression expression:
                Visit(expression.Callee);
                VisitAll(expression.Arguments);
                break;
            case MemberExpression expression:
                Visit(expression.Object);
                Visit(expression.Property);
                break;
            case SequenceExpression expression:
                VisitAll(expression.Expressions);
                break;
            case ArrayExpression expression:
                VisitAll(expression.Elements);
                break;
            case ObjectExpression expression:
                foreach (var property in expression.Properties)
                {
                    Visit(property.Value);
                }

                break;
        }
    }

    private void VisitAll(IEnumerable<SyntaxNode?> nodes)
    {
        foreach (var node in nodes)
        {
            Visit(node);
        }
    }

    private Statement GuardedFunctionBody(Statement body)
    {
        Visit(body);
        var statements = body is BlockStatement block ? block.Body : [body];
        return new BlockStatement
        {
            Type = SyntaxNodes.BlockStatement,
            Location = body.Location,
            Range = body.Range,
            Body = [GuardCall(body), .. statements],
        };
    }

    private BlockStatement Guarded(Statement body) => new()
    {
        Type = SyntaxNodes.BlockStatement,
        Location = body.Location,
        Range = body.Range,
        Body = [GuardCall(body), body],
    };

    private ExpressionStatement GuardCall(SyntaxNode at) => new()
    {
        Type = SyntaxNodes.ExpressionStatement,
        Location = at.Location,
        Range = at.Range,
        Expression = new CallExpression
        {
            Type = SyntaxNodes.CallExpression,
            Location = at.Location,
            Callee = new Literal { Type = SyntaxNodes.Literal, Location = at.Location, Cached = true, CachedValue = guard },
            Arguments = [],
            Cached = true,
            CachedArguments = [],
        },
    };
}
