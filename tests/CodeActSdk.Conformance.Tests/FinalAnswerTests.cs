namespace CodeActSdk.Conformance.Tests;

/// <summary><c>final_answer</c> ends the execution with its value, and nothing in the code can intercept it.</summary>
public class FinalAnswerTests(Backend backend) : ConformanceTest(backend)
{
    [Test]
    public async Task Final_answer_ends_the_execution_and_carries_the_value()
    {
        var result = await RunAsync(
            "final_answer({ total: 42, items: ['a'] }); console.log('after');",
            "final_answer(new { total = 42, items = new[] { \"a\" } }); Console.WriteLine(\"after\");");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer!.Value.GetRawText().Should().Be("""{"total":42,"items":["a"]}""");
        result.Stdout.Should().NotContain("after");
    }

    [Test]
    public async Task A_catch_block_cannot_intercept_final_answer()
    {
        var result = await RunAsync(
            "try { final_answer(1); } catch (e) { console.log('caught'); }",
            "try { final_answer(1); } catch (Exception) { Console.WriteLine(\"caught\"); }");

        result.FinalAnswer!.Value.GetRawText().Should().Be("1");
        result.Stdout.Should().NotContain("caught");
    }
}
