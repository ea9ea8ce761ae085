using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CodeActSdk.Roslyn.Policy;

/// <summary>
/// The rule that keeps the code from changing what the whole host process shares: the static properties, fields and
/// events of library types belong to the process, to the host and to every session in it. The code may read them, but
/// not assign them (a culture, a cache size, a setting), and not subscribe to them (a handler would run later, on the
/// host's threads, outside every limit). The code's own static members are its session's and stay free.
/// </summary>
/// <remarks>
/// <see cref="PolicyChecker"/> applies it whatever the allow-list says, so that a host widening the policy
/// (<c>AllowType("System.Environment")</c>) does not hand out <c>Environment.CurrentDirectory</c> along with it; only a
/// rule naming the member itself (<see cref="CSharpApiPolicy.AllowMember(string, string)"/>) lifts it.
/// </remarks>
internal static class ProcessStateRule
{
    public const string AssignmentReason =
        "it is shared by the whole host process and every session in it, so the sandbox does not let code change it: keep the value in a variable of your own, or pass it where it is used (for example CultureInfo.InvariantCulture to ToString and Parse)";

    public const string EventReason =
        "it is an event of the whole host process: a handler would be called later, on the host's threads and outside the sandbox's limits, so subscribing is not allowed; handle errors where they happen (try/catch around the call or the await)";

    /// <summary>Why <paramref name="reference"/> changes process-wide state, or <see langword="null"/> when it only reads it.</summary>
    public static string? Refusal(IMemberReferenceOperation reference) => reference.Member switch
    {
        IEventSymbol { IsStatic: true } => EventReason,
        IPropertySymbol { IsStatic: true } or IFieldSymbol { IsStatic: true, IsConst: false } when IsWritten(reference) => AssignmentReason,
        _ => null,
    };

    /// <summary>
    /// Whether the reference is written to: the target of an assignment (also compound, <c>??=</c> and
    /// deconstruction), incremented, passed by <c>ref</c> or <c>out</c>, or taken by reference (<c>ref X.Field</c>).
    /// </summary>
    private static bool IsWritten(IOperation reference)
    {
        if (reference.Syntax.Parent is RefExpressionSyntax)
        {
            return true;
        }

        var node = reference;
        while (node.Parent is ITupleOperation)
        {
            node = node.Parent;
        }

        return node.Parent switch
        {
            IAssignmentOperation assignment => assignment.Target == node,
            IIncrementOrDecrementOperation => true,
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            _ => false,
        };
    }
}
