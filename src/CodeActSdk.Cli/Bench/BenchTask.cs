using System.Text.Json;

namespace CodeActSdk.Cli.Bench;

/// <summary>
/// One task of the cross-backend suite, read from a Markdown file: a title, a category, a JSON input (handed to the
/// code as the JSON text in a string variable <c>input</c>), the exact expected answer, and the same solution in
/// JavaScript and in C#, each of which ends with <c>final_answer(...)</c>.
/// </summary>
/// <remarks>
/// The file layout: <c># Title</c>, a description, <c>- category: NAME</c>, then the sections <c>## input</c> and
/// <c>## expected</c> (each a <c>json</c> fence) and <c>## javascript</c> and <c>## csharp</c> (each a fenced code
/// block). benchmarks/tasks holds the suite; adding a file adds a task.
/// </remarks>
internal sealed record BenchTask(string Name, string Title, string Category, string Input, JsonElement Expected, string JavaScript, string CSharp)
{
    /// <summary>The solution in the language of <paramref name="backend"/>.</summary>
    public string SolutionFor(string backend) => backend == Commands.Backends.CSharp ? CSharp : JavaScript;

    /// <summary>
    /// The hidden first step that defines <c>input</c>. A JSON string literal is also a valid string literal in
    /// JavaScript and in C#, so both languages get the same line.
    /// </summary>
    public string InputStep => $"var input = {JsonSerializer.Serialize(Input)};";

    /// <summary>Reads a task file.</summary>
    /// <exception cref="InvalidDataException">The file does not follow the layout; the message names the file and what is wrong.</exception>
    public static BenchTask Load(string path)
    {
        var lines = File.ReadAllLines(path);
        InvalidDataException Bad(string problem) => new($"{path}: {problem}");

        var title = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Trim() ?? throw Bad("no '# Title' line.");
        var category = lines.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("- category:", StringComparison.Ordinal))?["- category:".Length..].Trim();
        var input = Section(lines, "input") ?? throw Bad("no '## input' section with a ```json block.");
        var expected = Section(lines, "expected") ?? throw Bad("no '## expected' section with a ```json block.");
        var javaScript = Section(lines, "javascript") ?? throw Bad("no '## javascript' section with a fenced code block.");
        var cSharp = Section(lines, "csharp") ?? throw Bad("no '## csharp' section with a fenced code block.");
        try
        {
            using (JsonDocument.Parse(input))
            {
            }

            using var answer = JsonDocument.Parse(expected);
            return new BenchTask(Path.GetFileNameWithoutExtension(path), title, string.IsNullOrEmpty(category) ? "other" : category, input, answer.RootElement.Clone(), javaScript, cSharp);
        }
        catch (JsonException e)
        {
            throw Bad($"the input or the expected answer is not valid JSON ({e.Message})");
        }
    }

    /// <summary>The first fenced block after the heading <c>## name</c>, or null.</summary>
    private static string? Section(string[] lines, string name)
    {
        var heading = Array.FindIndex(lines, l => l.Trim().Equals("## " + name, StringComparison.OrdinalIgnoreCase));
        if (heading < 0)
        {
            return null;
        }

        var open = Array.FindIndex(lines, heading + 1, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
        if (open < 0 || lines.Skip(heading + 1).Take(open - heading - 1).Any(l => l.StartsWith("## ", StringComparison.Ordinal)))
        {
            return null;
        }

        var close = Array.FindIndex(lines, open + 1, l => l.Trim() == "```");
        return close < 0 ? null : string.Join("\n", lines[(open + 1)..close]);
    }
}
