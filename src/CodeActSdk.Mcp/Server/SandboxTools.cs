using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CodeActSdk.Mcp.Server;

/// <summary>The MCP tools of a <see cref="SandboxMcpServer"/>: their names, descriptions, schemas and results.</summary>
internal static class SandboxTools
{
    public const string ExecuteCode = "execute_code";
    public const string ListSessions = "list_sessions";
    public const string CloseSession = "close_session";

    public static IReadOnlyList<McpServerTool> Create(SandboxMcpServer server) =>
        [new ExecuteCodeTool(server), new ListSessionsTool(server), new CloseSessionTool(server)];

    /// <summary>The server's instructions for the host, sent in the MCP handshake.</summary>
    public static string Instructions(SandboxMcpServer server) =>
        $"Runs code in isolated sandboxes ({string.Join(", ", Offered(server))}). Call {ExecuteCode} to run code and read its " +
        $"stdout, value and error; pass a session_id to keep variables between calls, {ListSessions} to see open sessions, " +
        $"{CloseSession} to free one. Compute answers in code rather than by hand.";

    public static IEnumerable<string> Offered(SandboxMcpServer server) => server.Backends.Where(b => b.IsAvailable).Select(b => b.Name);

    /// <summary>A result whose text content and structured content are the same JSON object.</summary>
    public static CallToolResult Success(byte[] utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = Encoding.UTF8.GetString(utf8Json) }],
            StructuredContent = document.RootElement.Clone(),
            IsError = false,
        };
    }

    /// <summary>A bad request: nothing ran, and the message says why and what to do instead.</summary>
    public static CallToolResult Failure(string message) => new()
    {
        Content = [new TextContentBlock { Text = message }],
        IsError = true,
    };

    public static JsonElement Schema(JsonNode schema)
    {
        using var document = JsonDocument.Parse(schema.ToJsonString());
        return document.RootElement.Clone();
    }

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ExecutionResultJson.WriterOptions))
        {
            write(json);
        }

        return buffer.ToArray();
    }

    public static string Number(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Turns bad requests into error results with their message; the code's own failures never get here.</summary>
    private abstract class SandboxTool(SandboxMcpServer server) : McpServerTool
    {
        public override IReadOnlyList<object> Metadata => [];

        protected SandboxMcpServer Server => server;

        public sealed override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            try
            {
                return await InvokeCoreAsync(request.Params?.Arguments, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxRequestException e)
            {
                return Failure(e.Message);
            }
            catch (ObjectDisposedException)
            {
                return Failure("The sandbox server is shutting down; nothing ran.");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A host-side failure: the client still gets one clear line rather than a generic error.
                return Failure($"{ProtocolTool.Name} failed inside the server: {e.Message}");
            }
        }

        protected abstract ValueTask<CallToolResult> InvokeCoreAsync(IDictionary<string, JsonElement>? arguments, CancellationToken cancellationToken);
    }

    private sealed class ExecuteCodeTool : SandboxTool
    {
        private const string Backend = "backend";
        private const string Code = "code";
        private const string SessionId = "session_id";
        private const string TimeoutMs = "timeout_ms";
        private const string MemoryMb = "memory_mb";

        public ExecuteCodeTool(SandboxMcpServer server)
            : base(server)
        {
            var options = server.Options;
            var defaultTimeout = (long)options.Sandbox.Timeout.TotalMilliseconds;
            var maxTimeout = (long)options.MaxTimeout.TotalMilliseconds;
            var defaultMemory = options.Sandbox.MemoryLimitBytes / (1024 * 1024);
            var maxMemory = options.MaxMemoryLimitBytes / (1024 * 1024);
            var offered = Offered(server).ToList();

            var description = new StringBuilder();
            description.Append("Run code in a sandbox and get back what it did, as one JSON object: {ok, status, stdout, value, error, durationMs, finalAnswer}, ")
                .Append("plus session_id when a session was used. value is the value of the last expression (as JSON), stdout what the code printed. ")
                .Append("A failed execution is a normal result, not a tool error: ok is false, status is SyntaxError, RuntimeError, Timeout, MemoryLimit, PolicyViolation or Cancelled, ")
                .Append("and error is {kind, message, line, column}. Only a bad request (unknown backend, empty code, bad arguments) is a tool error.\n\n")
                .Append("Backends (argument backend):\n");
            foreach (var backend in server.Backends)
            {
                description.Append("- ").Append(backend.Name).Append(": ").Append(backend.Description);
                if (backend.UnavailableReason is { } reason)
                {
                    description.Append(" NOT AVAILABLE on this server: ").Append(reason);
                }

                description.Append('\n');
            }

            description.Append("\nThe sandbox reaches nothing outside itself: no host files, network, processes or environment variables. ")
                .Append("Each session has an in-memory scratch file area (files in JavaScript, Files in C#); files written under out/ are listed in the result as artifacts.\n\n")
                .Append("Without session_id the code runs in a fresh session that is discarded afterwards. With session_id it runs in that session: ")
                .Append("the first call with a new id creates it with that call's backend and limits, and variables and functions persist to later calls with the same id. ")
                .Append("A session keeps its backend and limits. ")
                .Append(CultureInfo.InvariantCulture, $"Sessions unused for {Duration(options.SessionIdleTimeout)} are closed; at most {options.MaxSessions} are open at once ({ListSessions}, {CloseSession}). ")
                .Append("A closed id can be used again and starts empty.\n\n")
                .Append(CultureInfo.InvariantCulture, $"Limits per execution: timeout_ms default {Number(defaultTimeout)}, at most {Number(maxTimeout)}; ")
                .Append(CultureInfo.InvariantCulture, $"memory_mb default {defaultMemory}, at most {maxMemory}. Larger values are lowered to the maximum. ")
                .Append(CultureInfo.InvariantCulture, $"Backends that count operations (loop iterations, calls, elements visited by built-ins) also stop the code after {Number(options.Sandbox.MaxOperations)} of them, with status Timeout too. ")
                .Append(CultureInfo.InvariantCulture, $"Printed output is kept up to {Number(options.Sandbox.MaxOutputChars)} characters.");

            var input = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    [Backend] = new JsonObject
                    {
                        ["type"] = "string",
                        ["enum"] = new JsonArray([.. offered.Select(name => (JsonNode)JsonValue.Create(name))]),
                        ["description"] = $"The sandbox to run the code in: {string.Join(", ", offered)}.",
                    },
                    [Code] = new JsonObject
                    {
                        ["type"] = "string",
                        ["description"] = "The source code to run. The value of the last expression is returned as value.",
                    },
                    [SessionId] = new JsonObject
                    {
                        ["type"] = "string",
                        ["maxLength"] = SandboxMcpServer.MaxSessionIdLength,
                        ["description"] = "Run in this named session, created on first use, so that variables persist between calls. Leave it out for a fresh, throw-away session.",
                    },
                    [TimeoutMs] = new JsonObject
                    {
                        ["type"] = "integer",
                        ["minimum"] = 1,
                        ["description"] = $"Stop the code after this many milliseconds (status Timeout). Default {defaultTimeout}, at most {maxTimeout}.",
                    },
                    [MemoryMb] = new JsonObject
                    {
                        ["type"] = "integer",
                        ["minimum"] = 1,
                        ["description"] = $"Stop the code when it allocates more than this many MiB (status MemoryLimit). Default {defaultMemory}, at most {maxMemory}.",
                    },
                },
                ["required"] = new JsonArray(Backend, Code),
                ["additionalProperties"] = false,
            };

            var output = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["ok"] = new JsonObject { ["type"] = "boolean", ["description"] = "Whether the code ran to the end." },
                    ["status"] = new JsonObject
                    {
                        ["type"] = "string",
                        ["enum"] = new JsonArray([.. Enum.GetNames<ExecutionStatus>().Select(name => (JsonNode)JsonValue.Create(name))]),
                    },
                    ["stdout"] = new JsonObject { ["type"] = "string", ["description"] = "What the code printed." },
                    ["value"] = new JsonObject { ["description"] = "The value of the last expression as JSON, or null." },
                    ["error"] = new JsonObject
                    {
                        ["type"] = new JsonArray("object", "null"),
                        ["properties"] = new JsonObject
                        {
                            ["kind"] = new JsonObject { ["type"] = "string" },
                            ["message"] = new JsonObject { ["type"] = "string" },
                            ["line"] = new JsonObject { ["type"] = "integer" },
                            ["column"] = new JsonObject { ["type"] = "integer" },
                        },
                        ["required"] = new JsonArray("kind", "message"),
                    },
                    ["durationMs"] = new JsonObject { ["type"] = "number" },
                    ["finalAnswer"] = new JsonObject { ["description"] = "The value passed to final_answer(...), or null." },
                    [SessionId] = new JsonObject { ["type"] = "string", ["description"] = "The session the code ran in, when one was named." },
                },
                ["required"] = new JsonArray("ok", "status", "stdout", "value", "error", "durationMs", "finalAnswer"),
            };

            ProtocolTool = new Tool
            {
                Name = ExecuteCode,
                Title = "Execute code in a sandbox",
                Description = description.ToString(),
                InputSchema = Schema(input),
                OutputSchema = Schema(output),
                Annotations = new ToolAnnotations { Title = "Execute code in a sandbox", ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = false, OpenWorldHint = false },
            };
        }

        public override Tool ProtocolTool { get; }

        protected override async ValueTask<CallToolResult> InvokeCoreAsync(IDictionary<string, JsonElement>? arguments, CancellationToken cancellationToken)
        {
            var args = ToolArguments.Read(ExecuteCode, arguments, Backend, Code, SessionId, TimeoutMs, MemoryMb);
            var request = new SandboxExecutionRequest
            {
                Backend = args.String(Backend, required: true)!,
                Code = args.String(Code, required: true)!,
                SessionId = args.String(SessionId, required: false),

                // Absurd values are cut before conversion (the server lowers them to its maxima anyway).
                Timeout = args.PositiveInteger(TimeoutMs, ceiling: (long)TimeSpan.FromDays(1).TotalMilliseconds) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                MemoryLimitBytes = args.PositiveInteger(MemoryMb, ceiling: 1L << 30) is { } mb ? mb * 1024 * 1024 : null,
            };
            var result = await Server.ExecuteAsync(request, cancellationToken).ConfigureAwait(false);
            return Success(Write(json =>
            {
                json.WriteStartObject();
                ExecutionResultJson.WriteProperties(json, result);
                if (request.SessionId is { } sessionId)
                {
                    json.WriteString("session_id", ExecutionResultJson.Scrub(sessionId));
                }

                json.WriteEndObject();
            }));
        }
    }

    private sealed class ListSessionsTool : SandboxTool
    {
        public ListSessionsTool(SandboxMcpServer server)
            : base(server)
        {
            var options = server.Options;
            var session = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["session_id"] = new JsonObject { ["type"] = "string" },
                    ["backend"] = new JsonObject { ["type"] = "string" },
                    ["createdAt"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    ["lastUsedAt"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    ["executions"] = new JsonObject { ["type"] = "integer" },
                    ["timeoutMs"] = new JsonObject { ["type"] = "integer" },
                    ["memoryMb"] = new JsonObject { ["type"] = "integer" },
                },
                ["required"] = new JsonArray("session_id", "backend", "createdAt", "lastUsedAt", "executions", "timeoutMs", "memoryMb"),
            };
            ProtocolTool = new Tool
            {
                Name = ListSessions,
                Title = "List sandbox sessions",
                Description =
                    $"List the open sandbox sessions (those created by {ExecuteCode} with a session_id), oldest first, as " +
                    "{sessions: [{session_id, backend, createdAt, lastUsedAt, executions, timeoutMs, memoryMb}], idleTimeoutSeconds, maxSessions}. " +
                    $"Sessions unused for {Duration(options.SessionIdleTimeout)} are closed; at most {options.MaxSessions} are open at once.",
                InputSchema = Schema(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject(), ["additionalProperties"] = false }),
                OutputSchema = Schema(new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["sessions"] = new JsonObject { ["type"] = "array", ["items"] = session },
                        ["idleTimeoutSeconds"] = new JsonObject { ["type"] = "number" },
                        ["maxSessions"] = new JsonObject { ["type"] = "integer" },
                    },
                    ["required"] = new JsonArray("sessions", "idleTimeoutSeconds", "maxSessions"),
                }),
                Annotations = new ToolAnnotations { Title = "List sandbox sessions", ReadOnlyHint = true, OpenWorldHint = false },
            };
        }

        public override Tool ProtocolTool { get; }

        protected override async ValueTask<CallToolResult> InvokeCoreAsync(IDictionary<string, JsonElement>? arguments, CancellationToken cancellationToken)
        {
            ToolArguments.Read(ListSessions, arguments);
            await Server.CloseIdleSessionsAsync().ConfigureAwait(false);
            var sessions = Server.ListSessions();
            return Success(Write(json =>
            {
                json.WriteStartObject();
                json.WriteStartArray("sessions");
                foreach (var session in sessions)
                {
                    json.WriteStartObject();
                    json.WriteString("session_id", ExecutionResultJson.Scrub(session.SessionId));
                    json.WriteString("backend", session.Backend);
                    json.WriteString("createdAt", session.CreatedAt);
                    json.WriteString("lastUsedAt", session.LastUsedAt);
                    json.WriteNumber("executions", session.Executions);
                    json.WriteNumber("timeoutMs", (long)session.Timeout.TotalMilliseconds);
                    json.WriteNumber("memoryMb", session.MemoryLimitBytes / (1024 * 1024));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteNumber("idleTimeoutSeconds", Server.Options.SessionIdleTimeout.TotalSeconds);
                json.WriteNumber("maxSessions", Server.Options.MaxSessions);
                json.WriteEndObject();
            }));
        }
    }

    private sealed class CloseSessionTool : SandboxTool
    {
        private const string SessionId = "session_id";

        public CloseSessionTool(SandboxMcpServer server)
            : base(server)
        {
            ProtocolTool = new Tool
            {
                Name = CloseSession,
                Title = "Close a sandbox session",
                Description =
                    $"Close a sandbox session opened by {ExecuteCode}: its variables are discarded, and code still running in it is cancelled. " +
                    "Returns {session_id, backend, executions, closed: true}. An id that is not open (never used, already closed, or closed after " +
                    $"{Duration(server.Options.SessionIdleTimeout)} idle) is a tool error. The id can be used again afterwards and starts an empty session.",
                InputSchema = Schema(new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        [SessionId] = new JsonObject { ["type"] = "string", ["description"] = "The session to close, as passed to execute_code." },
                    },
                    ["required"] = new JsonArray(SessionId),
                    ["additionalProperties"] = false,
                }),
                OutputSchema = Schema(new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        [SessionId] = new JsonObject { ["type"] = "string" },
                        ["backend"] = new JsonObject { ["type"] = "string" },
                        ["executions"] = new JsonObject { ["type"] = "integer" },
                        ["closed"] = new JsonObject { ["type"] = "boolean" },
                    },
                    ["required"] = new JsonArray(SessionId, "backend", "executions", "closed"),
                }),
                Annotations = new ToolAnnotations { Title = "Close a sandbox session", ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = true, OpenWorldHint = false },
            };
        }

        public override Tool ProtocolTool { get; }

        protected override async ValueTask<CallToolResult> InvokeCoreAsync(IDictionary<string, JsonElement>? arguments, CancellationToken cancellationToken)
        {
            var id = ToolArguments.Read(CloseSession, arguments, SessionId).String(SessionId, required: true)!;
            var closed = await Server.CloseSessionAsync(id).ConfigureAwait(false);
            if (closed is null)
            {
                var open = Server.ListSessions().Select(s => $"'{s.SessionId}'").ToList();
                return Failure(
                    $"No open session '{id}': it was never used, was closed already, or was closed after {Duration(Server.Options.SessionIdleTimeout)} idle. " +
                    (open.Count == 0 ? "No session is open." : $"Open sessions: {string.Join(", ", open)}."));
            }

            return Success(Write(json =>
            {
                json.WriteStartObject();
                json.WriteString(SessionId, ExecutionResultJson.Scrub(closed.SessionId));
                json.WriteString("backend", closed.Backend);
                json.WriteNumber("executions", closed.Executions);
                json.WriteBoolean("closed", true);
                json.WriteEndObject();
            }));
        }
    }

    /// <summary>A duration as a person says it: "10 minutes", "90 seconds", "250 ms".</summary>
    private static string Duration(TimeSpan time) => time switch
    {
        { TotalHours: >= 1 } when time.TotalHours == Math.Floor(time.TotalHours) => Plural((long)time.TotalHours, "hour"),
        { TotalMinutes: >= 1 } when time.TotalMinutes == Math.Floor(time.TotalMinutes) => Plural((long)time.TotalMinutes, "minute"),
        { TotalSeconds: >= 1 } when time.TotalSeconds == Math.Floor(time.TotalSeconds) => Plural((long)time.TotalSeconds, "second"),
        _ => $"{Number((long)Math.Ceiling(time.TotalMilliseconds))} ms",
    };

    private static string Plural(long count, string unit) => $"{Number(count)} {unit}{(count == 1 ? "" : "s")}";
}
