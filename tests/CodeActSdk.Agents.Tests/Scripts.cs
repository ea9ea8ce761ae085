using System.Text.Json;
using CodeActSdk.CodeExecution;
using CodeActSdk.Testing;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents.Tests;

/// <summary>Helpers shared by the tests: scripted execute_code calls and reading their results back.</summary>
internal static class Scripts
{
    /// <summary>A scripted model turn that calls execute_code with <paramref name="code"/>.</summary>
    public static ChatMessage ExecuteCode(string code, string? callId = null) =>
        ScriptedChatClient.CallTool(CodeExecutionTool.ToolName, new Dictionary<string, object?> { ["code"] = code }, callId);

    /// <summary>A scripted model turn that answers in text.</summary>
    public static ChatMessage Say(string text) => new(ChatRole.Assistant, text);

    /// <summary>The results of every tool call in <paramref name="response"/>, as JSON, in order.</summary>
    public static IReadOnlyList<JsonElement> ToolResults(AgentResponse response) =>
        [.. response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => AsJson(r.Result))];

    private static JsonElement AsJson(object? result) => result switch
    {
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(result),
    };
}

/// <summary>Records the chat options the agent sends, which the scripted client ignores (instructions, tools).</summary>
internal sealed class OptionsRecorder(IChatClient inner) : DelegatingChatClient(inner)
{
    private readonly List<ChatOptions?> _options = [];

    public IReadOnlyList<ChatOptions?> Options
    {
        get
        {
            lock (_options)
            {
                return [.. _options];
            }
        }
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_options)
        {
            _options.Add(options?.Clone());
        }

        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_options)
        {
            _options.Add(options?.Clone());
        }

        return base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }
}
