namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// Every text the host copies out of the sandbox is bounded, whatever the code makes of it: the error's message and
/// name, the value, the final answer (as a whole and string by string), each with a note saying how much was cut.
/// </summary>
public class BoundedResultTests(Backend backend) : ConformanceTest(backend)
{
    private const int Huge = 8_000_000;

    private static readonly SandboxOptions Roomy = new() { MemoryLimitBytes = 512L * 1024 * 1024, MaxValueChars = 10_000 };

    [Test]
    public async Task A_huge_error_message_is_cut_to_the_bound()
    {
        var result = await RunAsync($"throw new Error('x'.repeat({Huge}));", $"throw new InvalidOperationException(new string('x', {Huge}));", Roomy);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Length.Should().BeLessThan(ExecutionError.MaxMessageChars + 100);
        result.Error.Message.Should().StartWith("xxxx").And.Contain("the message was cut");
    }

    [Test]
    public async Task A_huge_string_as_the_value_is_cut_to_the_value_bound()
    {
        var result = await RunAsync($"'v'.repeat({Huge})", $"new string('v', {Huge})", Roomy);

        Json(result).Length.Should().BeLessThan(Roomy.MaxValueChars + 200);
        Json(result).Should().Contain("vvvv").And.Contain("truncated");
    }

    [Test]
    public async Task A_huge_string_as_the_final_answer_is_cut_to_the_value_bound()
    {
        var result = await RunAsync($"final_answer('z'.repeat({Huge}));", $"final_answer(new string('z', {Huge}));", Roomy);

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer!.Value.GetRawText().Length.Should().BeLessThan(Roomy.MaxValueChars + 200);
        result.FinalAnswer.Value.GetRawText().Should().Contain("zzzz").And.Contain("truncated");
        result.Stdout.Should().Contain("the final answer was truncated");
    }

    [Test]
    public async Task A_final_answer_of_many_strings_is_cut_to_the_value_bound_as_a_whole()
    {
        var result = await RunAsync(
            "final_answer(Array.from({ length: 100 }, (_, i) => String(i).repeat(100000)));",
            "final_answer(Enumerable.Range(0, 100).Select(i => new string((char)('0' + i % 10), 100000)).ToList());",
            Roomy);

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer!.Value.GetRawText().Length.Should().BeLessThan(Roomy.MaxValueChars + 1_000);
    }
}

/// <summary>The texts only JavaScript lets the code choose freely: an error's name, a thrown plain value, an object's keys.</summary>
public class BoundedJavaScriptResultTests(Backend backend) : JavaScriptConformanceTest(backend)
{
    private static readonly SandboxOptions Roomy = new() { MemoryLimitBytes = 512L * 1024 * 1024, MaxValueChars = 10_000 };

    [Test]
    public async Task A_huge_error_name_is_cut_to_the_kind_bound()
    {
        var result = await RunAsync("const e = new Error('short'); e.name = 'N'.repeat(8000000); throw e;", Roomy);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Length.Should().BeLessThan(ExecutionError.MaxKindChars + 100);
        result.Error.Kind.Value.Should().StartWith("NNNN").And.Contain("the name was cut");
    }

    [Test]
    public async Task A_huge_thrown_plain_value_is_cut_to_the_message_bound()
    {
        var result = await RunAsync("throw { message: 'm'.repeat(8000000), stack: 's'.repeat(8000000) };", Roomy);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Length.Should().BeLessThan(ExecutionError.MaxMessageChars + 100);
    }

    [Test]
    public async Task A_huge_key_in_the_value_is_cut_to_the_value_bound()
    {
        var result = await RunAsync("({ ['k'.repeat(8000000)]: 1 })", Roomy);

        Json(result).Length.Should().BeLessThan(Roomy.MaxValueChars + 200);
    }
}
