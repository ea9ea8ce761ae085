using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A tool of a durable run. Live, it calls the tool and journals the call with its result before the code sees it;
/// while a step is replayed, it serves the journaled result instead, so that no journaled call runs twice, and notes a
/// divergence when the code asks for a different call than the journal holds.
/// </summary>
internal sealed class JournaledTool(AIFunction tool, DurableRun run) : DelegatingAIFunction(tool)
{
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var argumentsJson = ArgumentsJson(arguments);
        if (run.TryTakeJournaledCall(out var journaled))
        {
            if (journaled.Name != Name || !JsonElement.DeepEquals(journaled.Arguments, argumentsJson))
            {
                var why = $"step {run.CurrentStep} called {Name}({argumentsJson.GetRawText()}) where the journal holds {journaled.Name}({journaled.Arguments.GetRawText()})";
                run.Diverge(why);
                throw new InvalidOperationException($"The replay of this session diverged: {why}.");
            }

            if (journaled.Error is not null)
            {
                throw journaled.ArgumentError ? new ArgumentException(journaled.Error) : new InvalidOperationException(journaled.Error);
            }

            return journaled.Result;
        }

        object? result;
        try
        {
            result = await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await run.RecordToolCallAsync(new JournaledToolCall(Name, argumentsJson, null, e.Message, e is ArgumentException or JsonException)).ConfigureAwait(false);
            throw;
        }

        JsonElement? resultJson = result switch
        {
            null => null,
            JsonElement element => element,
            _ => JsonSerializer.SerializeToElement(result, AIJsonUtilities.DefaultOptions),
        };
        await run.RecordToolCallAsync(new JournaledToolCall(Name, argumentsJson, resultJson)).ConfigureAwait(false);
        return resultJson;
    }

    /// <summary>A call's arguments as the journal records them, and as a replay and an approval request compare them.</summary>
    internal static JsonElement ArgumentsJson(AIFunctionArguments arguments) =>
        JsonSerializer.SerializeToElement(arguments.ToDictionary(a => a.Key, a => a.Value), AIJsonUtilities.DefaultOptions);
}
