using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CodeActSdk.Mcp.Server;

/// <summary>The artifacts of recent executions as one MCP resource template, <c>codeact://artifacts/{execution}/{+path}</c>.</summary>
internal sealed class ArtifactResource(ArtifactStore store) : McpServerResource
{
    public override ResourceTemplate ProtocolResourceTemplate { get; } = new()
    {
        Name = "artifacts",
        Title = "Files written by executed code",
        UriTemplate = ArtifactStore.Prefix + "{execution}/{+path}",
        Description = "A file that code run by execute_code wrote under out/; execute_code's result links to each. Recent executions' files are kept up to a size budget, the oldest forgotten first.",
    };

    public override IReadOnlyList<object> Metadata => [];

    public override bool IsMatch(string uri) => uri is not null && uri.StartsWith(ArtifactStore.Prefix, StringComparison.Ordinal);

    public override ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.Params?.Uri ?? "";
        var artifact = store.Find(uri)
            ?? throw new McpProtocolException(
                $"No artifact at {uri}: the URI is not one execute_code returned, or its file was forgotten to keep the server's artifact store within its size (run the code again to write it anew).",
                McpErrorCode.ResourceNotFound);
        ResourceContents contents = ArtifactContent.IsText(artifact.MediaType)
            ? new TextResourceContents { Uri = uri, MimeType = artifact.MediaType, Text = artifact.ReadText() }
            : BlobResourceContents.FromBytes(artifact.Content, uri, artifact.MediaType);
        return ValueTask.FromResult(new ReadResourceResult { Contents = [contents] });
    }
}

/// <summary>How an artifact is shown to an MCP client.</summary>
internal static class ArtifactContent
{
    /// <summary>Whether the media type is text a host can show as it is (text/*, JSON, XML, JavaScript, CSV).</summary>
    public static bool IsText(string mediaType) =>
        mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
        || mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase)
        || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
        || mediaType is "application/xml" or "application/javascript" or "image/svg+xml";

    /// <summary>Whether the media type is a raster image hosts show as image content.</summary>
    public static bool IsImage(string mediaType) =>
        mediaType is "image/png" or "image/jpeg" or "image/gif" or "image/webp";
}
