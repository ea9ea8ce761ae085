namespace CodeActSdk.Conformance.Tests;

/// <summary>What the code prints comes back with its execution, in order, bounded, and never mixed with another's.</summary>
public class OutputTests(Backend backend) : ConformanceTest(backend)
{
    [Test]
    public async Task Printed_lines_come_back_in_order()
    {
        var result = await RunAsync("console.log('a', 1); console.log('b');", "Console.WriteLine(\"a 1\"); Console.WriteLine(\"b\");");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Stdout.Should().Be("a 1\nb\n");
    }

    [Test]
    public async Task Output_is_bounded_with_a_note()
    {
        var result = await RunAsync(
            "for (var i = 0; i < 1000; i++) { console.log('0123456789'); }",
            "for (var i = 0; i < 1000; i++) { Console.WriteLine(\"0123456789\"); }",
            new SandboxOptions { MaxOutputChars = 100 });

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Stdout.Should().StartWith("0123456789\n0123456789").And.Contain("[output truncated: 10,900 more characters were dropped; the limit is 100]");
    }

    [Test]
    public async Task The_output_listener_hears_what_is_kept_as_it_is_printed()
    {
        var heard = new System.Collections.Concurrent.ConcurrentQueue<string>();

        var result = await RunAsync(
            "console.log('one'); console.log('two'); console.log('0123456789'.repeat(20));",
            "Console.WriteLine(\"one\"); Console.WriteLine(\"two\"); Console.WriteLine(new string('x', 200));",
            new SandboxOptions { MaxOutputChars = 20, OutputListener = heard.Enqueue });

        if (Backend.Name.EndsWith("-process", StringComparison.Ordinal))
        {
            // Sessions in a worker process print in the worker: SandboxOptions.OutputListener documents that it is not called.
            heard.Should().BeEmpty();
            result.Stdout.Should().StartWith("one\ntwo\n");
            return;
        }

        string.Concat(heard).Should().Be(result.Stdout[..20], "the listener hears exactly the text kept, in order");
    }

    [Test]
    public async Task Each_execution_returns_only_its_own_output()
    {
        await using var session = await NewSessionAsync();
        await RunAsync(session, "console.log('first');", "Console.WriteLine(\"first\");");

        (await RunAsync(session, "console.log('second');", "Console.WriteLine(\"second\");")).Stdout.Should().Be("second\n");
    }
}
