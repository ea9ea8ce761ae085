using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>Turns the conversation so far into the model's next turn, with the code it wants to run.</summary>
public interface ICodeGenerator
{
    /// <summary>Asks the model for its next turn.</summary>
    /// <param name="messages">The conversation, already shaped by the memory policy.</param>
    /// <param name="language">The language the code must be written in.</param>
    /// <param name="cancellationToken">Cancels the model call.</param>
    Task<ModelTurn> GenerateAsync(IReadOnlyList<ChatMessage> messages, CodeLanguage language, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns an object of type <paramref name="serviceType"/> the generator offers, or <see langword="null"/>; for
    /// example the <see cref="ChatClientMetadata"/> of the model behind it (the agent reads the model's name from it).
    /// By default, the generator itself when it is of that type and no key is given.
    /// </summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">An optional key, for services registered under one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }
}

/// <summary>How the model is asked to hand over its code; each <see cref="ICodeGenerator"/> announces its own through <c>GetService(typeof(CodeFormat))</c>.</summary>
public enum CodeFormat
{
    /// <summary>Prose with fenced code blocks (<c>```js ... ```</c>); works with any chat model. The default.</summary>
    Fenced,

    /// <summary>
    /// Structured output: the model is given a JSON schema response format and answers with one JSON object
    /// <c>{"thought": "...", "code": "..."}</c>.
    /// </summary>
    Json,

    /// <summary>
    /// Native tool calling: the model is offered one function, <c>execute_code(code)</c>, and its call carries the code;
    /// the observation goes back as the call's result.
    /// </summary>
    ToolCall,
}

/// <summary>One answer of the model.</summary>
/// <param name="Text">The model's whole answer, prose and code (for a tool call, its text and the call's code).</param>
/// <param name="CodeBlocks">The code blocks found in the answer, in order; empty when the model answered in prose.</param>
/// <param name="Usage">Token usage reported by the model, when known.</param>
/// <remarks>
/// A turn also says how it joins the conversation: <see cref="AssistantMessages"/> are added to the history as the
/// model's answer, and <see cref="ObservationMessage"/> shapes what the code did into the message that follows (a user
/// message, or the results of the model's function calls). A durable run journals <see cref="JournalText"/> with
/// <see cref="Format"/>, and rebuilds the same turn from them on resume.
/// </remarks>
public sealed record ModelTurn(string Text, IReadOnlyList<CodeBlock> CodeBlocks, UsageDetails? Usage = null)
{
    /// <summary>How the code was handed over. Default <see cref="CodeFormat.Fenced"/>.</summary>
    public CodeFormat Format { get; init; } = CodeFormat.Fenced;

    /// <summary>
    /// The model's messages as the conversation must hold them (for example with their <see cref="FunctionCallContent"/>s);
    /// <see langword="null"/> for one assistant message holding <see cref="Text"/>.
    /// </summary>
    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    /// <summary>The ids of the function calls the observation must answer, in order; empty when the observation is a user message.</summary>
    public IReadOnlyList<string> CallIds { get; init; } = [];

    /// <summary>
    /// Why the answer broke its format (invalid JSON, no <c>code</c>, a call of an unknown function, ...), said so that
    /// the model can fix it; the step then runs nothing and this is its observation. <see langword="null"/> when the
    /// answer kept to its format.
    /// </summary>
    public string? FormatError { get; init; }

    /// <summary>What a durable run journals for this turn, from which the generator's format rebuilds it; <see cref="Text"/> unless set.</summary>
    public string JournalText
    {
        get => _journalText ?? Text;
        init => _journalText = value;
    }

    private readonly string? _journalText;

    /// <summary>The messages the turn adds to the history: <see cref="Messages"/>, or one assistant message with <see cref="Text"/>.</summary>
    public IReadOnlyList<ChatMessage> AssistantMessages => Messages ?? [new ChatMessage(ChatRole.Assistant, Text)];

    /// <summary>
    /// The message that brings <paramref name="observation"/> back to the model: the results of <see cref="CallIds"/>
    /// (the first carries the observation, any other refers to it), or a user message starting with <c>Observation:</c>.
    /// </summary>
    /// <param name="observation">What the step's code did.</param>
    public ChatMessage ObservationMessage(string observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (CallIds.Count == 0)
        {
            return new ChatMessage(ChatRole.User, "Observation:\n" + observation);
        }

        var contents = new List<AIContent> { new FunctionResultContent(CallIds[0], "Observation:\n" + observation) };
        contents.AddRange(CallIds.Skip(1).Select(id => (AIContent)new FunctionResultContent(id, $"(this call's code is part of the same step; see the result of call {CallIds[0]})")));
        return new ChatMessage(ChatRole.Tool, contents);
    }
}

/// <summary>A code block in a model's answer.</summary>
/// <param name="Tag">The fence's language tag, lower case, or an empty string when it had none.</param>
/// <param name="Code">The code inside the fence.</param>
public sealed record CodeBlock(string Tag, string Code);
