using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace CodeActSdk.SemanticKernel;

/// <summary>
/// A <see cref="KernelFunction"/> as a sandbox tool: the function itself (a <see cref="KernelFunction"/> is an
/// <see cref="AIFunction"/>, so its name, description and parameter schema pass through), plus the return schema a
/// kernel function keeps in its metadata rather than in <see cref="AIFunctionDeclaration.ReturnJsonSchema"/>. Calls go
/// through <see cref="KernelFunction.InvokeAsync(Kernel, KernelArguments?, CancellationToken)"/>, so that the kernel's
/// function invocation filters see them (an <see cref="AIFunction"/> call of a kernel function skips the filters).
/// </summary>
internal sealed class KernelFunctionTool : DelegatingAIFunction
{
    private readonly KernelFunction _function;
    private readonly Kernel _kernel;

    public KernelFunctionTool(KernelFunction function, Kernel kernel)
        : base(function)
    {
        _function = function;
        _kernel = kernel;
        ReturnJsonSchema = ReturnSchemaOf(function.Metadata.ReturnParameter);
    }

    public override JsonElement? ReturnJsonSchema { get; }

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var result = await _function.InvokeAsync(_kernel, new KernelArguments(arguments), cancellationToken).ConfigureAwait(false);
        return result.GetValue<object>() is { } value ? JsonSerializer.SerializeToElement(value, value.GetType(), _function.JsonSerializerOptions) : null;
    }

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
