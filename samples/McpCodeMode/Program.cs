using System.ComponentModel;
using CodeActSdk;
using CodeActSdk.Mcp;
using CodeActSdk.OpenAI;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// "dotnet run --project samples/McpCodeMode" runs the agent; the agent starts this same program with --serve as its
// MCP server. Any MCP server works the same way: McpServerConfig.Stdio("name", "command", args) or .Http(name, url).
if (args.Contains("--serve"))
{
    await InventoryServer.RunAsync();
    return;
}

var self = McpServerConfig.Stdio("inventory", Environment.ProcessPath!, [.. SelfArguments(), "--serve"]);
await using var mcp = await McpToolSource.ConnectAsync([self]);
foreach (var problem in mcp.Problems)
{
    Console.Error.WriteLine("warning: " + problem);
}

// The model: an OpenAI-compatible endpoint when OPENAI_BASE_URL / OPENAI_API_KEY / CODEACT_MODEL are set, otherwise a
// scripted stand-in. Its one code block calls two tools many times and keeps only what the answer needs: the
// products' details never reach the model.
var endpoint = OpenAIEndpointOptions.FromEnvironment();
IChatClient model = endpoint.IsConfigured
    ? new OpenAIChatClient(endpoint)
    : new ScriptedChatClient([
        """
        I will check the stock of every product and total the value of what is running low.
        ```js
        const products = inventory_list_products();
        const low = [];
        let value = 0;
        for (const { sku, name, price } of products) {
          const { units } = inventory_get_stock(sku);
          if (units < 10) {
            low.push(name);
            value += units * price;
          }
        }
        final_answer({ low, value: Math.round(value * 100) / 100 });
        ```
        """,
    ]);

await using var services = new ServiceCollection()
    .AddCodeAct(codeAct => codeAct.UseJint().UseChatClient(model).AddTools(mcp.Tools))
    .BuildServiceProvider();
var agent = services.GetRequiredService<CodeActAgent>();

var result = await agent.RunAsync("Which products have fewer than 10 units in stock, and what are those units worth?");
Console.WriteLine($"tools from MCP: {string.Join(", ", mcp.Tools.Select(t => t.Name))}");
Console.WriteLine(result.Succeeded
    ? $"Answer: {result.FinalAnswerText} ({result.Steps.Count} step(s), {result.Steps.Sum(s => s.ToolCalls.Count)} tool calls made by the code)"
    : $"No answer within {result.Steps.Count} steps; last observation: {result.LastObservation}");

// How to start this program again: "dotnet app.dll" under dotnet run, or the app host directly.
static string[] SelfArguments() =>
    Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? [typeof(InventoryServer).Assembly.Location] : [];

/// <summary>A small MCP server over stdio: a product list and stock levels.</summary>
internal static class InventoryServer
{
    private static readonly Product[] Products =
    [
        new("A-100", "Espresso beans 1 kg", 18.50),
        new("A-200", "Filter papers (100)", 3.20),
        new("B-300", "Milk jug", 12.00),
        new("B-400", "Grinder burrs", 42.00),
        new("C-500", "Descaler", 7.90),
    ];

    private static readonly Dictionary<string, int> Units = new() { ["A-100"] = 4, ["A-200"] = 120, ["B-300"] = 9, ["B-400"] = 31, ["C-500"] = 2 };

    public static async Task RunAsync()
    {
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "inventory", Version = "1.0" },
            ToolCollection =
            [
                McpServerTool.Create(ListProducts, new McpServerToolCreateOptions { Name = "list_products" }),
                McpServerTool.Create(GetStock, new McpServerToolCreateOptions { Name = "get_stock" }),
            ],
        };
        await using var server = McpServer.Create(new StdioServerTransport("inventory"), options);
        await server.RunAsync();
    }

    [Description("Every product: sku, name and unit price.")]
    private static Product[] ListProducts() => Products;

    [Description("The units in stock of one product.")]
    private static Stock GetStock([Description("The product's sku, for example A-100")] string sku) =>
        Units.TryGetValue(sku, out var units) ? new Stock(sku, units) : throw new McpException($"No product has the sku '{sku}'.");

    private sealed record Product(string Sku, string Name, double Price);

    private sealed record Stock(string Sku, int Units);
}
