using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeActSdk.Isolation.Protocol;

/// <summary>
/// Carries an <see cref="ExecutionResult"/> across the process boundary with nothing lost: status, stdout, value,
/// error (kind, message, line, column), duration (in ticks, so it round-trips exactly), tool calls (arguments,
/// result, error, duration), final answer, and artifacts with their content in base64. Unlike
/// <see cref="ExecutionResultJson"/>, which is a display contract, this is an internal format between host and worker.
/// </summary>
public static class ExecutionResultWire
{
    /// <summary>Writes <paramref name="result"/> as a JSON object.</summary>
    public static JsonObject ToJson(ExecutionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var json = new JsonObject
        {
            ["status"] = result.Status.ToString(),
            ["stdout"] = result.Stdout,
            ["value"] = ToNode(result.Value),
            ["durationTicks"] = result.Duration.Ticks,
            ["finalAnswer"] = ToNode(result.FinalAnswer),
        };
        if (result.Error is { } error)
        {
            json["error"] = new JsonObject
            {
                ["kind"] = error.Kind.Value,
                ["message"] = error.Message,
                ["line"] = error.Line,
                ["column"] = error.Column,
            };
        }

        json["toolCalls"] = new JsonArray(result.ToolCalls.Select(call => (JsonNode)new JsonObject
        {
            ["name"] = call.Name,
            ["arguments"] = ToNode(call.Arguments),
            ["result"] = ToNode(call.Result),
            ["error"] = call.Error,
            ["durationTicks"] = call.Duration.Ticks,
        }).ToArray());
        json["artifacts"] = new JsonArray(result.Artifacts.Select(artifact => (JsonNode)ArtifactToJson(artifact)).ToArray());
        return json;
    }

    /// <summary>Reads a result written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The object is not a result.</exception>
    public static ExecutionResult FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var status = Enum.Parse<ExecutionStatus>(Required(json, "status").GetValue<string>());
        ExecutionError? error = null;
        if (json["error"] is JsonObject e)
        {
            error = new ExecutionError(
                new ErrorKind(Required(e, "kind").GetValue<string>()),
                Required(e, "message").GetValue<string>(),
                e["line"]?.GetValue<int>(),
                e["column"]?.GetValue<int>());
        }

        return new ExecutionResult
        {
            Status = status,
            Stdout = json["stdout"]?.GetValue<string>() ?? "",
            Value = ToElement(json["value"]),
            Error = error,
            Duration = TimeSpan.FromTicks(json["durationTicks"]?.GetValue<long>() ?? 0),
            FinalAnswer = ToElement(json["finalAnswer"]),
            ToolCalls = (json["toolCalls"] as JsonArray ?? []).Select(node =>
            {
                var call = (JsonObject)node!;
                return new ToolCallRecord(
                    Required(call, "name").GetValue<string>(),
                    ToElement(call["arguments"]) ?? Null(),
                    ToElement(call["result"]),
                    call["error"]?.GetValue<string>(),
                    TimeSpan.FromTicks(call["durationTicks"]?.GetValue<long>() ?? 0));
            }).ToList(),
            Artifacts = (json["artifacts"] as JsonArray ?? []).Select(node => ArtifactFromJson((JsonObject)node!)).ToList(),
        };
    }

    /// <summary>An artifact with its content in base64.</summary>
    public static JsonObject ArtifactToJson(Artifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new JsonObject
        {
            ["path"] = artifact.Path,
            ["mediaType"] = artifact.MediaType,
            ["base64"] = Convert.ToBase64String(artifact.Content.Span),
        };
    }

    /// <summary>Reads an artifact written by <see cref="ArtifactToJson"/>.</summary>
    public static Artifact ArtifactFromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new Artifact(
            Required(json, "path").GetValue<string>(),
            Required(json, "mediaType").GetValue<string>(),
            Convert.FromBase64String(Required(json, "base64").GetValue<string>()));
    }

    /// <summary>A file's description as JSON.</summary>
    public static JsonObject FileInfoToJson(SandboxFileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new JsonObject
        {
            ["path"] = file.Path,
            ["size"] = file.Size,
            ["isDirectory"] = file.IsDirectory,
            ["readOnly"] = file.ReadOnly,
            ["modified"] = file.Modified.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Reads a file's description written by <see cref="FileInfoToJson"/>.</summary>
    public static SandboxFileInfo FileInfoFromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new SandboxFileInfo(
            Required(json, "path").GetValue<string>(),
            json["size"]?.GetValue<long>() ?? 0,
            json["isDirectory"]?.GetValue<bool>() ?? false,
            json["readOnly"]?.GetValue<bool>() ?? false,
            DateTimeOffset.Parse(Required(json, "modified").GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }

    internal static JsonNode Required(JsonObject json, string name) =>
        json[name] ?? throw new JsonException($"The protocol message has no '{name}'.");

    // A JSON null value is kept as a JsonElement of kind Null (the backends report `null` that way); an absent
    // value becomes a JSON null on the wire too, so both are told apart by a wrapper object.
    private static JsonNode? ToNode(JsonElement? element) =>
        element is { } value ? new JsonObject { ["json"] = value.GetRawText() } : null;

    private static JsonElement? ToElement(JsonNode? node) =>
        node is JsonObject wrapper && wrapper["json"] is { } raw ? JsonDocument.Parse(raw.GetValue<string>()).RootElement.Clone() : null;

    private static JsonElement Null() => JsonDocument.Parse("null").RootElement.Clone();
}
