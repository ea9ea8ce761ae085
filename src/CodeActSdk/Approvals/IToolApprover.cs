namespace CodeActSdk;

/// <summary>
/// Decides, while the code waits at the call, whether a tool call that needs approval may happen: the in-line
/// approval of an interactive host (a dialog, a chat prompt). Added with <c>CodeActBuilder.UseToolApprover(...)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The execution waits for the answer within its time limit (<see cref="SandboxOptions.Timeout"/>), so an approver
/// that needs longer answers <see langword="null"/>: a durable run is then suspended
/// (<see cref="AgentOutcome.AwaitingApproval"/>) and resumed later with the decision, and any other run has the call
/// rejected. An approver that throws has the call rejected, with the failure as the reason; it never ends the run.
/// </para>
/// <para>One instance serves every run, concurrently: implementations are thread-safe.</para>
/// </remarks>
public interface IToolApprover
{
    /// <summary>Decides <paramref name="request"/>, or answers <see langword="null"/> to decide later.</summary>
    /// <param name="request">The tool call, its arguments and the code that makes it.</param>
    /// <param name="cancellationToken">Cancelled when the execution's time runs out or the run is cancelled.</param>
    /// <returns>The decision, or <see langword="null"/> when nobody can decide now.</returns>
    ValueTask<ApprovalDecision?> DecideAsync(ApprovalRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A tool approver made from a delegate, for <c>CodeActBuilder.UseToolApprover(...)</c>.</summary>
/// <param name="decide">Decides a request, or answers <see langword="null"/> to decide later; it must be thread-safe.</param>
public sealed class DelegateToolApprover(Func<ApprovalRequest, CancellationToken, ValueTask<ApprovalDecision?>> decide) : IToolApprover
{
    private readonly Func<ApprovalRequest, CancellationToken, ValueTask<ApprovalDecision?>> _decide = decide ?? throw new ArgumentNullException(nameof(decide));

    /// <inheritdoc/>
    public ValueTask<ApprovalDecision?> DecideAsync(ApprovalRequest request, CancellationToken cancellationToken = default) => _decide(request, cancellationToken);
}
