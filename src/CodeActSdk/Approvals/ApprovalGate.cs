using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Stands in a session for a tool marked as needing approval (<see cref="ApprovalRequiredAIFunction"/>): every call,
/// however the code reached it, waits for its decision (<see cref="StepApprovals"/>). An approved call runs, with the
/// edited arguments when the person changed them; an answered one returns the person's answer without running the tool; a rejected one fails with the reason, which the code sees; a call
/// that must wait halts the execution there (<see cref="ExecutionHaltException"/>), where the code cannot catch it.
/// </summary>
/// <remarks>
/// The gate wraps the journaled tool of a durable run, so a replayed call is decided again from the journal (the
/// decision is never asked twice) and then served its journaled result. Thread-safe.
/// </remarks>
internal sealed class ApprovalGate(AIFunction tool, SessionScope scope) : DelegatingAIFunction(tool)
{
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var approvals = scope.Current?.Approvals
            ?? throw new InvalidOperationException($"'{Name}' needs a person's approval, and it was called outside a run of the agent, where nobody can give it.");
        var json = JournaledTool.ArgumentsJson(arguments);
        var decision = await approvals.DecideCallAsync(Name, json, cancellationToken).ConfigureAwait(false);
        if (decision is null)
        {
            throw new ExecutionHaltException(ExecutionStatus.Cancelled, ErrorKind.ApprovalRequired,
                $"The code stopped at a call to '{Name}', which waits for a person's approval (request {approvals.Pending!.Id}); the run continues once it is decided.");
        }

        if (!decision.Approved)
        {
            throw new InvalidOperationException($"the call was rejected by {decision.DecidedBy}: {decision.Reason}");
        }

        if (decision.Answer is { } answer)
        {
            return answer;
        }

        if (decision.Arguments is { } edited)
        {
            arguments = new AIFunctionArguments { Services = arguments.Services, Context = arguments.Context };
            foreach (var property in edited.EnumerateObject())
            {
                arguments[property.Name] = property.Value.Clone();
            }
        }

        return await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
    }
}
