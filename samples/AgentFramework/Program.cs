using CodeActSdk;
using CodeActSdk.Agents;
using CodeActSdk.CodeExecution;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Agents.AI;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;

// Two ways to use CodeActSdk with Microsoft Agent Framework. The models are scripted stand-ins (ScriptedChatClient)
// that replay fixed turns, so the sample runs anywhere; put any IChatClient in their place for a real model.
using var interpreter = new JintInterpreter();

// A host tool, which the framework agent has as a direct tool and its code can call too.
var orders = AIFunctionFactory.Create(
    () => new[] { new Order("A-1", 120.0, 80.0), new Order("A-2", 60.0, 45.0), new Order("A-3", 200.0, 110.0) },
    "orders",
    "Every order of the month: id, revenue and cost.");

await AnswerWithCodeAsync();
await CodeActInAWorkflowAsync();

// 1. A ChatClientAgent that answers with code: the provider gives it execute_code over a sandbox of its own per session.
async Task AnswerWithCodeAsync()
{
    IChatClient model = new ScriptedChatClient([
        ScriptedChatClient.CallTool(CodeExecutionTool.ToolName, new Dictionary<string, object?>
        {
            ["code"] = "const all = orders();\nconst margin = all.reduce((s, o) => s + (o.revenue - o.cost) / o.revenue, 0) / all.length;\nMath.round(margin * 1000) / 10",
        }),
        new ChatMessage(ChatRole.Assistant, "The average gross margin is 34.4 %."),
    ]);
    await using var codeExecution = new CodeExecutionContextProvider(interpreter);
    var agent = new ChatClientAgent(model, new ChatClientAgentOptions
    {
        Name = "analyst",
        ChatOptions = new ChatOptions { Instructions = "Compute answers with execute_code.", Tools = [orders] },
        AIContextProviders = [codeExecution],
    });

    var session = await agent.CreateSessionAsync();
    var response = await agent.RunAsync("What is the average gross margin of this month's orders?", session);
    foreach (var result in response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>())
    {
        Console.WriteLine($"execute_code returned: {result.Result}");
    }

    Console.WriteLine($"analyst: {response.Text}");
}

// 2. The CodeAct agent as the first agent of a sequential workflow; a writer agent turns its answer into a sentence.
async Task CodeActInAWorkflowAsync()
{
    using var codeAct = new CodeActAgent(
        interpreter,
        new ChatClientCodeGenerator(new ScriptedChatClient([
            "```js\nconst all = orders();\nfinal_answer(all.reduce((s, o) => s + o.revenue - o.cost, 0));\n```",
        ])),
        new CodeActOptions(),
        tools: [orders]);
    var calculator = new CodeActAIAgent(codeAct, name: "calculator", description: "Computes answers in a JavaScript sandbox.");
    var writer = new ChatClientAgent(
        new ScriptedChatClient(["This month's orders earned a gross profit of 145."]),
        instructions: "Write one sentence for the finance team.",
        name: "writer");

    var workflow = AgentWorkflowBuilder.BuildSequential(calculator, writer).AsAIAgent(name: "report");
    var response = await workflow.RunAsync("What gross profit did this month's orders make?");
    foreach (var message in response.Messages)
    {
        Console.WriteLine($"{message.AuthorName ?? message.Role.Value}: {message.Text}");
    }
}

/// <summary>One order, as the orders tool returns it.</summary>
internal sealed record Order(string Id, double Revenue, double Cost);
