namespace CodeActSdk.Conformance.Tests;

/// <summary>Failures of the code are results with a kind, a message and the line in the code as written.</summary>
public class ErrorTests(Backend backend) : ConformanceTest(backend)
{
    [Test]
    public async Task A_syntax_error_names_its_line_and_nothing_runs()
    {
        var result = await RunAsync("console.log('ran');\nvar b = ;", "Console.WriteLine(\"ran\");\nvar b = ;");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error!.Line.Should().Be(2);
        result.Stdout.Should().BeEmpty();
    }

    [Test]
    public async Task A_thrown_error_keeps_its_kind_message_and_line()
    {
        var result = await RunAsync(
            "var a = 1;\n\nthrow new RangeError('too big');",
            "var a = 1;\n\nthrow new ArgumentOutOfRangeException(\"a\", \"too big\");");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Should().Be(Backend.Code("RangeError", "ArgumentOutOfRangeException"));
        result.Error.Message.Should().Contain("too big");
        result.Error.Line.Should().Be(3);
    }

    [Test]
    public async Task Output_before_a_runtime_error_is_kept()
    {
        var result = await RunAsync("console.log('step 1');\nnull.x;", "Console.WriteLine(\"step 1\");\nstring s = null; var n = s.Length;");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Should().Be(Backend.Code("TypeError", "NullReferenceException"));
        result.Error.Line.Should().Be(2);
        result.Stdout.Should().Be("step 1\n");
    }
}
