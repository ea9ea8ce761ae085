using System.Text.Json;

namespace CodeActSdk;

/// <summary>
/// Something that waits for a person's approval before it may happen: a call to a tool marked as needing approval
/// (Microsoft.Extensions.AI's <see cref="Microsoft.Extensions.AI.ApprovalRequiredAIFunction"/>), or a code block a
/// reviewer sent to a human (<see cref="ReviewVerdict.AskHuman"/>).
/// </summary>
/// <remarks>An immutable record; safe to share.</remarks>
public sealed record ApprovalRequest
{
    /// <summary>
    /// The request's id within its run: <c>{step}.call{n}</c> for the n-th call in the step that needed approval,
    /// <c>{step}.block{i}</c> for the step's code block <c>i</c>. A replay of the step asks the same ids in the same order.
    /// </summary>
    public required string Id { get; init; }

    /// <summary>The step that asks, from 1.</summary>
    public required int Step { get; init; }

    /// <summary>Why approval is needed, for the person who decides.</summary>
    public required string Reason { get; init; }

    /// <summary>The code block that makes the call, or the code block to approve.</summary>
    public required string Code { get; init; }

    /// <summary>The tool the code calls; <see langword="null"/> when a code block waits for approval.</summary>
    public string? ToolName { get; init; }

    /// <summary>The call's arguments, named, as the code passed them; <see langword="null"/> for a code block.</summary>
    public JsonElement? Arguments { get; init; }

    /// <summary>When the request was first made.</summary>
    public DateTimeOffset RequestedAt { get; init; }

    /// <summary>Whether this is a tool call (rather than a code block).</summary>
    public bool IsToolCall => ToolName is not null;
}
