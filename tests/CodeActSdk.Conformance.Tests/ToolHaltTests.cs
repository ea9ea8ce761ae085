using Microsoft.Extensions.AI;

namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// A tool that throws <see cref="ExecutionHaltException"/> (as the agent's approval gate does to suspend a run) ends
/// the execution at the call on every backend, in process and in a worker: the code cannot catch it, no later tool
/// runs (not in a catch, a finally or a callback), and the result carries the halt's status and error.
/// </summary>
public class ToolHaltTests(Backend backend) : ConformanceTest(backend)
{
    private readonly List<string> _marks = [];

    private SandboxOptions WithTools => new()
    {
        Tools =
        [
            AIFunctionFactory.Create(string () => throw new ExecutionHaltException(ExecutionStatus.Cancelled, ErrorKind.ApprovalRequired, "waits for approval"), "halt", "Halts the execution."),
            AIFunctionFactory.Create(
                (string mark) =>
                {
                    lock (_marks)
                    {
                        _marks.Add(mark);
                    }

                    return mark;
                },
                "mark",
                "Records a mark."),
        ],
    };

    [SetUp]
    public void Clear() => _marks.Clear();

    [Test]
    public async Task A_halting_tool_ends_the_execution_there_with_its_status_and_error()
    {
        var result = await RunAsync("mark('before'); halt(); mark('after');", "tools.Mark(\"before\"); tools.Halt(); tools.Mark(\"after\");", WithTools);

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        result.Error!.Kind.Should().Be(ErrorKind.ApprovalRequired);
        result.Error.Message.Should().Be("waits for approval");
        _marks.Should().Equal("before");
    }

    [Test]
    public async Task Code_that_catches_the_halt_calls_no_tool_afterwards()
    {
        var result = await RunAsync(
            "try { halt(); } catch (e) { mark('caught'); } finally { mark('finally'); } mark('after');",
            "try { tools.Halt(); } catch (Exception) { tools.Mark(\"caught\"); } finally { tools.Mark(\"finally\"); } tools.Mark(\"after\");",
            WithTools);

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        result.Error!.Kind.Should().Be(ErrorKind.ApprovalRequired);
        _marks.Should().BeEmpty();
    }

    [Test]
    public async Task A_halt_inside_a_callback_stops_the_whole_execution()
    {
        var result = await RunAsync(
            "[1, 2, 3].map(i => { try { if (i === 2) halt(); } catch (e) { } return mark('item ' + i); });",
            "new[] { 1, 2, 3 }.Select(i => { try { if (i == 2) tools.Halt(); } catch (Exception) { } return tools.Mark(\"item \" + i); }).ToList();",
            WithTools);

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        _marks.Should().Equal("item 1");
    }

    [Test]
    public async Task The_session_runs_the_next_execution_normally()
    {
        await using var session = await NewSessionAsync(WithTools);
        (await RunAsync(session, "halt();", "tools.Halt();")).Status.Should().Be(ExecutionStatus.Cancelled);

        var next = await RunAsync(session, "mark('next')", "tools.Mark(\"next\")");

        Json(next).Should().Be("\"next\"");
    }
}
