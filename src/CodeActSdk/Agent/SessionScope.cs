using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Where the tools of an agent session reach the step that runs now: a tool that needs approval finds the step's
/// <see cref="StepApprovals"/>, an <see cref="AgentTool"/> reports its sub-agent's steps and cost. One per
/// <see cref="AgentSession"/>, which runs one step at a time; <see cref="Current"/> is <see langword="null"/> between runs.
/// </summary>
internal sealed class SessionScope
{
    private StepScope? _current;

    public StepScope? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}

/// <summary>One step as its tools see it: its approvals, how deep in delegation its run is, and what its sub-agents did.</summary>
/// <remarks>Tools are called one at a time, but a sub-agent reports from its own flow: the lists are locked.</remarks>
internal sealed class StepScope(StepApprovals approvals, int depth, ChannelWriter<AgentStep>? nested)
{
    private readonly List<Delegation> _delegations = [];

    public StepApprovals Approvals { get; } = approvals;

    /// <summary>How many agents up the run's delegation goes: 0 for a run the host started.</summary>
    public int Depth { get; } = depth;

    /// <summary>The sub-agents' runs of this step, in order.</summary>
    public IReadOnlyList<Delegation> Delegations
    {
        get
        {
            lock (_delegations)
            {
                return [.. _delegations];
            }
        }
    }

    /// <summary>The tokens the sub-agents of this step used, or <see langword="null"/> when none reported any.</summary>
    public UsageDetails? DelegatedUsage
    {
        get
        {
            UsageDetails? total = null;
            foreach (var delegation in Delegations)
            {
                if (delegation.Usage is { } usage)
                {
                    total ??= new UsageDetails();
                    total.Add(usage);
                }
            }

            return total;
        }
    }

    /// <summary>Passes a sub-agent's finished step on to the run's stream, as it happens.</summary>
    public void Report(AgentStep step) => nested?.TryWrite(step);

    /// <summary>Records a sub-agent's run.</summary>
    public void Add(Delegation delegation)
    {
        lock (_delegations)
        {
            _delegations.Add(delegation);
        }
    }
}
