using System.ComponentModel;
using CodeActSdk;
using CodeActSdk.OpenAI;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

// The model: an OpenAI-compatible endpoint when OPENAI_BASE_URL / OPENAI_API_KEY / CODEACT_MODEL are set,
// otherwise a scripted stand-in that replays two fixed answers, so that this sample runs anywhere.
var endpoint = OpenAIEndpointOptions.FromEnvironment();
IChatClient model = endpoint.IsConfigured
    ? new OpenAIChatClient(endpoint)
    : new ScriptedChatClient([
        "```js\nconst temps = temperatures('Oslo');\nconsole.log(temps);\n```",
        "```js\nconst average = temps.reduce((sum, t) => sum + t, 0) / temps.length;\nfinal_answer(Math.round(average * 10) / 10);\n```",
    ]);

// A tool is any AIFunction; the sandboxed code calls it as temperatures("Oslo").
var temperatures = AIFunctionFactory.Create(
    ([Description("The city, for example Oslo")] string city) => new[] { 3.5, 4.0, 6.5, 9.0, 12.5, 15.0, 17.0 },
    "temperatures",
    "The daily maximum temperatures (°C) of the last seven days in a city.");

await using var services = new ServiceCollection()
    .AddCodeAct(codeAct => codeAct.UseJint().UseChatClient(model).AddTool(temperatures))
    .BuildServiceProvider();
var agent = services.GetRequiredService<CodeActAgent>();

var result = await agent.RunAsync("What was the average daily maximum temperature in Oslo over the last week?");
Console.WriteLine(result.Succeeded
    ? $"Answer: {result.FinalAnswerText} ({result.Steps.Count} steps)"
    : $"No answer within {result.Steps.Count} steps; last observation: {result.LastObservation}");
