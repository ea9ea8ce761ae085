using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Mcp.Server;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static CodeActSdk.Mcp.Tests.ServerProcess;

namespace CodeActSdk.Mcp.Tests;

/// <summary>
/// The input schemas <c>codeact mcp</c> lists and the arguments its tools accept agree exactly: for every tool and
/// every property, a value breaking each rule of the schema is refused with a message naming the argument, and values
/// the schema allows (its edges included) pass the argument check. The cases are derived from the listed schemas, so
/// a rule added to a schema is tested without a new test.
/// </summary>
[NonParallelizable]
public sealed class SchemaAgreementTests
{
    private McpClient _client = null!;
    private IList<McpClientTool> _tools = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _client = await StartCodeActMcpAsync(["--max-code-chars", "50"]);
        _tools = await _client.ListToolsAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _client.DisposeAsync();

    [Test]
    public async Task Every_rule_of_every_input_schema_is_enforced_with_a_message_naming_the_argument()
    {
        var checkedRules = 0;
        foreach (var tool in _tools)
        {
            var schema = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!.AsObject();
            var properties = schema["properties"]!.AsObject();
            var valid = ValidArguments(schema);
            foreach (var (name, property) in properties)
            {
                foreach (var (why, bad) in Violations(property!.AsObject()))
                {
                    var arguments = new Dictionary<string, object?>(valid) { [name] = bad };
                    var result = await _client.CallToolAsync(tool.Name, arguments);

                    result.IsError.Should().BeTrue($"{tool.Name}.{name} {why} must be refused");
                    Text(result).Should().StartWith($"'{name}'", $"the message of {tool.Name}.{name} {why} names the argument");
                    checkedRules++;
                }
            }

            foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
            {
                var arguments = new Dictionary<string, object?>(valid);
                arguments.Remove(required);
                var result = await _client.CallToolAsync(tool.Name, arguments);

                result.IsError.Should().BeTrue();
                Text(result).Should().Be($"{tool.Name} needs '{required}' ({Needs(properties[required]!.AsObject())}).");
                checkedRules++;
            }

            if (schema["additionalProperties"]?.GetValue<bool>() == false)
            {
                var result = await _client.CallToolAsync(tool.Name, new Dictionary<string, object?>(valid) { ["not_an_argument"] = 1 });
                Text(result).Should().StartWith("Unknown argument 'not_an_argument'");
                checkedRules++;
            }
        }

        checkedRules.Should().BeGreaterThan(25);
    }

    [Test]
    public async Task Values_the_schema_allows_pass_the_argument_check_edges_included()
    {
        foreach (var tool in _tools)
        {
            var schema = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!.AsObject();
            var valid = ValidArguments(schema);
            foreach (var (name, property) in schema["properties"]!.AsObject())
            {
                foreach (var good in Allowed(property!.AsObject()))
                {
                    var arguments = new Dictionary<string, object?>(valid) { [name] = good };
                    var result = await _client.CallToolAsync(tool.Name, arguments);

                    // A tool may still refuse for a reason outside the schema (no such session); never for the argument's form.
                    var text = result.Content.OfType<TextContentBlock>().First().Text;
                    text.Should().NotStartWith($"'{name}'", $"{tool.Name}.{name} = {JsonSerializer.Serialize(good)} is allowed by the schema");
                    text.Should().NotContain("needs '").And.NotStartWith("Unknown argument");
                }
            }
        }
    }

    [Test]
    public async Task Code_past_the_servers_size_limit_is_refused_with_its_own_error_in_every_backend()
    {
        foreach (var backend in new[] { "jint", "csharp", "v8" }.Where(b => b != "v8" || CodeActSdk.V8.V8Interpreter.IsAvailable(out _)))
        {
            var fits = await _client.CallToolAsync("execute_code", new Dictionary<string, object?> { ["backend"] = backend, ["code"] = "1 + 1" + new string(' ', 45) });
            var tooLong = await _client.CallToolAsync("execute_code", new Dictionary<string, object?> { ["backend"] = backend, ["code"] = "1 + 1" + new string(' ', 46) });

            fits.IsError.Should().NotBe(true, Text(fits));
            tooLong.IsError.Should().BeTrue();
            Text(tooLong).Should().Be("'code' is 51 characters long; this server accepts at most 50.");
        }
    }

    [Test]
    public void A_schema_keyword_the_check_does_not_enforce_is_refused_when_the_tool_is_built()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer","multipleOf":2}}}""");

        var build = () => ToolArguments.EnsureEnforceable("t", schema.RootElement);

        build.Should().Throw<InvalidOperationException>().WithMessage("*'multipleOf' on 'n'*");
    }

    /// <summary>Arguments that satisfy every rule: the first enum value, or a short string, or the minimum.</summary>
    private static Dictionary<string, object?> ValidArguments(JsonObject schema)
    {
        var arguments = new Dictionary<string, object?>();
        foreach (var required in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
        {
            arguments[required] = Allowed(schema["properties"]![required]!.AsObject()).First();
        }

        return arguments;
    }

    private static IEnumerable<object?> Allowed(JsonObject property)
    {
        if (property["enum"] is JsonArray values)
        {
            return values.Select(v => (object?)v!.GetValue<string>());
        }

        return (string?)property["type"] switch
        {
            "string" => [
                new string('a', (int?)property["minLength"] ?? 0) is { Length: > 0 } min ? min : "",
                new string('z', Math.Min((int?)property["maxLength"] ?? 10, 200)),
                "ünïcødé 😀"[..Math.Min(9, (int?)property["maxLength"] ?? 9)],
            ],
            "integer" => [(long?)property["minimum"] ?? 0, 1.0 * ((long?)property["minimum"] ?? 0) + 100, 1e12],
            _ => [],
        };
    }

    private static IEnumerable<(string Why, object? Value)> Violations(JsonObject property)
    {
        var type = (string?)property["type"];
        yield return ("as null", null);
        yield return ("as the wrong type", type == "string" ? 12 : "12");
        if (type == "integer")
        {
            yield return ("as a fraction", 1.5);
        }

        if (property["enum"] is JsonArray values)
        {
            yield return ("outside its enum", values[0]!.GetValue<string>().ToUpperInvariant());
        }

        if ((int?)property["minLength"] is { } minLength)
        {
            yield return ("shorter than minLength", new string('a', minLength - 1));
        }

        if ((int?)property["maxLength"] is { } maxLength && maxLength <= 200_000)
        {
            yield return ("longer than maxLength", new string('a', maxLength + 1));
        }

        if (property["pattern"] is not null)
        {
            yield return ("against its pattern", "a\nb");
        }

        if ((long?)property["minimum"] is { } minimum)
        {
            yield return ("below its minimum", minimum - 1);
        }
    }

    private static string Needs(JsonObject property) => property["enum"] is JsonArray values
        ? $"one of {string.Join(", ", values.Select(v => v!.ToJsonString()))}"
        : (string?)property["type"] switch
        {
            "string" when property["maxLength"] is { } max => $"a string of at most {(int)max:#,0} characters",
            "string" => "a string",
            _ => "a value",
        };
}
