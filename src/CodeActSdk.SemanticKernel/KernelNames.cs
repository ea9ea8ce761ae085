namespace CodeActSdk.SemanticKernel;

/// <summary>Checks plugin and function names before Semantic Kernel does, so that the error names the parameter.</summary>
internal static class KernelNames
{
    public static void ThrowIfInvalid(string? name, string parameterName)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid Semantic Kernel name: use only ASCII letters, digits and underscores, for example 'solve_with_code'.",
                parameterName);
        }
    }
}
