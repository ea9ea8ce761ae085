using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation.Protocol;

/// <summary>
/// The parts of <see cref="SandboxOptions"/> that cross to the worker: the limits, the file system's options, and
/// each tool's name, description and JSON schema (the tool itself stays in the host).
/// </summary>
public static class SandboxOptionsWire
{
    /// <summary>The limits as JSON.</summary>
    public static JsonObject LimitsToJson(SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new JsonObject
        {
            ["timeoutTicks"] = options.Timeout.Ticks,
            ["memoryLimitBytes"] = options.MemoryLimitBytes,
            ["maxOperations"] = options.MaxOperations,
            ["maxRecursionDepth"] = options.MaxRecursionDepth,
            ["maxOutputChars"] = options.MaxOutputChars,
            ["maxValueChars"] = options.MaxValueChars,
        };
    }

    /// <summary>The file system's options as JSON. Mounts keep their host paths: the worker runs on the same machine.</summary>
    public static JsonObject FilesToJson(FileSystemOptions files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return new JsonObject
        {
            ["scratchQuotaBytes"] = files.ScratchQuotaBytes,
            ["maxFileBytes"] = files.MaxFileBytes,
            ["maxScratchFiles"] = files.MaxScratchFiles,
            ["mounts"] = new JsonArray(files.Mounts.Select(m => (JsonNode)new JsonObject
            {
                ["name"] = m.Name,
                ["hostPath"] = m.HostPath,
                ["access"] = m.Access.ToString(),
                ["quotaBytes"] = m.QuotaBytes,
            }).ToArray()),
        };
    }

    /// <summary>Each tool's name, description, JSON schema and return schema.</summary>
    public static JsonArray ToolsToJson(IEnumerable<AIFunction> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        return new JsonArray(tools.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["description"] = t.Description,
            ["jsonSchema"] = t.JsonSchema.GetRawText(),
            // The C# backend types a tool's result from its return schema, so the worker needs it too.
            ["returnJsonSchema"] = t.ReturnJsonSchema?.GetRawText(),
        }).ToArray());
    }

    /// <summary>Rebuilds the options in the worker, with <paramref name="tools"/> standing in for the host's tools.</summary>
    public static SandboxOptions FromJson(JsonObject limits, JsonObject files, IReadOnlyList<AIFunction> tools)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(files);
        return new SandboxOptions
        {
            Timeout = TimeSpan.FromTicks(Get<long>(limits, "timeoutTicks")),
            MemoryLimitBytes = Get<long>(limits, "memoryLimitBytes"),
            MaxOperations = Get<long>(limits, "maxOperations"),
            MaxRecursionDepth = Get<int>(limits, "maxRecursionDepth"),
            MaxOutputChars = Get<int>(limits, "maxOutputChars"),
            MaxValueChars = Get<int>(limits, "maxValueChars"),
            Tools = tools,
            Files = new FileSystemOptions
            {
                ScratchQuotaBytes = Get<long>(files, "scratchQuotaBytes"),
                MaxFileBytes = Get<long>(files, "maxFileBytes"),
                MaxScratchFiles = Get<int>(files, "maxScratchFiles"),
                Mounts = (files["mounts"] as JsonArray ?? []).Select(node =>
                {
                    var m = (JsonObject)node!;
                    return new FileMount(
                        Get<string>(m, "name"),
                        Get<string>(m, "hostPath"),
                        Enum.Parse<MountAccess>(Get<string>(m, "access")),
                        Get<long>(m, "quotaBytes"));
                }).ToList(),
            },
        };
    }

    private static T Get<T>(JsonObject json, string name) => ExecutionResultWire.Required(json, name).GetValue<T>();

    /// <summary>Parses a tool's JSON schema as sent by <see cref="ToolsToJson"/>.</summary>
    public static JsonElement ParseSchema(string schema) => JsonDocument.Parse(schema).RootElement.Clone();
}
