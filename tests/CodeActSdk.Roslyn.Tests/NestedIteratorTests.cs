namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// A sequence built from tens of thousands of nested LINQ calls runs as that many nested library calls (enumerators,
/// or delegates the library combines), with no guard between them: the guard at the code's lambda at the bottom stops
/// it as a RecursionLimit, and the error says what happened without reading the whole depth of the stack again.
/// </summary>
public class NestedIteratorTests : RoslynTestBase
{
    [TestCase("IEnumerable<int> q = Enumerable.Range(0, 10); for (var i = 0; i < 60_000; i++) q = q.Select(x => x + 1); q.Sum()")]
    [TestCase("IEnumerable<int> q = Enumerable.Range(0, 10); for (var i = 0; i < 150_000; i++) q = q.Where(x => x >= 0); q.Count()")]
    [TestCase("IEnumerable<int> q = new List<int> { 3, 1, 2 }; for (var i = 0; i < 60_000; i++) q = q.OrderBy(x => x); q.First()")]
    public async Task Nested_library_calls_end_as_a_recursion_limit_that_names_them(string code)
    {
        var result = await RunAsync(code, new SandboxOptions { Timeout = TimeSpan.FromSeconds(60), MaxOperations = long.MaxValue });

        result.Status.Should().Be(ExecutionStatus.RuntimeError, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
        result.Error.Message.Should().Contain("inside library calls").And.Contain("nested LINQ calls");
    }

    [TestCase("int F(int n) => F(n + 1) + 1; F(0)")]
    [TestCase("Func<int, int> f = x => x; for (var i = 0; i < 60_000; i++) { var g = f; f = x => g(x) + 1; } f(1)")]
    public async Task Recursion_through_the_code_s_own_calls_keeps_its_message(string code)
    {
        var result = await RunAsync(code);

        result.Error!.Kind.Should().Be(ErrorKind.RecursionLimit);
        result.Error.Message.Should().Contain("recursion deeper than the limit");
    }

    [Test]
    public async Task Pipelines_of_realistic_depth_run()
    {
        var result = await RunAsync("IEnumerable<int> q = Enumerable.Range(0, 1000); for (var i = 0; i < 200; i++) q = q.Where(x => x % 7 != i % 7 || i < 100).Select(x => x + 1); q.Count()");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
    }
}
