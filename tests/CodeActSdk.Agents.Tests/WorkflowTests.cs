using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Agents.AI;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents.Tests;

/// <summary>The CodeAct agent as one agent of a real framework workflow.</summary>
public sealed class WorkflowTests
{
    [Test]
    public async Task In_a_sequential_workflow_the_next_agent_receives_the_computed_answer()
    {
        using var interpreter = new JintInterpreter();
        using var codeAct = new CodeActAgent(interpreter, new ChatClientCodeGenerator(new ScriptedChatClient([
            "```js\nconst prices = [12.5, 7.25, 30];\nfinal_answer(prices.reduce((a, b) => a + b, 0));\n```",
        ])));
        var calculator = new CodeActAIAgent(codeAct, name: "calculator", description: "Computes answers in a JavaScript sandbox.");
        var writerModel = new ScriptedChatClient(["The basket costs 49.75."]);
        var writer = new ChatClientAgent(writerModel, name: "writer", instructions: "Write one sentence for the customer.");
        var workflow = AgentWorkflowBuilder.BuildSequential(calculator, writer);

        var response = await workflow.AsAIAgent(name: "shop").RunAsync("What does the basket of 12.50, 7.25 and 30 cost?");

        response.Text.Should().Contain("The basket costs 49.75.");
        writerModel.ReceivedMessages.Single().Select(m => m.Text).Should().Contain(text => text.Contains("49.75"), "the writer saw the calculator's answer");
    }
}
