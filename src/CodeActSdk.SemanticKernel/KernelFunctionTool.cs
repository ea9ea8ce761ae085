using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace CodeActSdk.SemanticKernel;

/// <summary>
/// A <see cref="KernelFunction"/> as a sandbox tool: the function itself (a <see cref="KernelFunction"/> is an
/// <see cref="AIFunction"/>, so its name, description and parameter schema pass through), plus the return schema a
/// kernel function keeps in its metadata rather than in <see cref="AIFunctionDeclaration.ReturnJsonSchema"/>.
/// </summary>
internal sealed class KernelFunctionTool : DelegatingAIFunction
{
    public KernelFunctionTool(KernelFunction function)
        : base(function)
    {
        ReturnJsonSchema = ReturnSchemaOf(function.Metadata.ReturnParameter);
    }

    public override JsonElement? ReturnJsonSchema { get; }

    // The schema of the return value with its [return: Description], or none for a function that returns nothing.
    private static JsonElement? ReturnSchemaOf(KernelReturnParameterMetadata returns)
    {
        if (returns.Schema?.RootElement is not { ValueKind: JsonValueKind.Object } schema)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(returns.Description) || schema.TryGetProperty("description", out _))
        {
            return schema.Clone();
        }

        var node = JsonNode.Parse(schema.GetRawText())!.AsObject();
        node["description"] = returns.Description;
        return JsonSerializer.SerializeToElement(node);
    }
}
