using System.Text.RegularExpressions;

namespace CodeActSdk.Packaging.Tests;

/// <summary>
/// The example of a package's README.md: the packages its <c>dotnet add package</c> lines name, and its one
/// <c>```csharp</c> block, a complete program. A line <c>&lt;!-- example: compile-only, needs … --&gt;</c> right before
/// the block says that running it needs something outside the process (a model endpoint), so it is only built.
/// </summary>
internal sealed partial record ReadmeExample(string Package, IReadOnlyList<string> Packages, string Program, string? CompileOnlyBecause)
{
    /// <summary>Reads the example of <paramref name="package"/>'s README, or null when the README has no C# block (the tool's).</summary>
    /// <exception cref="FormatException">The README has more than one C# block, or none and no package lines.</exception>
    public static ReadmeExample? Read(string package, string readmePath)
    {
        var text = File.ReadAllText(readmePath).Replace("\r\n", "\n", StringComparison.Ordinal);
        var blocks = CSharpBlock().Matches(text);
        if (blocks.Count > 1)
        {
            throw new FormatException($"{readmePath} has {blocks.Count} ```csharp blocks; a package README has one example.");
        }

        if (blocks.Count == 0)
        {
            return null;
        }

        var packages = AddPackageLine().Matches(text).Select(m => m.Groups["id"].Value).Distinct().ToList();
        if (!packages.Contains(package))
        {
            throw new FormatException($"{readmePath} does not say 'dotnet add package {package}'.");
        }

        var marker = blocks[0].Groups["marker"];
        return new ReadmeExample(package, packages, blocks[0].Groups["code"].Value, marker.Success ? marker.Value.Trim() : null);
    }

    [GeneratedRegex(@"^dotnet add package (?<id>[A-Za-z0-9_.]+)", RegexOptions.Multiline)]
    private static partial Regex AddPackageLine();

    [GeneratedRegex(@"(?:<!-- example: compile-only,(?<marker>[^>]*?)-->\n)?^```csharp\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
