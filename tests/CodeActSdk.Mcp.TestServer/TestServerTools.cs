using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CodeActSdk.Mcp.TestServer;

/// <summary>
/// The tools of the test server, for tests that drive it as an MCP server. Tests find the server's dll as
/// <c>typeof(TestServerTools).Assembly.Location</c> and start it with <c>dotnet</c>.
/// </summary>
public static class TestServerTools
{
    /// <summary>The server name in the MCP handshake.</summary>
    public const string ServerName = "codeact-test-server";

    /// <summary>The command-line flag that makes the server fail before speaking MCP (exit code 1, a line on stderr).</summary>
    public const string FailOnStartFlag = "--fail-on-start";

    /// <summary>
    /// The command-line flag that serves <c>bad_schema</c> with the input schema <c>{"type":"array"}</c>, which is not an
    /// object schema and which the MCP C# SDK refuses to parse. Without it <c>bad_schema</c> has an object schema whose
    /// parts are malformed (see <see cref="MalformedInputSchema"/>).
    /// </summary>
    public const string ArraySchemaFlag = "--array-schema";

    /// <summary>The exit code of the process after <c>crash</c>.</summary>
    public const int CrashExitCode = 3;

    /// <summary>The input schema of <c>bad_schema</c> by default: "type" is "object", but "properties" is not an object of schemas and "required" is not an array.</summary>
    public const string MalformedInputSchema = """{"type":"object","properties":{"items":"not a schema","count":{"type":"no-such-type"}},"required":"items"}""";

    /// <summary>The input schema of <c>bad_schema</c> with <see cref="ArraySchemaFlag"/>.</summary>
    public const string ArrayInputSchema = """{"type":"array"}""";

    /// <summary>Every tool name, in the order the server lists them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["get_weather", "add", "list_orders", "fail", "big", "crash", "slow", "weird-name.v2", "bad_schema", "echo", "forecast", "snapshot", TaskOnlyTool];

    /// <summary>The tool that <see cref="TaskSupportTransport"/> lists with <c>execution.taskSupport: "required"</c>: a plain call to it fails with -32601.</summary>
    public const string TaskOnlyTool = "long_job";

    /// <summary>The base64 of the 1×1 PNG that <c>snapshot</c> returns as image content.</summary>
    public const string SnapshotPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    /// <summary>The weather table of <c>get_weather</c> (city → °C, conditions); any other city gets <see cref="DefaultWeather"/>.</summary>
    public static IReadOnlyDictionary<string, (int TempC, string Conditions)> Weather { get; } =
        new Dictionary<string, (int, string)>(StringComparer.OrdinalIgnoreCase)
        {
            ["Paris"] = (18, "cloudy"),
            ["London"] = (12, "rainy"),
            ["Tokyo"] = (22, "sunny"),
            ["Berlin"] = (15, "cloudy"),
            ["Cairo"] = (34, "sunny"),
            ["Oslo"] = (-3, "snowy"),
        };

    /// <summary>The weather of a city missing from <see cref="Weather"/>.</summary>
    public static (int TempC, string Conditions) DefaultWeather { get; } = (20, "sunny");

    /// <summary>The orders of <c>list_orders</c>.</summary>
    public static IReadOnlyList<(string Id, string Customer, double Total, string Status)> Orders { get; } =
    [
        ("A-1001", "Acme Corp", 250.00, "shipped"),
        ("A-1002", "Globex", 99.50, "pending"),
        ("A-1003", "Initech", 1200.00, "shipped"),
        ("A-1004", "Umbrella", 45.25, "cancelled"),
        ("A-1005", "Acme Corp", 310.75, "pending"),
        ("A-1006", "Hooli", 780.00, "shipped"),
    ];

    internal static IEnumerable<McpServerTool> Create(bool arraySchema)
    {
        yield return Tool(
            "get_weather",
            "Current weather for a city: {city, tempC, conditions}. Deterministic test data.",
            """{"type":"object","properties":{"city":{"type":"string","description":"The city, for example Paris."}},"required":["city"]}""",
            """{"type":"object","properties":{"city":{"type":"string"},"tempC":{"type":"integer"},"conditions":{"type":"string","enum":["sunny","cloudy","rainy","snowy"]}},"required":["city","tempC","conditions"]}""",
            (args, _) =>
            {
                var city = Results.RequiredString(args, "get_weather", "city");
                var (tempC, conditions) = Weather.TryGetValue(city, out var known) ? known : DefaultWeather;
                return new(Results.Structured(new JsonObject { ["city"] = city, ["tempC"] = tempC, ["conditions"] = conditions }));
            });

        yield return Tool(
            "add",
            "Adds two numbers and returns the sum as text, for example \"5\".",
            """{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}""",
            null,
            (args, _) =>
            {
                var sum = Results.RequiredNumber(args, "add", "a") + Results.RequiredNumber(args, "add", "b");
                return new(Results.Text(JsonSerializer.Serialize(sum)));
            });

        yield return Tool(
            "list_orders",
            "Lists the orders {id, customer, total, status}, only those with the given status when one is given (shipped, pending or cancelled).",
            """{"type":"object","properties":{"status":{"type":"string","description":"shipped, pending or cancelled; all orders when left out."}}}""",
            """{"type":"object","properties":{"orders":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},"customer":{"type":"string"},"total":{"type":"number"},"status":{"type":"string"}},"required":["id","customer","total","status"]}}},"required":["orders"]}""",
            (args, _) =>
            {
                var status = Results.OptionalString(args, "status");
                var orders = new JsonArray();
                foreach (var order in Orders.Where(o => status is null || string.Equals(o.Status, status, StringComparison.OrdinalIgnoreCase)))
                {
                    orders.Add(new JsonObject { ["id"] = order.Id, ["customer"] = order.Customer, ["total"] = order.Total, ["status"] = order.Status });
                }

                return new(Results.Structured(new JsonObject { ["orders"] = orders }));
            });

        yield return Tool(
            "fail",
            "Always fails: returns an error result (isError true) whose text is the message.",
            """{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}""",
            null,
            (args, _) => new(Results.Error(Results.RequiredString(args, "fail", "message"))));

        yield return Tool(
            "big",
            "Returns a text result of exactly kilobytes × 1024 characters (ASCII lines of 64 characters, newline included).",
            """{"type":"object","properties":{"kilobytes":{"type":"integer","minimum":0,"maximum":65536}},"required":["kilobytes"]}""",
            null,
            (args, _) => new(Results.Text(BigText(Results.RequiredInteger(args, "big", "kilobytes", 0, 65536)))));

        yield return Tool(
            "crash",
            $"Ends the server process (exit code {CrashExitCode}) while handling the call; the call never gets a result.",
            """{"type":"object","properties":{}}""",
            null,
            (_, _) =>
            {
                Console.Error.WriteLine($"{ServerName}: crashing on purpose (crash tool)");
                Console.Error.Flush();
                Environment.Exit(CrashExitCode);
                return new(Results.Text("unreachable"));
            });

        yield return Tool(
            "slow",
            "Waits the given number of milliseconds, then returns \"done\". Honours cancellation.",
            """{"type":"object","properties":{"milliseconds":{"type":"integer","minimum":0,"maximum":600000}},"required":["milliseconds"]}""",
            null,
            async (args, cancellationToken) =>
            {
                var milliseconds = Results.RequiredInteger(args, "slow", "milliseconds", 0, 600_000);
                await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), cancellationToken).ConfigureAwait(false);
                return Results.Text("done");
            });

        yield return Tool(
            "weird-name.v2",
            "A tool whose name is not a valid identifier in JavaScript or C#. Returns \"ok\".",
            """{"type":"object","properties":{}}""",
            null,
            (_, _) => new(Results.Text("ok")));

        yield return Tool(
            "bad_schema",
            "A tool whose input schema is malformed. Returns \"ok\" whatever it is given.",
            arraySchema ? """{"type":"object"}""" : MalformedInputSchema,
            null,
            (_, _) => new(Results.Text("ok")));

        yield return Tool(
            "echo",
            "Returns its arguments unchanged, as a JSON object in structured and text content.",
            """{"type":"object","additionalProperties":true}""",
            null,
            (args, _) =>
            {
                var echoed = new JsonObject();
                foreach (var (name, value) in args.OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    echoed[name] = JsonNode.Parse(value.GetRawText());
                }

                return new(Results.Structured(echoed));
            });

        foreach (var tool in MoreTools())
        {
            yield return tool;
        }
    }

    private static IEnumerable<McpServerTool> MoreTools()
    {
        yield return Tool(
            "forecast",
            "The forecast for a city over some days.",
            """{"type":"object","properties":{"city":{"type":"string","description":"The city."},"units":{"type":"string","enum":["metric","imperial"],"default":"metric","description":"The units."},"days":{"type":"integer","minimum":1,"maximum":14,"default":3,"description":"How many days."}},"required":["city"]}""",
            null,
            (args, _) => new(Results.Text($"{Results.RequiredString(args, "forecast", "city")}: fine")));

        yield return Tool(
            "snapshot",
            $"Returns a 1×1 PNG as image content.",
            """{"type":"object","properties":{}}""",
            null,
            (_, _) => new(new CallToolResult { Content = [new ImageContentBlock { Data = Encoding.ASCII.GetBytes(SnapshotPng), MimeType = "image/png" }] }));

        yield return Tool(
            TaskOnlyTool,
            "A long job that must run as an MCP task (execution.taskSupport \"required\"); a plain call fails.",
            """{"type":"object","properties":{}}""",
            null,
            (_, _) => throw new McpProtocolException("Method not found: long_job must be called as a task", McpErrorCode.MethodNotFound));
    }

    private static TestTool Tool(
        string name,
        string description,
        string inputSchema,
        string? outputSchema,
        Func<IReadOnlyDictionary<string, JsonElement>, CancellationToken, ValueTask<CallToolResult>> handler) =>
        new(
            new Tool
            {
                Name = name,
                Description = description,
                InputSchema = Parse(inputSchema),
                OutputSchema = outputSchema is null ? null : Parse(outputSchema),
            },
            handler);

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string BigText(long kilobytes)
    {
        const string Line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n";
        var text = new StringBuilder((int)kilobytes * 1024);
        for (var i = 0; i < kilobytes * 16; i++)
        {
            text.Append(Line);
        }

        return text.ToString();
    }
}
