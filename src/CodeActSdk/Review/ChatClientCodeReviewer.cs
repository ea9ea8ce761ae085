using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A reviewer that asks a second model: an <see cref="IChatClient"/> with its own system prompt, answering in
/// structured output (<c>{"verdict": "approve" | "reject" | "ask_human", "reason": "..."}</c>, asked for with a JSON
/// schema response format), within a time budget (<see cref="ChatClientCodeReviewerOptions.Timeout"/>) and a token
/// budget (<see cref="ChatClientCodeReviewerOptions.MaxOutputTokens"/>).
/// </summary>
/// <remarks>
/// A model that runs out of time throws <see cref="TimeoutException"/>; one that answers something else than the
/// decision throws <see cref="CodeReviewException"/>; so does any failure of the client. <see cref="CodeReview"/>
/// turns each into its <see cref="ReviewFailurePolicy"/>'s decision, naming what went wrong. Thread-safe when the
/// chat client is.
/// </remarks>
public sealed class ChatClientCodeReviewer : ICodeReviewer
{
    /// <summary>The system prompt used when <see cref="ChatClientCodeReviewerOptions.Instructions"/> is not set.</summary>
    public const string DefaultInstructions = """
        You review code that an AI agent wants to run in a sandbox, before it runs. The code can call the host tools
        listed; each call may have real effects. Approve code that does what the task needs and nothing harmful.
        Reject code that is destructive, exfiltrates data, calls tools the task does not need, or works around the
        sandbox; say why in one sentence the agent can act on. Answer ask_human when a person should decide.
        Answer only with JSON: {"verdict": "approve" | "reject" | "ask_human", "reason": "..."}.
        """;

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "verdict": { "type": "string", "enum": ["approve", "reject", "ask_human"] },
            "reason": { "type": "string" }
          },
          "required": ["verdict", "reason"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    private readonly IChatClient _client;
    private readonly ChatClientCodeReviewerOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the reviewer.</summary>
    /// <param name="client">The reviewing model.</param>
    /// <param name="options">Its prompt and budgets; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock of the time budget; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A budget is not positive.</exception>
    public ChatClientCodeReviewer(IChatClient client, ChatClientCodeReviewerOptions? options = null, TimeProvider? timeProvider = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new ChatClientCodeReviewerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Timeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.MaxOutputTokens, 0, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.Name, nameof(options));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The reviewer's name in decisions (<see cref="ChatClientCodeReviewerOptions.Name"/>).</summary>
    public string Name => _options.Name;

    /// <inheritdoc/>
    /// <exception cref="TimeoutException">The model did not answer within the time budget.</exception>
    /// <exception cref="CodeReviewException">The model's answer is not a decision, or the client failed.</exception>
    public async ValueTask<ReviewDecision> ReviewAsync(CodeReviewRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ChatMessage[] messages = [new(ChatRole.System, _options.Instructions ?? DefaultInstructions), new(ChatRole.User, Describe(request))];
        var chatOptions = new ChatOptions
        {
            ResponseFormat = ChatResponseFormat.ForJsonSchema(Schema, "code_review", "A review decision for the code."),
            MaxOutputTokens = _options.MaxOutputTokens,
            Temperature = 0,
        };

        using var budget = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        ChatResponse response;
        try
        {
            response = await _client.GetResponseAsync(messages, chatOptions, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The reviewing model did not answer within its time budget of {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CodeReviewException($"The reviewing model's client failed: {e.Message}", e);
        }

        return Parse(response.Text);
    }

    private ReviewDecision Parse(string text)
    {
        var json = text.Trim();
        if (json.StartsWith("```", StringComparison.Ordinal))
        {
            json = json[(json.IndexOf('\n', StringComparison.Ordinal) + 1)..];
            json = json.EndsWith("```", StringComparison.Ordinal) ? json[..^3] : json;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("verdict", out var verdict) && verdict.ValueKind == JsonValueKind.String
                && root.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(reason.GetString()))
            {
                switch (verdict.GetString()?.Trim().ToLowerInvariant())
                {
                    case "approve":
                        return ReviewDecision.Approve(Name, reason.GetString()!);
                    case "reject":
                        return ReviewDecision.Reject(Name, reason.GetString()!);
                    case "ask_human":
                        return ReviewDecision.AskHuman(Name, reason.GetString()!);
                }
            }
        }
        catch (JsonException)
        {
        }

        throw new CodeReviewException($"The reviewing model did not answer with a decision ({{\"verdict\": \"approve|reject|ask_human\", \"reason\": \"...\"}}) but with: {Cut(text, 200)}");
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    private static string Describe(CodeReviewRequest request)
    {
        var text = new StringBuilder();
        if (request.Task.Length > 0)
        {
            text.Append("Task of the agent:\n").Append(Cut(request.Task, 4_000)).Append("\n\n");
        }

        text.Append("Tools the code can call:\n");
        foreach (var tool in request.Tools)
        {
            text.Append("- ").Append(tool.Name).Append(": ").Append(tool.Description).Append('\n');
        }

        text.Append("\nStatic preview of the tool calls:\n");
        foreach (var call in request.Preview.Calls)
        {
            text.Append(CultureInfo.InvariantCulture, $"- line {call.Line}: {call.ToolName}({string.Join(", ", call.Arguments.Select(a => a.Source))})");
            text.Append(call.RunsOnce ? "\n" : $" [{call.Placement}]\n");
        }

        foreach (var reach in request.Preview.Dynamic)
        {
            text.Append(CultureInfo.InvariantCulture, $"- line {reach.Line}: dynamic ({reach.Kind}): {reach.Reason}\n");
        }

        if (request.Preview.Calls.Count == 0 && request.Preview.Dynamic.Count == 0)
        {
            text.Append("- (no tool calls)\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nCode ({request.Language.Name}, step {request.StepNumber}):\n```\n{request.Code}\n```");
        return text.ToString();
    }
}

/// <summary>Settings of a <see cref="ChatClientCodeReviewer"/>.</summary>
public sealed class ChatClientCodeReviewerOptions
{
    /// <summary>The reviewer's name in decisions.</summary>
    /// <value>The default value is <c>"llm"</c>.</value>
    public string Name { get; set; } = "llm";

    /// <summary>The reviewing model's system prompt.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ChatClientCodeReviewer.DefaultInstructions"/>.</value>
    public string? Instructions { get; set; }

    /// <summary>How long the model may take to answer; past it the review fails (see <see cref="ReviewFailurePolicy"/>).</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most tokens the model may write (<see cref="ChatOptions.MaxOutputTokens"/>).</summary>
    /// <value>The default value is 400.</value>
    public int MaxOutputTokens { get; set; } = 400;
}
