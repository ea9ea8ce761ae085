namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// The code models actually write runs the same on every JavaScript backend: each snippet of <see cref="ModelSnippets"/>
/// gives exactly its expected value or output.
/// </summary>
public class ModelSnippetTests(Backend backend) : JavaScriptConformanceTest(backend)
{
    private static IEnumerable<TestCaseData> ValueSnippets() =>
        ModelSnippets.Values.Select(s => new TestCaseData(s.Code, s.ExpectedJson).SetArgDisplayNames(s.Name));

    private static IEnumerable<TestCaseData> PrintingSnippets() =>
        ModelSnippets.Printing.Select(s => new TestCaseData(s.Code, s.ExpectedStdout).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(ValueSnippets))]
    public async Task The_snippet_gives_its_value(string code, string expectedJson)
    {
        var result = await RunAsync(code);

        Json(result).Should().Be(expectedJson);
    }

    [TestCaseSource(nameof(PrintingSnippets))]
    public async Task The_snippet_prints_its_output(string code, string expectedStdout)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Stdout.Should().Be(expectedStdout);
    }
}
