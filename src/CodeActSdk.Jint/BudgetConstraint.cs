using CodeActSdk.Sandboxing;
using Jint;

namespace CodeActSdk.Jint;

/// <summary>
/// The execution's <see cref="ExecutionBudget"/> as a Jint constraint: before every statement, and every few thousand
/// elements inside long built-ins, it checks the memory the code keeps alive, the deadline and the stack.
/// </summary>
/// <remarks>
/// Jint's own <c>LimitMemory</c> counts every byte allocated, garbage included, so a loop that churns short-lived
/// objects would be stopped although it keeps almost nothing. The budget instead uses allocation only as a cheap
/// trigger and then measures the live heap. It is exact (checked before every statement, not amortised), as Jint
/// asks of a budget over a quantity that can grow without bound between two checks. Operations are counted by
/// Jint's <c>MaxStatementsConstraint</c>, the time limit also by its <c>OperationDeadlineConstraint</c>.
/// </remarks>
internal sealed class BudgetConstraint : Constraint
{
    /// <summary>The running execution's budget; <see langword="null"/> between executions, when nothing is checked.</summary>
    public ExecutionBudget? Budget { get; set; }

    public override void Check() => Budget?.Charge(0);

    public override void Reset()
    {
    }
}
