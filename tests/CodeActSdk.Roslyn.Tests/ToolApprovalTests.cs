using CodeActSdk.Tests.Shared;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// Run-time approval on the real C# interpreter: a call to a tool marked <see cref="ApprovalRequiredAIFunction"/> waits
/// for a decision however the code reached it, including every way of hiding a call from the static preview, and code
/// that catches everything cannot run past a call that waits.
/// </summary>
public sealed class ToolApprovalTests : RoslynTestBase
{
    private readonly SideEffectTools _effects = new();

    private AIFunction DeleteFile => new ApprovalRequiredAIFunction(_effects.DeleteFile);

    [SetUp]
    public void Clear() => _effects.Clear();

    private static string Cs(string code) => $"Next step.\n```csharp\n{code}\n```";

    private CodeActAgent Agent(IEnumerable<string> turns, IToolApprover approver) =>
        new(Interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), new CodeActOptions { MaxSteps = 4 }, [DeleteFile], toolApprover: approver);

    [TestCase("tools.DeleteFile(\"a.txt\");", TestName = "A direct call asks for approval in C#")]
    [TestCase("Func<string, string> f = tools.DeleteFile;\nf(\"a.txt\");", TestName = "A delegate of the tool asks for approval in C#")]
    [TestCase("var f = tools.DeleteFile;\nf.Invoke(\"a.txt\");", TestName = "A method group with a natural type asks for approval in C#")]
    [TestCase("new[] { \"a.txt\" }.Select(tools.DeleteFile).ToList();", TestName = "A method group as a LINQ callback asks for approval in C#")]
    [TestCase("var t = tools;\nt.DeleteFile(\"a.txt\");", TestName = "An alias of tools asks for approval in C#")]
    [TestCase("string Run(string p) => tools.DeleteFile(p);\nRun(\"a.txt\");", TestName = "A call through a local function asks for approval in C#")]
    [TestCase("try { tools.DeleteFile(\"a.txt\"); } catch (Exception) { }", TestName = "A caught call asks for approval in C#")]
    public async Task A_call_however_hidden_waits_for_the_decision_and_runs_only_when_approved(string code)
    {
        var asked = new List<ApprovalRequest>();
        using var approving = Agent([Cs(code + "\nfinal_answer(\"done\");")], new DelegateToolApprover((request, _) =>
        {
            asked.Add(request);
            return ValueTask.FromResult<ApprovalDecision?>(ApprovalDecision.Approve("alice"));
        }));

        (await approving.RunAsync("Delete a.txt.")).FinalAnswerText.Should().Be("done");

        asked.Should().ContainSingle().Which.Should().Match<ApprovalRequest>(r => r.ToolName == "delete_file" && r.Arguments!.Value.GetProperty("path").GetString() == "a.txt");
        _effects.Deleted.Should().Equal("a.txt");
    }

    [Test]
    public async Task A_rejected_call_fails_in_the_code_with_the_reason()
    {
        using var agent = Agent(
            [Cs("string message;\ntry { tools.DeleteFile(\"a.txt\"); message = \"deleted\"; } catch (Exception e) { message = e.Message; }\nfinal_answer(message);")],
            new DelegateToolApprover((_, _) => ValueTask.FromResult<ApprovalDecision?>(ApprovalDecision.Reject("alice", "keep it"))));

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Contain("rejected by alice: keep it");
        _effects.Deleted.Should().BeEmpty();
    }

    [Test]
    public async Task A_call_made_in_a_method_an_earlier_step_declared_still_asks()
    {
        var asked = 0;
        using var agent = Agent(
            [Cs("string Clean(string p) => tools.DeleteFile(p);"), Cs("Clean(\"b.txt\");\nfinal_answer(\"done\");"), Cs("final_answer(\"gave up\");")],
            new DelegateToolApprover((_, _) =>
            {
                Interlocked.Increment(ref asked);
                return ValueTask.FromResult<ApprovalDecision?>(ApprovalDecision.Reject("alice", "no"));
            }));

        var result = await agent.RunAsync("Delete b.txt.");

        result.FinalAnswerText.Should().Be("gave up");
        asked.Should().Be(1);
        _effects.Deleted.Should().BeEmpty();
        result.Steps[1].Approvals.Should().ContainSingle().Which.Request.Step.Should().Be(2);
    }
}
