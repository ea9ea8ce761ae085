using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.CodeExecution;

/// <summary>
/// The sandbox as one tool any chat agent can call: <c>execute_code(code)</c> runs the code in a sandbox session whose
/// variables persist from one call to the next, and returns the execution as the JSON object of the command-line
/// contract (<see cref="ExecutionResultJson"/>). Failures of the code (syntax errors, exceptions, limits) are part of
/// that result, so the model reads them and can correct its code.
/// </summary>
/// <remarks>
/// <para>One tool is one conversation's sandbox: the session is created by the first call and lives until the tool is
/// disposed. Give each conversation its own tool (the Semantic Kernel and Agent Framework integrations do so per chat
/// history and per agent session).</para>
/// <para>Thread-safe: concurrent calls run one after the other in the same session.</para>
/// </remarks>
public sealed class CodeExecutionTool : AIFunction, IAsyncDisposable
{
    /// <summary>The tool's name, <c>execute_code</c>.</summary>
    public const string ToolName = "execute_code";

    private static readonly JsonElement ParameterSchema = JsonDocument.Parse(
        """{"type":"object","properties":{"code":{"type":"string","description":"The complete code to run."}},"required":["code"]}""")
        .RootElement.Clone();

    private static readonly JsonElement ResultSchema = JsonDocument.Parse(
        """
        {"type":"object","properties":{
          "ok":{"type":"boolean"},"status":{"type":"string"},"stdout":{"type":"string"},"value":{},
          "error":{"type":["object","null"],"properties":{"kind":{"type":"string"},"message":{"type":"string"},"line":{"type":"integer"},"column":{"type":"integer"}}},
          "durationMs":{"type":"number"},"finalAnswer":{}},
         "required":["ok","status","stdout"]}
        """).RootElement.Clone();

    private readonly ICodeInterpreter _interpreter;
    private readonly SandboxOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IInterpreterSession? _session;
    private bool _disposed;

    /// <summary>Creates the tool; its session is created by the first call.</summary>
    /// <param name="interpreter">The backend that runs the code.</param>
    /// <param name="options">The sandbox's limits, its files and the tools the code may call.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid, or name a tool that needs approval (<see cref="ApprovalRequiredAIFunction"/>); the message says which one.</exception>
    public CodeExecutionTool(ICodeInterpreter interpreter, SandboxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        _interpreter = interpreter;
        _options = (options ?? new SandboxOptions()).Validate();
        if (_options.Tools.FirstOrDefault(t => t.GetService<ApprovalRequiredAIFunction>() is not null) is { } needsApproval)
        {
            throw new ArgumentException(
                $"The tool '{needsApproval.Name}' needs a person's approval for every call (ApprovalRequiredAIFunction), and execute_code cannot stop in the middle of the code to ask. " +
                "Offer it to the model as a tool of its own, where the chat framework asks for approval, or let a CodeActAgent run the code: it waits for approvals.",
                nameof(options));
        }

        Description = Describe(interpreter, _options);
    }

    /// <inheritdoc />
    public override string Name => ToolName;

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    public override JsonElement JsonSchema => ParameterSchema;

    /// <inheritdoc />
    public override JsonElement? ReturnJsonSchema => ResultSchema;

    /// <summary>The tools the code may call, as the sandbox's options name them.</summary>
    public IReadOnlyList<AIFunction> SandboxTools => _options.Tools;

    /// <summary>Runs <paramref name="code"/> in this tool's session, creating the session on first use.</summary>
    /// <param name="code">The code to run.</param>
    /// <param name="cancellationToken">Stops the execution; the result then says <see cref="ExecutionStatus.Cancelled"/>.</param>
    /// <exception cref="ObjectDisposedException">The tool was disposed.</exception>
    public async Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
        return await session.ExecuteAsync(code, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The session the calls run in, once the first call created it; for the host to add files or read artifacts.</summary>
    /// <exception cref="ObjectDisposedException">The tool was disposed.</exception>
    public async ValueTask<IInterpreterSession> GetSessionAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _session ??= await _interpreter.CreateSessionAsync(_options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Disposes the session, if one was created. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        IInterpreterSession? session;
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            session = _session;
            _session = null;
        }
        finally
        {
            _gate.Release();
        }

        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!arguments.TryGetValue("code", out var value) || CodeOf(value) is not { } code)
        {
            // A model's malformed call is an answer it can correct, not an exception for the host.
            return JsonSerializer.SerializeToElement(new { ok = false, status = "BadRequest", stdout = "", error = new { kind = "BadRequest", message = $"{ToolName} needs a string argument \"code\" with the code to run." } });
        }

        var result = await ExecuteAsync(code, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(ExecutionResultJson.ToUtf8(result));
        return document.RootElement.Clone();
    }

    private static string? CodeOf(object? value) => value switch
    {
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
        _ => null,
    };

    private static string Describe(ICodeInterpreter interpreter, SandboxOptions options)
    {
        var language = interpreter.Language;
        var description =
            $"Runs {language.Name} ({language.Dialect}) in a sandbox and returns its stdout, the value of its last expression " +
            "and any error as JSON. Variables and functions persist between calls, so build on earlier results instead of " +
            "repeating them. Compute answers in code rather than by hand. " + language.Guidance;
        return options.Tools.Count == 0
            ? description
            : description + "\nFunctions the code can call:\n" + interpreter.DescribeTools(options.Tools);
    }
}
