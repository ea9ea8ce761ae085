// An application that references every CodeActSdk package at once, restored from the packed packages alone, and uses
// each of them offline (the models are ScriptedChatClients). It prints one "<name>: <result>" line per check and
// exits with 1 at the first failure. Built and run by ConsumerAppTests; it is not compiled into the test assembly.
using System.IO.Pipelines;
using System.Text.Json;
using CodeActSdk;
using CodeActSdk.Agents;
using CodeActSdk.CodeExecution;
using CodeActSdk.Isolation;
using CodeActSdk.Jint;
using CodeActSdk.Mcp.Server;
using CodeActSdk.Roslyn;
using CodeActSdk.SemanticKernel;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using CodeActSdk.V8;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

using var jint = new JintInterpreter();

await Check("jint", async () => await Run(jint, "[1, 2, 3].map(x => x * x).reduce((a, b) => a + b)"));
await Check("v8", async () =>
{
    using var v8 = new V8Interpreter();
    return await Run(v8, "Math.max(...[4, 9, 2])");
});
await Check("csharp", async () =>
{
    using var roslyn = new RoslynInterpreter();
    return await Run(roslyn, "new[] { 3, 4 }.Select(x => x * x).Sum()");
});
await Check("isolation", async () =>
{
    await using var pool = new WorkerPool();
    var isolated = new IsolatedInterpreter(jint, pool);
    await using var session = await isolated.CreateSessionAsync(new SandboxOptions { Isolation = SandboxIsolation.Process });
    var result = await session.ExecuteAsync("typeof process === 'undefined' ? 6 * 7 : -1");
    return result.Value?.GetRawText() ?? result.Error?.Message ?? "";
});
await Check("mcp", async () =>
{
    await using var server = new SandboxMcpServer([new SandboxBackend("jint", "JavaScript", () => new JintInterpreter())]);
    var toServer = new Pipe();
    var toClient = new Pipe();
    using var stop = new CancellationTokenSource();
    var serving = server.RunAsync(new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream()), cancellationToken: stop.Token);
    await using (var client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream())))
    {
        var call = await client.CallToolAsync("execute_code", new Dictionary<string, object?> { ["backend"] = "jint", ["code"] = "2 ** 10" });
        stop.Cancel();
        return JsonDocument.Parse(((TextContentBlock)call.Content[0]).Text).RootElement.GetProperty("value").GetRawText();
    }
});
await Check("sqlite", async () =>
{
    var path = Path.Combine(Path.GetTempPath(), $"codeact-consumer-{Guid.NewGuid():N}.db");
    try
    {
        using var store = new SqliteCheckpointStore(path);
        using var agent = new CodeActAgent(jint, new ChatClientCodeGenerator(new ScriptedChatClient(["```js\nfinal_answer(11 * 11)\n```"])), new CodeActOptions(), checkpoints: store);
        var result = await agent.RunAsync(AgentRunRequest.Durable("consumer-run", "Square eleven."));
        return result.FinalAnswer?.GetRawText() ?? "";
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(path);
    }
});
await Check("semantic-kernel", async () =>
{
    var kernel = new Kernel();
    kernel.Plugins.AddFromFunctions("Prices", [KernelFunctionFactory.CreateFromMethod((string sku) => sku.Length * 2.5, "price", "The price of a product.")]);
    using var agent = new CodeActAgent(
        jint,
        new ChatClientCodeGenerator(new ScriptedChatClient(["```js\nfinal_answer(Prices_price('ABCD'))\n```"])),
        new CodeActOptions(),
        tools: kernel.AsSandboxTools());
    var result = await agent.RunAsync("What does ABCD cost?");
    return result.FinalAnswer?.GetRawText() ?? "";
});
await Check("agent-framework", async () =>
{
    await using var codeExecution = new CodeExecutionContextProvider(jint);
    var model = new ScriptedChatClient([
        ScriptedChatClient.CallTool(CodeExecutionTool.ToolName, new Dictionary<string, object?> { ["code"] = "Array.from({ length: 5 }, (_, i) => i + 1).reduce((a, b) => a * b)" }),
        new ChatMessage(ChatRole.Assistant, "done"),
    ]);
    var agent = new ChatClientAgent(model, new ChatClientAgentOptions { AIContextProviders = [codeExecution] });
    var response = await agent.RunAsync("What is 5!?", await agent.CreateSessionAsync());
    var result = response.Messages.SelectMany(m => m.Contents).OfType<Microsoft.Extensions.AI.FunctionResultContent>().Single();
    return ((JsonElement)result.Result!).GetProperty("value").GetRawText();
});

return 0;

static async Task<string> Run(ICodeInterpreter interpreter, string code)
{
    await using var session = await interpreter.CreateSessionAsync(new SandboxOptions());
    var result = await session.ExecuteAsync(code);
    return result.Value?.GetRawText() ?? result.Error?.Message ?? "";
}

static async Task Check(string name, Func<Task<string>> check)
{
    try
    {
        Console.WriteLine($"{name}: {await check()}");
    }
    catch (Exception e)
    {
        Console.WriteLine($"{name}: FAILED {e}");
        Environment.Exit(1);
    }
}
