using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation.Worker;

/// <summary>
/// Stands in, inside the worker, for one host tool: same name, description, schema and return schema, so the backend binds and
/// documents it exactly as in process; invoking it sends a tool call to the host and waits for its result.
/// </summary>
internal sealed class ProxyTool(string name, string description, JsonElement schema, JsonElement? returnSchema, ToolCallSender send) : AIFunction
{
    public override string Name { get; } = name;

    public override string Description { get; } = description;

    public override JsonElement JsonSchema { get; } = schema;

    public override JsonElement? ReturnJsonSchema { get; } = returnSchema;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var json = new JsonObject();
        foreach (var (key, value) in arguments)
        {
            json[key] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), AIJsonUtilities.DefaultOptions);
        }

        var reply = await send(Name, json.ToJsonString(), cancellationToken).ConfigureAwait(false);
        if (reply["error"] is { } error)
        {
            var message = error.GetValue<string>();
            // The bridge adds the tool's signature to argument errors, and halts the execution for a halt: keep the kind of error.
            throw reply["errorType"]?.GetValue<string>() switch
            {
                "argument" => new ArgumentException(message),
                "halt" when Enum.TryParse<ExecutionStatus>(reply["haltStatus"]?.GetValue<string>(), out var status) && status != ExecutionStatus.Completed
                    => new ExecutionHaltException(status, new ErrorKind(reply["haltKind"]?.GetValue<string>() ?? "Error"), message),
                _ => new InvalidOperationException(message),
            };
        }

        var result = reply["resultJson"]?.GetValue<string>();
        return result is null ? null : JsonDocument.Parse(result).RootElement.Clone();
    }
}

/// <summary>Sends one tool call to the host and returns its <c>toolResult</c> message.</summary>
internal delegate Task<JsonObject> ToolCallSender(string name, string argumentsJson, CancellationToken cancellationToken);
