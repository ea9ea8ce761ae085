using System.Text.Json;

namespace CodeActSdk;

/// <summary>What one execution did: its status, captured output, value, error and tool calls.</summary>
public sealed record ExecutionResult
{
    /// <summary>How the execution ended.</summary>
    public required ExecutionStatus Status { get; init; }

    /// <summary>Everything the code printed, bounded by <see cref="SandboxOptions.MaxOutputChars"/> (a note marks a cut).</summary>
    public string Stdout { get; init; } = "";

    /// <summary>The value of the last expression as JSON, or <see langword="null"/> when there is none (or it is <c>undefined</c>).</summary>
    public JsonElement? Value { get; init; }

    /// <summary>Why the execution failed; <see langword="null"/> when <see cref="Status"/> is <see cref="ExecutionStatus.Completed"/>.</summary>
    public ExecutionError? Error { get; init; }

    /// <summary>Wall-clock time of the execution.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The tool calls the code made, in order.</summary>
    public IReadOnlyList<ToolCallRecord> ToolCalls { get; init; } = [];

    /// <summary>The value passed to <c>final_answer(...)</c> as JSON, or <see langword="null"/> when it was not called.</summary>
    public JsonElement? FinalAnswer { get; init; }

    /// <summary>The files under <c>out/</c> that this execution wrote, as they were when it ended.</summary>
    public IReadOnlyList<Artifact> Artifacts { get; init; } = [];

    /// <summary>Whether the execution completed.</summary>
    public bool IsSuccess => Status == ExecutionStatus.Completed;
}

/// <summary>Why an execution failed.</summary>
/// <param name="Kind">A short category: the error's type in the sandboxed language (<see cref="ErrorKind.TypeError"/>), or the limit that stopped it (<see cref="ErrorKind.Timeout"/>, <see cref="ErrorKind.MemoryLimit"/>, <see cref="ErrorKind.RecursionLimit"/>); see <see cref="ErrorKind"/>.</param>
/// <param name="Message">What went wrong and, where possible, what to do instead.</param>
/// <param name="Line">The 1-based line in the submitted code, when known.</param>
/// <param name="Column">The 1-based column in the submitted code, when known.</param>
/// <remarks>
/// Both texts may come from the code (its error's name and message), so both are bounded, for every backend: one of
/// 64 MB must not flood the host, the model or the JSON contract. The kind is bounded by <see cref="ErrorKind"/>
/// itself (<see cref="ErrorKind.MaxLength"/>), the message here.
/// </remarks>
public sealed record ExecutionError(ErrorKind Kind, string Message, int? Line = null, int? Column = null)
{
    /// <summary>The longest <see cref="Message"/> kept.</summary>
    public const int MaxMessageChars = 4_000;

    /// <summary>The longest <see cref="Kind"/> kept (<see cref="ErrorKind.MaxLength"/>).</summary>
    public const int MaxKindChars = ErrorKind.MaxLength;

    /// <summary>The category (bounded by <see cref="ErrorKind"/> itself).</summary>
    /// <remarks>Declared here, before <see cref="Message"/>, so that the members keep the order they had when the kind was a string.</remarks>
    public ErrorKind Kind { get; init; } = Kind;

    /// <summary>What went wrong, cut to <see cref="MaxMessageChars"/> characters with a note saying how much was left out.</summary>
    public string Message { get => _message; init => _message = TextBounds.Cut(value, MaxMessageChars, "message"); }

    private readonly string _message = TextBounds.Cut(Message, MaxMessageChars, "message");
}

/// <summary>One call from sandboxed code to a host tool.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Arguments">The arguments as a JSON object keyed by parameter name.</param>
/// <param name="Result">The tool's result as JSON, when it succeeded.</param>
/// <param name="Error">The error the code saw, when the call failed.</param>
/// <param name="Duration">How long the call took.</param>
public sealed record ToolCallRecord(string Name, JsonElement Arguments, JsonElement? Result, string? Error, TimeSpan Duration);
