using CodeActSdk.Mcp.TestServer;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// An MCP server over stdio for the tests: stdout carries the protocol, so anything else goes to stderr.
var known = new[] { TestServerTools.FailOnStartFlag, TestServerTools.ArraySchemaFlag };
if (args.FirstOrDefault(a => !known.Contains(a)) is { } unknown)
{
    Console.Error.WriteLine($"{TestServerTools.ServerName}: unknown argument '{unknown}'; use {string.Join(" or ", known)}.");
    return 2;
}

if (args.Contains(TestServerTools.FailOnStartFlag))
{
    Console.Error.WriteLine($"{TestServerTools.ServerName}: failing on start as asked ({TestServerTools.FailOnStartFlag}).");
    return 1;
}

var options = new McpServerOptions
{
    ServerInfo = new Implementation { Name = TestServerTools.ServerName, Version = "1.0.0" },
    ToolCollection = [],
};
foreach (var tool in TestServerTools.Create(arraySchema: args.Contains(TestServerTools.ArraySchemaFlag)))
{
    options.ToolCollection.Add(tool);
}

var stdio = new StdioServerTransport(TestServerTools.ServerName);
await using ITransport transport = new TaskSupportTransport(args.Contains(TestServerTools.ArraySchemaFlag) ? new ArraySchemaTransport(stdio) : stdio);
await using var server = McpServer.Create(transport, options);
await server.RunAsync();
return 0;
