using Microsoft.CodeAnalysis;

namespace CodeActSdk.Roslyn.Policy;

/// <summary>
/// The rule that keeps the code's types out of the serializer cache the whole host process shares.
/// <c>JsonValue.Create&lt;T&gt;</c>, <c>JsonArray.Add&lt;T&gt;</c> and <c>JsonNode.ReplaceWith&lt;T&gt;</c> convert
/// their value with <c>JsonSerializerOptions.Default</c>, whose metadata about <c>T</c> (and, for <c>object</c>, about
/// the value's own type) stays for the life of the process: a session's types would never be unloaded, and no
/// sandbox setting (such as the refusal to wait for a task) applies there. Those calls are allowed for plain JSON
/// values (numbers, strings, booleans, dates, JSON nodes), and refused for anything else, with the way out:
/// <c>JsonSerializer.SerializeToNode(value)</c>, which uses the session's own options.
/// </summary>
internal static class SharedJsonDefaultsRule
{
    public const string Reason =
        "it converts values other than numbers, strings, booleans and dates with the host process's shared JsonSerializerOptions.Default, which would keep your types for the life of the host: convert the value first with JsonSerializer.SerializeToNode(value)";

    private const string NodesNamespace = "System.Text.Json.Nodes";

    private static readonly HashSet<string> PlainTypes = new(StringComparer.Ordinal)
    {
        "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan", "System.Guid", "System.Half",
        "System.Int128", "System.UInt128", "System.Text.Json.JsonElement",
    };

    /// <summary>Why calling <paramref name="method"/> would put a type in the shared cache, or <see langword="null"/>.</summary>
    public static string? Refusal(IMethodSymbol method)
    {
        if (!method.IsGenericMethod || method.ContainingNamespace?.ToDisplayString() != NodesNamespace)
        {
            return null;
        }

        // Only the methods that take a value of their type parameter convert it (Create, Add, ReplaceWith); the
        // readers (GetValue<T>, TryGetValue<T>) convert nothing of the code's.
        var definition = method.OriginalDefinition;
        for (var i = 0; i < definition.TypeParameters.Length; i++)
        {
            var typeParameter = definition.TypeParameters[i];
            var takesValue = definition.Parameters.Any(p => p.RefKind != RefKind.Out && SymbolEqualityComparer.Default.Equals(p.Type, typeParameter));
            if (takesValue && !IsPlainJson(method.TypeArguments[i]))
            {
                return Reason;
            }
        }

        return null;
    }

    private static bool IsPlainJson(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            return IsPlainJson(nullable.TypeArguments[0]);
        }

        if (type.SpecialType is SpecialType.System_Boolean or SpecialType.System_Char or SpecialType.System_SByte or SpecialType.System_Byte
            or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
            or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Single or SpecialType.System_Double
            or SpecialType.System_Decimal or SpecialType.System_String or SpecialType.System_DateTime)
        {
            return true;
        }

        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            if (t.ContainingNamespace?.ToDisplayString() == NodesNamespace && t.Name == "JsonNode")
            {
                return true;
            }
        }

        return PlainTypes.Contains(type.ToDisplayString());
    }
}
