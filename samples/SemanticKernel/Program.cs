using CodeActSdk;
using CodeActSdk.Jint;
using CodeActSdk.OpenAI;
using CodeActSdk.SemanticKernel;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

// The model: an OpenAI-compatible endpoint when OPENAI_BASE_URL / OPENAI_API_KEY / CODEACT_MODEL are set, otherwise a
// scripted stand-in that replays the turns below in order (the chat's function calls and the agent's code), so that
// this sample runs anywhere.
var endpoint = OpenAIEndpointOptions.FromEnvironment();
IChatClient model = endpoint.IsConfigured ? new OpenAIChatClient(endpoint) : new ScriptedChatClient(
[
    // 1. The chat hands the question to the CodeAct agent ...
    ScriptedChatClient.CallTool("codeact_solve_with_code", new Dictionary<string, object?> { ["task"] = "Which region sold the most units in Q3, and how many?" }),
    // ... whose model writes code that calls the kernel's Sales plugin ...
    new ChatMessage(ChatRole.Assistant, "```js\nconst totals = Sales_regions().map(region => ({ region, units: Sales_units(region, 'Q3').reduce((a, b) => a + b, 0) }));\nconsole.log(totals);\n```"),
    new ChatMessage(ChatRole.Assistant, "```js\nconst best = totals.reduce((a, b) => (b.units > a.units ? b : a));\nfinal_answer(`${best.region}: ${best.units} units`);\n```"),
    // ... and the chat answers with the agent's result.
    new ChatMessage(ChatRole.Assistant, "South sold the most in Q3: 545 units."),
    // 2. In a second conversation the chat runs code itself, twice, in the sandbox of its chat history.
    ScriptedChatClient.CallTool("sandbox_execute_code", new Dictionary<string, object?> { ["code"] = "const q4 = Sales_units('West', 'Q4'); q4" }),
    new ChatMessage(ChatRole.Assistant, "West sold 130, 128 and 140 units in the months of Q4."),
    ScriptedChatClient.CallTool("sandbox_execute_code", new Dictionary<string, object?> { ["code"] = "q4.reduce((a, b) => a + b, 0)" }),
    new ChatMessage(ChatRole.Assistant, "West sold 398 units in Q4."),
]);

// A kernel as an application has it: a chat service that invokes functions, and its plugins.
var kernelBuilder = Kernel.CreateBuilder();
kernelBuilder.Services.AddSingleton(model.AsBuilder().UseKernelFunctionInvocation().Build().AsChatCompletionService());
var kernel = kernelBuilder.Build();
kernel.Plugins.AddFromType<SalesPlugin>("Sales");

// The CodeAct agent: the kernel's chat service is its model, the kernel's plugins are functions its code calls.
await using var services = new ServiceCollection()
    .AddCodeAct(codeAct => codeAct.UseJint().UseKernel(kernel))
    .BuildServiceProvider();
var agent = services.GetRequiredService<CodeActAgent>();

// Offered back to the kernel: "solve this with code" as a function, and the sandbox as execute_code, one session per chat.
using var interpreter = new JintInterpreter();
await using var sandboxes = new ChatHistorySandboxes(interpreter, new SandboxOptions { Tools = kernel.AsSandboxTools() });
kernel.Plugins.Add(agent.AsKernelPlugin());
kernel.Plugins.Add(sandboxes.AsKernelPlugin());
var chat = sandboxes.Track(kernel.GetRequiredService<IChatCompletionService>());
var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

var question = new ChatHistory();
question.AddUserMessage("Which region sold the most units in Q3?");
Console.WriteLine($"Q3: {await chat.GetChatMessageContentAsync(question, settings, kernel)}");
Console.WriteLine($"    (solve_with_code returned {LastFunctionResult(question)})");

var conversation = new ChatHistory();
conversation.AddUserMessage("How many units did West sell in each month of Q4?");
Console.WriteLine($"Q4 by month: {await chat.GetChatMessageContentAsync(conversation, settings, kernel)}");
Console.WriteLine($"    (execute_code returned {LastFunctionResult(conversation)})");
conversation.AddUserMessage("And in the whole quarter?");
Console.WriteLine($"Q4 in total: {await chat.GetChatMessageContentAsync(conversation, settings, kernel)}");
Console.WriteLine($"    (execute_code returned {LastFunctionResult(conversation)}; q4 was still defined from the first call)");

// What the last function call of a conversation returned, as the model saw it.
static string? LastFunctionResult(ChatHistory history) =>
    history.SelectMany(message => message.Items.OfType<Microsoft.SemanticKernel.FunctionResultContent>()).LastOrDefault()?.Result?.ToString();
