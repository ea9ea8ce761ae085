using System.Diagnostics;
using System.IO.Pipes;
using System.Text;
using System.Text.Json.Nodes;
using CodeActSdk.Benchmarks.Suites;
using CodeActSdk.Isolation;
using CodeActSdk.Isolation.Protocol;
using CodeActSdk.Isolation.Worker;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// A prototype, for the isolation figures only, of a worker that is warm before it says ready: it first runs one
/// whole conversation (create with a tool, an execution, a tool call, describe, dispose) through the worker's own
/// <see cref="WorkerLoop"/> over in-memory pipes, so that the code a real session's first messages run is already
/// compiled, and only then serves the host on stdin and stdout like <c>CodeActSdk.Worker</c>. Started by
/// <see cref="Launcher"/>, as <c>CodeActSdk.Benchmarks worker-prewarmed --backend name</c>.
/// </summary>
public static class PrewarmedWorker
{
    public const string Command = "worker-prewarmed";

    public static async Task<int> RunAsync(string[] args)
    {
        var protocolOut = Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        var backend = args.SkipWhile(a => a != "--backend").Skip(1).FirstOrDefault() ?? "jint";
        await RehearseAsync(backend).ConfigureAwait(false);
        await new WorkerLoop(Create).RunAsync(Console.OpenStandardInput(), protocolOut, backend).ConfigureAwait(false);
        return 0;
    }

    private static ICodeInterpreter Create(string backend) => backend switch
    {
        "jint" => new JintInterpreter(),
        "v8" => new V8Interpreter(),
        "csharp" => new RoslynInterpreter(),
        _ => throw new ArgumentException($"Unknown backend '{backend}'.", nameof(backend)),
    };

    /// <summary>One conversation as a host would hold it, against a loop of its own that ends with it.</summary>
    private static async Task RehearseAsync(string backend)
    {
        using var toLoop = new AnonymousPipeServerStream(PipeDirection.Out);
        using var loopIn = new AnonymousPipeClientStream(PipeDirection.In, toLoop.ClientSafePipeHandle);
        using var fromLoop = new AnonymousPipeServerStream(PipeDirection.In);
        using var loopOut = new AnonymousPipeClientStream(PipeDirection.Out, fromLoop.ClientSafePipeHandle);
        var loop = new WorkerLoop(Create).RunAsync(loopIn, loopOut, backend);
        using var reader = new StreamReader(fromLoop, new UTF8Encoding(false));
        var toolCode = backend == "csharp" ? "tools.Add(1, 2)" : "add(1, 2)";

        async Task SendAsync(JsonObject message)
        {
            await toLoop.WriteAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\n")).ConfigureAwait(false);
            await toLoop.FlushAsync().ConfigureAwait(false);
        }

        // Reads until the reply to request `id`, answering tool calls on the way as the host does.
        async Task ReplyAsync(long id)
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                var message = (JsonObject)JsonNode.Parse(line)!;
                if (message["type"]?.GetValue<string>() == MessageTypes.ToolCall)
                {
                    await SendAsync(new JsonObject { ["type"] = MessageTypes.ToolResult, ["callId"] = message["callId"]!.GetValue<long>(), ["resultJson"] = "3" }).ConfigureAwait(false);
                }
                else if (message["id"]?.GetValue<long>() == id && message["type"]?.GetValue<string>() != "started")
                {
                    return;
                }
            }

            throw new InvalidOperationException("The rehearsal loop ended early.");
        }

        await reader.ReadLineAsync().ConfigureAwait(false); // ready
        var options = new SandboxOptions { Tools = [Fixtures.CreateAddTool()] };
        await SendAsync(new JsonObject
        {
            ["type"] = MessageTypes.Create,
            ["id"] = 1,
            ["backend"] = backend,
            ["limits"] = SandboxOptionsWire.LimitsToJson(options),
            ["tools"] = SandboxOptionsWire.ToolsToJson(options.Tools),
            ["files"] = SandboxOptionsWire.FilesToJson(options.Files),
        }).ConfigureAwait(false);
        await ReplyAsync(1).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Execute, ["id"] = 2, ["code"] = "1 + 1" }).ConfigureAwait(false);
        await ReplyAsync(2).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Execute, ["id"] = 3, ["code"] = toolCode }).ConfigureAwait(false);
        await ReplyAsync(3).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Describe, ["id"] = 4 }).ConfigureAwait(false);
        await ReplyAsync(4).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Dispose, ["id"] = 5 }).ConfigureAwait(false);
        await loop.ConfigureAwait(false);
    }

    /// <summary>Starts the prewarmed worker (this benchmark) with the default launcher's command, the worker's path replaced.</summary>
    public sealed class Launcher : WorkerLauncher
    {
        public override ProcessStartInfo CreateStartInfo(string? backend, string workingDirectory)
        {
            var start = base.CreateStartInfo(backend, workingDirectory);
            var at = start.ArgumentList.IndexOf(WorkerPath);
            if (at < 0)
            {
                throw new InvalidOperationException($"The launcher's command has no '{WorkerPath}' argument to replace.");
            }

            start.ArgumentList[at] = typeof(PrewarmedWorker).Assembly.Location;
            start.ArgumentList.Insert(at + 1, Command);
            return start;
        }
    }
}
