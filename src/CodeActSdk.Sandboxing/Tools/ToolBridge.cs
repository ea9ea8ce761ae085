using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Sandboxing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tools;

/// <summary>
/// Lets sandboxed code call host tools (<see cref="AIFunction"/>s). Backends convert the code's arguments to JSON,
/// call <see cref="Invoke"/>, and convert the JSON result back; the bridge binds the arguments to parameters,
/// checks them, waits for asynchronous tools within the execution's time limit, and records every call.
/// </summary>
/// <remarks>Thread-safe: the bridge holds no per-call state.</remarks>
public sealed class ToolBridge
{
    private readonly Dictionary<string, ToolDescriptor> _byName;

    /// <summary>Describes <paramref name="tools"/> for sandboxed code.</summary>
    /// <exception cref="ArgumentException">Two tools have the same identifier once made valid.</exception>
    public ToolBridge(IEnumerable<AIFunction> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        Tools = tools.Select(ToolDescriptor.From).ToArray();
        _byName = new Dictionary<string, ToolDescriptor>(StringComparer.Ordinal);
        foreach (var tool in Tools)
        {
            if (!_byName.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Two tools are both called '{tool.Name}' in code ('{_byName[tool.Name].Function.Name}' and '{tool.Function.Name}'). Rename one.", nameof(tools));
            }
        }
    }

    /// <summary>The tools, in the order given.</summary>
    public IReadOnlyList<ToolDescriptor> Tools { get; }

    /// <summary>
    /// Calls <paramref name="tool"/> and returns its result as JSON. The arguments are either positional, or a single
    /// object whose properties name the parameters (used when the tool does not take exactly one object parameter).
    /// </summary>
    /// <param name="tool">The tool to call.</param>
    /// <param name="arguments">The code's arguments, converted to JSON.</param>
    /// <param name="budget">The execution's budget: the call waits at most until its deadline.</param>
    /// <param name="calls">Where the call is recorded.</param>
    /// <exception cref="ToolCallException">The arguments do not fit the tool, or the tool threw; the message is for the code.</exception>
    /// <exception cref="SandboxStopException">The execution timed out or was cancelled during the call, or the tool halted it (<see cref="ExecutionHaltException"/>).</exception>
    public JsonNode? Invoke(ToolDescriptor tool, IReadOnlyList<JsonNode?> arguments, ExecutionBudget budget, ICollection<ToolCallRecord> calls)
    {
        // An execution that was stopped runs no tool again, even from a catch or finally block that a backend let run.
        if (budget.Stop is { } stopped)
        {
            throw stopped;
        }

        var started = Stopwatch.GetTimestamp();
        JsonObject named;
        try
        {
            named = Bind(tool, arguments);
        }
        catch (ToolCallException e)
        {
            calls.Add(new ToolCallRecord(tool.Name, ToElement(new JsonArray(arguments.Select(a => a?.DeepClone()).ToArray())), null, e.Message, Stopwatch.GetElapsedTime(started)));
            throw;
        }

        var argumentsElement = ToElement(named);
        try
        {
            var (result, recorded) = ToJson(WaitFor(tool, argumentsElement, budget));
            calls.Add(new ToolCallRecord(tool.Name, argumentsElement, recorded, null, Stopwatch.GetElapsedTime(started)));
            return result;
        }
        catch (ToolCallException e)
        {
            calls.Add(new ToolCallRecord(tool.Name, argumentsElement, null, e.Message, Stopwatch.GetElapsedTime(started)));
            throw;
        }
        catch (SandboxStopException e)
        {
            calls.Add(new ToolCallRecord(tool.Name, argumentsElement, null, e.Message, Stopwatch.GetElapsedTime(started)));
            throw;
        }
    }

    private static object? WaitFor(ToolDescriptor tool, JsonElement arguments, ExecutionBudget budget)
    {
        var functionArguments = new AIFunctionArguments();
        foreach (var property in arguments.EnumerateObject())
        {
            functionArguments[property.Name] = property.Value;
        }

        // The sandbox thread only waits from here on: it lends its place, since the tool may need one (a sub-agent).
        using var waiting = SandboxThreadPool.WaitingOnHost();
        try
        {
            var pending = tool.Function.InvokeAsync(functionArguments, budget.Token);
            if (pending.IsCompletedSuccessfully)
            {
                return pending.Result;
            }

            var task = pending.AsTask();
            // Async tools are awaited on the code's behalf: the sandbox thread blocks, the code sees a plain call.
            task.Wait(budget.Token);
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (budget.Token.IsCancellationRequested)
        {
            budget.ThrowCancelledOrTimedOut();
            throw; // unreachable: ThrowCancelledOrTimedOut always throws.
        }
        catch (Exception e) when (e is not SandboxStopException)
        {
            var inner = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
            if (inner is ExecutionHaltException halt)
            {
                // Latched like a limit, so that code which catches the stop is stopped again at its next step.
                budget.Halt(halt.Status, halt.Error.Kind, halt.Error.Message);
            }

            // Said once: a tool's exception gives the reason, the bridge names the tool.
            var hint = inner is ArgumentException or JsonException ? $" Its parameters are {tool.Signature}." : "";
            throw new ToolCallException(inner is ToolCallException own ? own.Message : $"Tool '{tool.Name}' failed: {inner.Message}{hint}");
        }
    }

    private static JsonObject Bind(ToolDescriptor tool, IReadOnlyList<JsonNode?> arguments)
    {
        var parameters = tool.Parameters;
        var usesNamedArguments = arguments is [JsonObject]
            && !(parameters.Count == 1 && parameters[0].Type is "object" or "any" && !((JsonObject)arguments[0]!).Any(p => p.Key == parameters[0].Name));
        var named = new JsonObject();
        if (usesNamedArguments)
        {
            foreach (var (key, value) in (JsonObject)arguments[0]!)
            {
                if (!parameters.Any(p => p.Name == key))
                {
                    throw new ToolCallException($"Tool '{tool.Name}' has no parameter '{key}'. Its parameters are {tool.Signature}.");
                }

                named[key] = value?.DeepClone();
            }
        }
        else
        {
            if (arguments.Count > parameters.Count)
            {
                throw new ToolCallException($"Tool '{tool.Name}' takes {parameters.Count} argument(s) but was given {arguments.Count}. Its parameters are {tool.Signature}.");
            }

            for (var i = 0; i < arguments.Count; i++)
            {
                named[parameters[i].Name] = arguments[i]?.DeepClone();
            }
        }

        foreach (var parameter in parameters)
        {
            var present = named.TryGetPropertyValue(parameter.Name, out var value) && value is not null;
            if (!present && parameter.Required)
            {
                throw new ToolCallException($"Tool '{tool.Name}' needs the argument '{parameter.Name}'. Its parameters are {tool.Signature}.");
            }

            if (present && !Fits(value!, parameter.Type))
            {
                throw new ToolCallException($"Tool '{tool.Name}': argument '{parameter.Name}' must be {Article(parameter.Type)} {parameter.Type}, not {Describe(value!)}. Its parameters are {tool.Signature}.");
            }

            if (present && parameter.Type == "integer" && IntegerValue(value!) is { } integer)
            {
                // Written as an integer (12, not 12.0 or 1.2e1), which is what the tool's own binding reads into an int or a long.
                named[parameter.Name] = integer;
            }

            if (!present)
            {
                named.Remove(parameter.Name);
            }
        }

        return named;
    }

    private static bool Fits(JsonNode value, string type) => (type, value.GetValueKind()) switch
    {
        ("any", _) => true,
        ("string", JsonValueKind.String) => true,
        ("number", JsonValueKind.Number) => true,
        ("integer", JsonValueKind.Number) => IsWhole(value, out _),
        ("boolean", JsonValueKind.True or JsonValueKind.False) => true,
        ("array", JsonValueKind.Array) => true,
        ("object", JsonValueKind.Object) => true,
        ("null", JsonValueKind.Null) => true,
        _ => false,
    };

    // By the number's JSON text, so that it does not matter which CLR type holds it (a backend's double, a host's int,
    // long or decimal, a parsed JsonElement): 12, 12.0 and 1.2e1 are whole numbers, 12.5 is not.
    private static bool IsWhole(JsonNode number, out double value) =>
        double.TryParse(number.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && Math.Floor(value) == value;

    // A whole number within the range a double holds exactly, as a long; null for anything else (left as it is).
    private static JsonValue? IntegerValue(JsonNode number) =>
        IsWhole(number, out var value) && Math.Abs(value) <= 9_007_199_254_740_992d ? JsonValue.Create((long)value) : null;

    private static string Describe(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => $"the string {Truncate(value.ToJsonString())}",
        JsonValueKind.Number => $"the number {value.ToJsonString()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.ToJsonString()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…\"";

    private static string Article(string type) => type is "integer" or "object" or "array" or "any" ? "an" : "a";

    /// <summary>
    /// The tool's result as the node handed to the backend and the element recorded in the call, converted once:
    /// a tool built with <c>AIFunctionFactory</c> already returns a <see cref="JsonElement"/>, which both are made
    /// from without writing it out and parsing it again (the bridge's cost is paid on every call of a loop).
    /// </summary>
    private static (JsonNode? Node, JsonElement Element) ToJson(object? result)
    {
        var element = result switch
        {
            null => NullElement,
            JsonElement json => json.Clone(),
            JsonNode given => JsonSerializer.SerializeToElement(given),
            _ => JsonSerializer.SerializeToElement(result, result.GetType(), AIJsonUtilities.DefaultOptions),
        };
        var node = result as JsonNode ?? element.ValueKind switch
        {
            JsonValueKind.Object => JsonObject.Create(element),
            JsonValueKind.Array => JsonArray.Create(element),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => JsonValue.Create(element),
        };
        return (node, element);
    }

    private static readonly JsonElement NullElement = JsonDocument.Parse("null").RootElement.Clone();

    private static JsonElement ToElement(JsonNode? node) =>
        node is null ? NullElement : JsonSerializer.SerializeToElement(node);
}
