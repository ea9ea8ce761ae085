using System.IO.Pipes;
using System.Text;
using System.Text.Json.Nodes;
using CodeActSdk.Isolation.Protocol;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation.Worker;

/// <summary>
/// Makes a new worker warm before it says ready: one whole conversation, as a host holds it (create with a tool, an
/// execution, a tool call and its result, describe, dispose), through a <see cref="WorkerLoop"/> of its own over
/// in-memory pipes. The backend is loaded, and so is the code the worker runs for each message, which in a fresh
/// process is compiled on first use: without this, a session's first messages cost about 30 ms; with it, a few.
/// </summary>
internal static class WorkerRehearsal
{
    /// <summary>Holds the conversation; a failure is written to stderr and otherwise ignored (warming is best effort).</summary>
    public static async Task RunAsync(Func<WorkerBackendReference, ICodeInterpreter> interpreters, WorkerBackendReference backend)
    {
        try
        {
            await HoldConversationAsync(interpreters, backend).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A backend that cannot run says why when the host creates the session or runs code, where the error
            // reaches the caller.
            await Console.Error.WriteLineAsync($"CodeActSdk.Worker: warming the '{backend.Name}' backend failed: {e.Message}").ConfigureAwait(false);
        }
    }

    private static async Task HoldConversationAsync(Func<WorkerBackendReference, ICodeInterpreter> interpreters, WorkerBackendReference backend)
    {
        using var toLoop = new AnonymousPipeServerStream(PipeDirection.Out);
        using var loopInput = new AnonymousPipeClientStream(PipeDirection.In, toLoop.ClientSafePipeHandle);
        using var fromLoop = new AnonymousPipeServerStream(PipeDirection.In);
        using var loopOutput = new AnonymousPipeClientStream(PipeDirection.Out, fromLoop.ClientSafePipeHandle);
        var loop = new WorkerLoop(name => new Borrowed(interpreters(name))).RunAsync(loopInput, loopOutput, warmBackend: null);
        using var replies = new StreamReader(fromLoop, new UTF8Encoding(false));

        async Task SendAsync(JsonObject message)
        {
            await toLoop.WriteAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\n")).ConfigureAwait(false);
            await toLoop.FlushAsync().ConfigureAwait(false);
        }

        // Reads up to the reply to request `id`, answering tool calls on the way as the host does.
        async Task AwaitReplyAsync(long id)
        {
            while (await replies.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                var message = (JsonObject)JsonNode.Parse(line)!;
                var type = message["type"]?.GetValue<string>();
                if (type == MessageTypes.ToolCall)
                {
                    await SendAsync(new JsonObject { ["type"] = MessageTypes.ToolResult, ["callId"] = message["callId"]!.GetValue<long>(), ["resultJson"] = "3" }).ConfigureAwait(false);
                }
                else if (message["id"]?.GetValue<long>() == id && type != MessageTypes.Started)
                {
                    return;
                }
            }

            throw new InvalidOperationException("The rehearsal's worker loop ended early.");
        }

        await replies.ReadLineAsync().ConfigureAwait(false); // ready
        var options = new SandboxOptions { Tools = [AIFunctionFactory.Create((int a, int b) => a + b, "add", "Adds two numbers.")] };
        var create = new JsonObject
        {
            ["type"] = MessageTypes.Create,
            ["id"] = 1,
            ["limits"] = SandboxOptionsWire.LimitsToJson(options),
            ["tools"] = SandboxOptionsWire.ToolsToJson(options.Tools),
            ["files"] = SandboxOptionsWire.FilesToJson(options.Files),
        };
        backend.WriteTo(create);
        await SendAsync(create).ConfigureAwait(false);
        await AwaitReplyAsync(1).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Execute, ["id"] = 2, ["code"] = "1" }).ConfigureAwait(false);
        await AwaitReplyAsync(2).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Execute, ["id"] = 3, ["code"] = backend.Name == "csharp" ? "tools.Add(1, 2)" : "add(1, 2)" }).ConfigureAwait(false);
        await AwaitReplyAsync(3).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Describe, ["id"] = 4 }).ConfigureAwait(false);
        await AwaitReplyAsync(4).ConfigureAwait(false);
        await SendAsync(new JsonObject { ["type"] = MessageTypes.Dispose, ["id"] = 5 }).ConfigureAwait(false);
        await loop.ConfigureAwait(false);
    }

    /// <summary>The real loop's interpreter, lent to the rehearsal: its loop disposes what it was given, this not.</summary>
    private sealed class Borrowed(ICodeInterpreter inner) : ICodeInterpreter
    {
        public CodeLanguage Language => inner.Language;

        public string DescribeTools(IReadOnlyList<AIFunction> tools) => inner.DescribeTools(tools);

        public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default) =>
            inner.CreateSessionAsync(options, cancellationToken);
    }
}
