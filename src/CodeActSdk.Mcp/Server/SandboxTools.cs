using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CodeActSdk.Mcp.Server;

/// <summary>The MCP tools of a <see cref="SandboxMcpServer"/>: their names, descriptions, schemas and results.</summary>
internal static class SandboxTools
{
    public const string ExecuteCode = "execute_code";
    public const string ListSessions = "list_sessions";
    public const string CloseSession = "close_session";
    public const string UploadFile = "upload_file";

    /// <summary>Session ids: 1 to 128 characters, none of them a control character (C0, DEL, C1).</summary>
    private const string SessionIdPattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

    public static IReadOnlyList<McpServerTool> Create(SandboxMcpServer server) =>
        [new ExecuteCodeTool(server), new ListSessionsTool(server), new CloseSessionTool(server), new UploadFileTool(server)];

    /// <summary>The schema of a <c>session_id</c> argument.</summary>
    private static JsonObject SessionIdSchema(string description) => new()
    {
        ["type"] = "string",
        ["minLength"] = 1,
        ["maxLength"] = SandboxMcpServer.MaxSessionIdLength,
        ["pattern"] = SessionIdPattern,
        ["description"] = description + " 1 to 128 characters, no control characters.",
    };

    /// <summary>The server's instructions for the host, sent in the MCP handshake.</summary>
    public static string Instructions(SandboxMcpServer server) =>
        $"Runs code in isolated sandboxes ({string.Join(", ", Offered(server))}). Call {ExecuteCode} to run code and read its " +
        $"stdout, value and error; pass a session_id to keep variables between calls, {ListSessions} to see open sessions, " +
        $"{CloseSession} to free one, {UploadFile} to give a session a file to read. Files the code writes under out/ come back as " +
        "images, embedded text or resource links (resources/read). Compute answers in code rather than by hand.";

    public static IEnumerable<string> Offered(SandboxMcpServer server) => server.Backends.Where(b => b.IsAvailable).Select(b => b.Name);

    /// <summary>A result whose text content and structured content are the same JSON object; <paramref name="isError"/> when the tool's work failed (the code did not complete).</summary>
    public static CallToolResult Success(byte[] utf8Json, bool isError = false)
    {
        using var document = JsonDocument.Parse(utf8Json);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = Encoding.UTF8.GetString(utf8Json) }],
            StructuredContent = document.RootElement.Clone(),
            IsError = isError,
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

    /// <summary>
    /// Checks the arguments against the tool's input schema (the only validation there is) and turns bad requests into
    /// error results with their message; the code's own failures never get here.
    /// </summary>
    private abstract class SandboxTool(SandboxMcpServer server) : McpServerTool
    {
        public override IReadOnlyList<object> Metadata => [];

        protected SandboxMcpServer Server => server;

        public sealed override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            try
            {
                var arguments = ToolArguments.Read(ProtocolTool.Name, ProtocolTool.InputSchema, request.Params?.Arguments);
                return await InvokeCoreAsync(arguments, request, cancellationToken).ConfigureAwait(false);
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

        protected abstract ValueTask<CallToolResult> InvokeCoreAsync(ToolArguments arguments, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken);

        /// <summary>The protocol description, after checking that its input schema uses only keywords the argument check enforces.</summary>
        protected static Tool Checked(Tool tool)
        {
            ToolArguments.EnsureEnforceable(tool.Name, tool.InputSchema);
            return tool;
        }
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
                .Append("plus session_id when a session was used and artifacts when the code wrote files under out/. value is the value of the last expression (as JSON), stdout what the code printed. ")
                .Append("When the code fails, the result is marked as a tool error (isError) and still carries the same object: ok is false, status is SyntaxError, RuntimeError, Timeout, MemoryLimit, PolicyViolation or Cancelled, ")
                .Append("and error is {kind, message, line, column}. A bad request (unknown backend, bad arguments, a busy server) is a tool error with a message and nothing ran.\n\n")
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
                .Append("Each session has an in-memory scratch file area (files in JavaScript, Files in C#); files written under out/ are listed in the result as artifacts ")
                .Append(CultureInfo.InvariantCulture, $"and returned as content: PNG, JPEG, GIF and WebP images as images, text and JSON as embedded resources (up to {Number(options.MaxInlineArtifactBytes)} bytes each), anything else or larger as resource links for resources/read. ")
                .Append(CultureInfo.InvariantCulture, $"{UploadFile} puts a file into a session for the code to read.\n\n")
                .Append("Without session_id the code runs in a fresh session that is discarded afterwards. With session_id it runs in that session: ")
                .Append("the first call with a new id creates it with that call's backend and limits, and variables and functions persist to later calls with the same id. ")
                .Append("A session keeps its backend and limits. ")
                .Append(CultureInfo.InvariantCulture, $"Sessions unused for {Duration(options.SessionIdleTimeout)} are closed; at most {options.MaxSessions} are open at once ({ListSessions}, {CloseSession}). ")
                .Append("A closed id can be used again and starts empty.\n\n")
                .Append(CultureInfo.InvariantCulture, $"Limits per execution: timeout_ms default {Number(defaultTimeout)}, at most {Number(maxTimeout)}; ")
                .Append(CultureInfo.InvariantCulture, $"memory_mb default {defaultMemory}, at most {maxMemory}. Larger values are lowered to the maximum. ")
                .Append(CultureInfo.InvariantCulture, $"Backends that count operations (loop iterations, calls, elements visited by built-ins) also stop the code after {Number(options.Sandbox.MaxOperations)} of them, with status Timeout too. ")
                .Append(CultureInfo.InvariantCulture, $"Printed output is kept up to {Number(options.Sandbox.MaxOutputChars)} characters. Code is at most {Number(options.MaxCodeChars)} characters. ")
                .Append(CultureInfo.InvariantCulture, $"At most {options.MaxConcurrentExecutions} executions run at once and {options.MaxQueuedExecutions} wait; beyond that a call is refused as busy. ")
                .Append(CultureInfo.InvariantCulture, $"With a progressToken, a progress notification arrives every {Duration(options.ProgressInterval)} while the code runs, with what it printed meanwhile.");

            var input = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    [Backend] = BackendSchema(offered, $"The sandbox to run the code in: {string.Join(", ", offered)} (exactly as written)."),
                    [Code] = new JsonObject
                    {
                        ["type"] = "string",
                        ["maxLength"] = options.MaxCodeChars,
                        ["description"] = $"The source code to run, at most {Number(options.MaxCodeChars)} characters. The value of the last expression is returned as value.",
                    },
                    [SessionId] = SessionIdSchema("Run in this named session, created on first use, so that variables persist between calls. Leave it out for a fresh, throw-away session."),
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
                    ["value"] = new JsonObject { ["type"] = AnyJson(), ["description"] = "The value of the last expression as JSON, or null." },
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
                    ["finalAnswer"] = new JsonObject { ["type"] = AnyJson(), ["description"] = "The value passed to final_answer(...), or null." },
                    [SessionId] = new JsonObject { ["type"] = "string", ["description"] = "The session the code ran in, when one was named." },
                    ["artifacts"] = new JsonObject
                    {
                        ["type"] = "array",
                        ["description"] = "The files the code wrote under out/ in this execution; uri is the MCP resource to read one with (absent when the file is larger than the server keeps).",
                        ["items"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["properties"] = new JsonObject
                            {
                                ["path"] = new JsonObject { ["type"] = "string" },
                                ["mediaType"] = new JsonObject { ["type"] = "string" },
                                ["size"] = new JsonObject { ["type"] = "integer" },
                                ["uri"] = new JsonObject { ["type"] = "string" },
                            },
                            ["required"] = new JsonArray("path", "mediaType", "size"),
                            ["additionalProperties"] = false,
                        },
                    },
                },
                ["required"] = new JsonArray("ok", "status", "stdout", "value", "error", "durationMs", "finalAnswer"),
                ["additionalProperties"] = false,
            };

            ProtocolTool = Checked(new Tool
            {
                Name = ExecuteCode,
                Title = "Execute code in a sandbox",
                Description = description.ToString(),
                InputSchema = Schema(input),
                OutputSchema = Schema(output),
                Annotations = new ToolAnnotations { Title = "Execute code in a sandbox", ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = false, OpenWorldHint = false },
            });
        }

        public override Tool ProtocolTool { get; }

        protected override async ValueTask<CallToolResult> InvokeCoreAsync(ToolArguments args, RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
        {
            var request = new SandboxExecutionRequest
            {
                Backend = args.String(Backend)!,
                Code = args.String(Code)!,
                SessionId = args.String(SessionId),

                // Absurd values are cut before conversion (the server lowers them to its maxima anyway).
                Timeout = args.Integer(TimeoutMs, ceiling: (long)TimeSpan.FromDays(1).TotalMilliseconds) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                MemoryLimitBytes = args.Integer(MemoryMb, ceiling: 1L << 30) is { } mb ? mb * 1024 * 1024 : null,
            };
            var progress = context.Params?.ProgressToken is { } token ? new ProgressNotifier(context.Server, token) : null;
            var result = await Server.ExecuteAsync(request, progress, cancellationToken).ConfigureAwait(false);
            if (progress is not null)
            {
                await progress.FlushAsync().ConfigureAwait(false);
            }

            var uris = Server.KeepArtifacts(result);
            var answer = Success(
                Write(json =>
                {
                    json.WriteStartObject();
                    ExecutionResultJson.WriteProperties(json, result with { Artifacts = [] });
                    if (request.SessionId is { } sessionId)
                    {
                        json.WriteString("session_id", ExecutionResultJson.Scrub(sessionId));
                    }

                    if (result.Artifacts.Count > 0)
                    {
                        json.WriteStartArray("artifacts");
                        for (var i = 0; i < result.Artifacts.Count; i++)
                        {
                            var artifact = result.Artifacts[i];
                            json.WriteStartObject();
                            json.WriteString("path", artifact.Path);
                            json.WriteString("mediaType", artifact.MediaType);
                            json.WriteNumber("size", artifact.Size);
                            if (uris[i] is { } uri)
                            {
                                json.WriteString("uri", uri);
                            }

                            json.WriteEndObject();
                        }

                        json.WriteEndArray();
                    }

                    json.WriteEndObject();
                }),
                isError: !result.IsSuccess);
            for (var i = 0; i < result.Artifacts.Count; i++)
            {
                answer.Content.Add(ArtifactBlock(result.Artifacts[i], uris[i], Server.Options.MaxInlineArtifactBytes));
            }

            return answer;
        }

        /// <summary>An image, an embedded text resource, or a link to the resource, as the artifact's type and size allow.</summary>
        private static ContentBlock ArtifactBlock(Artifact artifact, string? uri, int maxInline)
        {
            var small = artifact.Size <= maxInline;
            var address = uri ?? ArtifactStore.Prefix + "unkept/" + artifact.Path;
            if (small && ArtifactContent.IsImage(artifact.MediaType))
            {
                return ImageContentBlock.FromBytes(artifact.Content, artifact.MediaType);
            }

            if (small && ArtifactContent.IsText(artifact.MediaType))
            {
                return new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = address, MimeType = artifact.MediaType, Text = artifact.ReadText() } };
            }

            return new ResourceLinkBlock
            {
                Uri = address,
                Name = artifact.Name,
                MimeType = artifact.MediaType,
                Size = artifact.Size,
                Description = uri is null
                    ? $"{artifact.Path}: larger than the server keeps ({Number(artifact.Size)} bytes), so it cannot be read back."
                    : $"{artifact.Path}, written by the code ({Number(artifact.Size)} bytes); read it with resources/read.",
            };
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
                ["additionalProperties"] = false,
            };
            ProtocolTool = Checked(new Tool
            {
                Name = ListSessions,
                Title = "List sandbox sessions",
                Description =
                    $"List the open sandbox sessions (those created by {ExecuteCode} with a session_id), oldest first, as " +
                    "{sessions: [{session_id, backend, createdAt, lastUsedAt, executions, timeoutMs, memoryMb}], idleTimeoutSeconds, maxSessions, " +
                    "runningExecutions, queuedExecutions, maxConcurrentExecutions, maxQueuedExecutions}. " +
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
                        ["runningExecutions"] = new JsonObject { ["type"] = "integer", ["description"] = "Executions running now, across all sessions." },
                        ["queuedExecutions"] = new JsonObject { ["type"] = "integer", ["description"] = "Executions waiting for a free slot now." },
                        ["maxConcurrentExecutions"] = new JsonObject { ["type"] = "integer" },
                        ["maxQueuedExecutions"] = new JsonObject { ["type"] = "integer" },
                    },
                    ["required"] = new JsonArray("sessions", "idleTimeoutSeconds", "maxSessions", "runningExecutions", "queuedExecutions", "maxConcurrentExecutions", "maxQueuedExecutions"),
                    ["additionalProperties"] = false,
                }),
                Annotations = new ToolAnnotations { Title = "List sandbox sessions", ReadOnlyHint = true, OpenWorldHint = false },
            });
        }

        public override Tool ProtocolTool { get; }

        protected override async ValueTask<CallToolResult> InvokeCoreAsync(ToolArguments arguments, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
        {
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
                json.WriteNumber("runningExecutions", Server.RunningExecutions);
                json.WriteNumber("queuedExecutions", Server.QueuedExecutions);
                json.WriteNumber("maxConcurrentExecutions", Server.Options.MaxConcurrentExecutions);
                json.WriteNumber("maxQueuedExecutions", Server.Options.MaxQueuedExecutions);
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
            ProtocolTool = Checked(new Tool
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
                        [SessionId] = SessionIdSchema("The session to close, as passed to execute_code."),
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
                    ["additionalProperties"] = false,
                }),
                Annotations = new ToolAnnotations { Title = "Close a sandbox session", ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = true, OpenWorldHint = false },
            });
        }

        public override Tool ProtocolTool { get; }

        protected override async ValueTask<CallToolResult> InvokeCoreAsync(ToolArguments arguments, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
        {
            var id = arguments.String(SessionId)!;
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

    /// <summary><c>upload_file</c>: puts a client's file (text or base64) into a named session's scratch area.</summary>
    private sealed class UploadFileTool : SandboxTool
    {
        private const string SessionId = "session_id";
        private const string Path = "path";
        private const string Content = "content";
        private const string Encoding = "encoding";
        private const string Backend = "backend";

        public UploadFileTool(SandboxMcpServer server)
            : base(server)
        {
            var options = server.Options;
            var offered = Offered(server).ToList();
            var maxBase64 = (long)Math.Ceiling(options.MaxUploadBytes / 3.0) * 4;
            ProtocolTool = Checked(new Tool
            {
                Name = UploadFile,
                Title = "Upload a file into a sandbox session",
                Description =
                    $"Put a file into a named session's scratch area, for the code run there by {ExecuteCode} to read (fs/files in JavaScript, Files in C#). " +
                    "content is the file as text (encoding \"text\", the default, stored as UTF-8) or as base64 (encoding \"base64\", for binary files). " +
                    $"At most {Number(options.MaxUploadBytes)} bytes. The path is relative, such as data.csv or in/data.csv, and not under out/. A file already at the path is replaced. " +
                    "The session is created when it is not open yet, with backend (required then). Returns {session_id, path, size}.",
                InputSchema = Schema(new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        [SessionId] = SessionIdSchema("The session to put the file into, as passed to execute_code."),
                        [Path] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 1024, ["description"] = "Where the code finds the file, for example data.csv." },
                        [Content] = new JsonObject
                        {
                            ["type"] = "string",
                            ["maxLength"] = maxBase64,
                            ["description"] = $"The file's content: text, or base64 with encoding \"base64\". At most {Number(options.MaxUploadBytes)} bytes once decoded.",
                        },
                        [Encoding] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("text", "base64"), ["default"] = "text", ["description"] = "How content is written: text (default) or base64." },
                        [Backend] = BackendSchema(offered, "The backend to create the session with when it is not open yet."),
                    },
                    ["required"] = new JsonArray(SessionId, Path, Content),
                    ["additionalProperties"] = false,
                }),
                OutputSchema = Schema(new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        [SessionId] = new JsonObject { ["type"] = "string" },
                        [Path] = new JsonObject { ["type"] = "string" },
                        ["size"] = new JsonObject { ["type"] = "integer" },
                    },
                    ["required"] = new JsonArray(SessionId, Path, "size"),
                    ["additionalProperties"] = false,
                }),
                Annotations = new ToolAnnotations { Title = "Upload a file into a sandbox session", ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = true, OpenWorldHint = false },
            });
        }

        public override Tool ProtocolTool { get; }

        protected override async ValueTask<CallToolResult> InvokeCoreAsync(ToolArguments arguments, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
        {
            var id = arguments.String(SessionId)!;
            var text = arguments.String(Content)!;
            byte[] bytes;
            if (arguments.String(Encoding) == "base64")
            {
                try
                {
                    bytes = Convert.FromBase64String(text);
                }
                catch (FormatException)
                {
                    throw new SandboxRequestException("'content' is not valid base64 (encoding \"base64\"): use the characters A-Z, a-z, 0-9, + and / with = padding, or pass encoding \"text\" for text.");
                }
            }
            else
            {
                bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetBytes(ExecutionResultJson.Scrub(text));
            }

            var added = await Server.UploadFileAsync(id, arguments.String(Backend), arguments.String(Path)!, bytes, cancellationToken).ConfigureAwait(false);
            return Success(Write(json =>
            {
                json.WriteStartObject();
                json.WriteString(SessionId, ExecutionResultJson.Scrub(id));
                json.WriteString(Path, added.Path);
                json.WriteNumber("size", added.Size);
                json.WriteEndObject();
            }));
        }
    }

    /// <summary>The schema of a <c>backend</c> argument: one of the offered names, exactly.</summary>
    private static JsonObject BackendSchema(IReadOnlyList<string> offered, string description) => new()
    {
        ["type"] = "string",
        ["enum"] = new JsonArray([.. offered.Select(name => (JsonNode)JsonValue.Create(name))]),
        ["description"] = description,
    };

    /// <summary>Every JSON type: a value that can be anything, said explicitly so that hosts know it is not missing.</summary>
    private static JsonArray AnyJson() => new("string", "number", "integer", "boolean", "object", "array", "null");

    /// <summary>Sends an <c>execute_code</c> call's progress to its client as MCP progress notifications, in order.</summary>
    private sealed class ProgressNotifier(McpServer server, ProgressToken token) : IProgress<SandboxExecutionProgress>
    {
        private readonly Lock _gate = new();
        private Task _last = Task.CompletedTask;
        private long _step;

        public void Report(SandboxExecutionProgress value)
        {
            var message = value.Stage == SandboxExecutionStage.Queued
                ? "Waiting for a free slot: the server runs as many executions as it allows."
                : value.Elapsed == TimeSpan.Zero
                    ? $"Running (time limit {Duration(value.Timeout)})."
                    : $"Running for {Duration(TimeSpan.FromSeconds(Math.Floor(value.Elapsed.TotalSeconds)))} of at most {Duration(value.Timeout)}.";
            if (value.Output.Length > 0)
            {
                message += " Output so far: " + value.Output;
            }

            lock (_gate)
            {
                var step = ++_step;
                var previous = _last;
                _last = SendAsync(previous, step, message);
            }
        }

        /// <summary>Waits until every report so far has been sent, so that none arrives after the result.</summary>
        public Task FlushAsync()
        {
            lock (_gate)
            {
                return _last;
            }
        }

        private async Task SendAsync(Task previous, long step, string message)
        {
            await previous.ConfigureAwait(false);
            try
            {
                await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = step, Message = ExecutionResultJson.Scrub(message) }).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The client went away or stopped listening; the execution goes on and its result says the rest.
            }
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
