using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CodeActSdk.Mcp;

/// <summary>
/// One MCP tool as an <see cref="AIFunction"/> for the sandbox's tool bridge: a valid identifier, the server's schema,
/// a group naming the server, and a call that turns every way it can go wrong into a <see cref="McpToolException"/>.
/// </summary>
internal sealed class McpBridgedTool : AIFunction
{
    private static readonly JsonElement AnyObject = JsonDocument.Parse("""{"type":"object","additionalProperties":true}""").RootElement.Clone();

    private readonly McpClient _client;
    private readonly string _server;
    private readonly string _tool;
    private readonly StandardErrorTail _standardError;
    private readonly McpToolSourceOptions _options;

    public McpBridgedTool(McpClient client, string server, McpClientTool tool, string name, StandardErrorTail standardError, McpToolSourceOptions options)
    {
        _client = client;
        _server = server;
        _tool = tool.Name;
        _standardError = standardError;
        _options = options;
        Name = name;
        var description = string.IsNullOrWhiteSpace(tool.Description) ? $"The tool '{tool.Name}' of the MCP server '{server}'." : tool.Description.Trim();
        var schema = tool.ProtocolTool.InputSchema;
        if (IsObjectSchema(schema))
        {
            JsonSchema = schema.Clone();
        }
        else
        {
            JsonSchema = AnyObject;
            Problem = $"The MCP tool '{tool.Name}' of server '{server}' has a malformed input schema (it must be an object schema whose properties are schemas and whose \"required\" is a list); it is offered without parameter documentation.";
            description += " (Its parameters are not documented: pass one object of named arguments.)";
        }

        Description = description;
        ReturnJsonSchema = tool.ProtocolTool.OutputSchema is { ValueKind: JsonValueKind.Object } output ? output.Clone() : null;
        AdditionalProperties = new Dictionary<string, object?> { [Tools.ToolDescriptor.GroupProperty] = server };
    }

    public override string Name { get; }

    public override string Description { get; }

    public override JsonElement JsonSchema { get; }

    public override JsonElement? ReturnJsonSchema { get; }

    public override IReadOnlyDictionary<string, object?> AdditionalProperties { get; }

    /// <summary>Why the tool is offered in a reduced form, when it is.</summary>
    public string? Problem { get; }

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.CallTimeout);
        CallToolResult result;
        try
        {
            result = await _client.CallToolAsync(_tool, arguments.ToDictionary(a => a.Key, a => a.Value), cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new McpToolException($"the MCP tool '{_tool}' of server '{_server}' did not answer within {_options.CallTimeout.TotalSeconds:0.#} s.");
        }
        catch (McpProtocolException e)
        {
            throw new McpToolException($"the MCP server '{_server}' refused the call to '{_tool}': {WithoutPrefix(e.Message)}", e);
        }
        catch (Exception e) when (e is not OperationCanceledException and not McpToolException)
        {
            throw new McpToolException($"the MCP server '{_server}' could not run '{_tool}'; it may have stopped, and its tools cannot be called any more in this run: {WithoutPrefix(e.Message)}{_standardError.Describe()}", e);
        }

        return Convert(result);
    }

    /// <summary>The structured content when there is one; otherwise the text (parsed when it is JSON), or a list of the content blocks.</summary>
    private JsonElement Convert(CallToolResult result)
    {
        if (result.IsError == true)
        {
            var message = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
            throw new McpToolException($"the MCP tool '{_tool}' of server '{_server}' reported an error: {(message.Length == 0 ? "it gave no reason" : Shorten(WithoutPrefix(message)))}");
        }

        JsonElement value;
        if (result.StructuredContent is { } structured)
        {
            value = JsonSerializer.SerializeToElement(structured);
        }
        else
        {
            var blocks = result.Content.Select(Describe).ToArray();
            value = blocks.Length == 1 ? blocks[0] : JsonSerializer.SerializeToElement(blocks);
        }

        var size = value.GetRawText().Length;
        if (size > _options.MaxResultChars)
        {
            throw new McpToolException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the result of the MCP tool '{_tool}' of server '{_server}' is {size:N0} characters of JSON; the limit is {_options.MaxResultChars:N0}. Ask the tool for less (filter or page)."));
        }

        return value;
    }

    /// <summary>
    /// A content block as the code sees it. Images and audio carry their base64 data when it is at most
    /// <see cref="McpToolSourceOptions.MaxBinaryContentChars"/> characters; larger ones say so instead.
    /// </summary>
    private JsonElement Describe(ContentBlock block) => block switch
    {
        TextContentBlock text => ParseOrString(text.Text),
        ImageContentBlock image => Binary("image", image.MimeType, System.Text.Encoding.ASCII.GetString(image.Data.Span)),
        AudioContentBlock audio => Binary("audio", audio.MimeType, System.Text.Encoding.ASCII.GetString(audio.Data.Span)),
        ResourceLinkBlock link => JsonSerializer.SerializeToElement(new { type = "resource_link", uri = link.Uri, name = link.Name }),
        EmbeddedResourceBlock { Resource: BlobResourceContents blob } => Binary("resource", blob.MimeType, System.Text.Encoding.ASCII.GetString(blob.Blob.Span), blob.Uri),
        EmbeddedResourceBlock embedded => JsonSerializer.SerializeToElement(new { type = "resource", uri = embedded.Resource.Uri, mimeType = embedded.Resource.MimeType, text = (embedded.Resource as TextResourceContents)?.Text }),
        _ => JsonSerializer.SerializeToElement(new { type = block.Type }),
    };

    private JsonElement Binary(string type, string? mimeType, string base64, string? uri = null) => base64.Length <= _options.MaxBinaryContentChars
        ? JsonSerializer.SerializeToElement(new { type, uri, mimeType, data = base64, base64Length = base64.Length }, SkipNulls)
        : JsonSerializer.SerializeToElement(new
        {
            type,
            uri,
            mimeType,
            base64Length = base64.Length,
            note = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The data ({base64.Length:N0} base64 characters) is larger than the {_options.MaxBinaryContentChars:N0} handed to code (McpToolSourceOptions.MaxBinaryContentChars), so it is left out."),
        }, SkipNulls);

    private static readonly JsonSerializerOptions SkipNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The SDK's "MCP error -32603: " prefix carries nothing the code can use; the rest is the reason.</summary>
    private static string WithoutPrefix(string message)
    {
        const string Prefix = "MCP error ";
        if (!message.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return message;
        }

        var colon = message.IndexOf(": ", Prefix.Length, StringComparison.Ordinal);
        return colon < 0 ? message : message[(colon + 2)..];
    }

    private static JsonElement ParseOrString(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[' or '"' || trimmed is "true" or "false" or "null" || double.TryParse(trimmed, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON after all: the text itself is the value.
            }
        }

        return JsonSerializer.SerializeToElement(text);
    }

    /// <summary>
    /// Whether <paramref name="schema"/> is an object schema the prompt can document: <c>"type": "object"</c> (or no
    /// type), properties that are each a schema, and <c>required</c> a list of names.
    /// </summary>
    private static bool IsObjectSchema(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object
        && (!schema.TryGetProperty("type", out var type) || type.ValueKind == JsonValueKind.String && type.GetString() == "object")
        && (!schema.TryGetProperty("properties", out var properties)
            || properties.ValueKind == JsonValueKind.Object && properties.EnumerateObject().All(p => p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        && (!schema.TryGetProperty("required", out var required)
            || required.ValueKind == JsonValueKind.Array && required.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String));

    private static string Shorten(string text) => text.Length <= 2000 ? text : text[..2000] + "…";
}
