using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>What a reviewer is asked to judge: one code block of a step, before it runs.</summary>
public sealed record CodeReviewRequest
{
    /// <summary>The code block, as it would be executed.</summary>
    public required string Code { get; init; }

    /// <summary>The language the code is written in (the interpreter's).</summary>
    public required CodeLanguage Language { get; init; }

    /// <summary>The tools the code can reach: the agent's tools, and the plan tool when the plan is on.</summary>
    public IReadOnlyList<AIFunction> Tools { get; init; } = [];

    /// <summary>
    /// The static call preview of <see cref="Code"/> (see <see cref="ICallPreviewer"/>). When the interpreter offers no
    /// previewer, the preview lists no calls and one <see cref="DynamicReach"/> saying so, so that
    /// <see cref="CallPreview.IsComplete"/> is <see langword="false"/> and a careful reviewer treats every tool as reachable.
    /// </summary>
    public required CallPreview Preview { get; init; }

    /// <summary>The step's number, from 1.</summary>
    public int StepNumber { get; init; }

    /// <summary>The index of the code block within the step's turn, from 0.</summary>
    public int BlockIndex { get; init; }

    /// <summary>The run's task as the model was given it (the first user message, with the notes the agent adds); empty when unknown.</summary>
    public string Task { get; init; } = "";
}
