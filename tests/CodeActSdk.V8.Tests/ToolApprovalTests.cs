using CodeActSdk.Tests.Shared;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.V8.Tests;

/// <summary>
/// Run-time approval on the real V8 interpreter: a call to a tool marked <see cref="ApprovalRequiredAIFunction"/> waits
/// for a decision however the code reached it, including every way of hiding a call from the static preview.
/// </summary>
public sealed class ToolApprovalTests : V8TestBase
{
    private readonly SideEffectTools _effects = new();

    private AIFunction DeleteFile => new ApprovalRequiredAIFunction(_effects.DeleteFile);

    [SetUp]
    public void Clear() => _effects.Clear();

    private static string Js(string code) => $"Next step.\n```js\n{code}\n```";

    private CodeActAgent Agent(IEnumerable<string> turns, IToolApprover approver) =>
        new(Interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), new CodeActOptions { MaxSteps = 4 }, [DeleteFile], toolApprover: approver);

    [TestCase("delete_file('a.txt');", TestName = "A direct call asks for approval on V8")]
    [TestCase("const f = delete_file; f('a.txt');", TestName = "An alias asks for approval on V8")]
    [TestCase("globalThis['delete_' + 'file']('a.txt');", TestName = "A computed name asks for approval on V8")]
    [TestCase("eval(\"delete_file('a.txt')\");", TestName = "eval asks for approval on V8")]
    [TestCase("new Function(\"delete_file('a.txt')\")();", TestName = "The Function constructor asks for approval on V8")]
    [TestCase("['a.txt'].forEach(p => delete_file(p));", TestName = "A callback asks for approval on V8")]
    [TestCase("Reflect.apply(delete_file, null, ['a.txt']);", TestName = "Reflect.apply asks for approval on V8")]
    [TestCase("const { delete_file: d } = globalThis; d('a.txt');", TestName = "Destructuring asks for approval on V8")]
    [TestCase("try { delete_file('a.txt'); } catch (e) { }", TestName = "A caught call asks for approval on V8")]
    public async Task A_call_however_hidden_waits_for_the_decision_and_runs_only_when_approved(string code)
    {
        var asked = new List<ApprovalRequest>();
        using var approving = Agent([Js(code + "\nfinal_answer('done');")], new DelegateToolApprover((request, _) =>
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
            [Js("let message; try { delete_file('a.txt'); message = 'deleted'; } catch (e) { message = e.message; } final_answer(message);")],
            new DelegateToolApprover((_, _) => ValueTask.FromResult<ApprovalDecision?>(ApprovalDecision.Reject("alice", "keep it"))));

        var result = await agent.RunAsync("Delete a.txt.");

        result.FinalAnswerText.Should().Contain("rejected by alice: keep it");
        _effects.Deleted.Should().BeEmpty();
    }
}
