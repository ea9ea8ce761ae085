using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using CodeActSdk.CodeExecution;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents;

/// <summary>
/// Gives any Agent Framework agent that takes <see cref="AIContextProvider"/>s (such as <see cref="ChatClientAgent"/>,
/// through <c>ChatClientAgentOptions.AIContextProviders</c>) an <c>execute_code</c> tool over a CodeAct sandbox: the
/// model writes code, the sandbox runs it, and the result (output, value, error) is the tool's answer.
/// </summary>
/// <remarks>
/// <para>
/// <b>State per session.</b> Each agent session gets its own sandbox (a <see cref="CodeExecutionTool"/>), made at the
/// session's first run and kept for its later runs, so variables persist within a session and are never seen by another.
/// The sandbox lives with the session object in this process: a session that is serialised and deserialised gets a
/// fresh sandbox, and the model is told that earlier variables are gone. Free a session's sandbox with
/// <see cref="ReleaseSessionAsync"/>, or all of them by disposing the provider.
/// </para>
/// <para>
/// <b>Tools.</b> With <see cref="CodeExecutionContextProviderOptions.BridgeAgentTools"/>, the agent's own function tools
/// of the session's first run are bridged into its sandbox (together with the options' sandbox tools), so the code can
/// call them; they stay direct tools of the agent as well. The set is fixed for the sandbox's life: tools added to a
/// later run are direct tools only.
/// </para>
/// <para>
/// <b>Approvals.</b> Code cannot stop halfway for a human, so a tool that needs approval (an
/// <see cref="ApprovalRequiredAIFunction"/>) is never bridged into the sandbox: it stays a direct tool, and every call
/// of it goes through the framework's approval flow with its real arguments. To have a human approve the code itself,
/// set <see cref="CodeExecutionContextProviderOptions.RequireApproval"/>: <c>execute_code</c> is then offered as an
/// <see cref="ApprovalRequiredAIFunction"/>, and the approved call runs in the session's sandbox.
/// </para>
/// <para>Thread-safe: one provider serves any number of agents' sessions at once; calls in one sandbox run one after the other.</para>
/// </remarks>
public sealed partial class CodeExecutionContextProvider : AIContextProvider, IAsyncDisposable
{
    private readonly ICodeInterpreter _interpreter;
    private readonly SandboxOptions _sandbox;
    private readonly bool _bridgeAgentTools;
    private readonly bool _requireApproval;
    private readonly ConditionalWeakTable<Microsoft.Agents.AI.AgentSession, CodeExecutionTool> _sandboxes = new();
    private readonly ProviderSessionState<SandboxState> _state;
    private int _disposed;

    /// <summary>Creates a provider whose sandboxes run on <paramref name="interpreter"/>.</summary>
    /// <param name="interpreter">The backend, for example <c>new JintInterpreter()</c>.</param>
    /// <param name="options">The sandbox, tool and approval settings; the defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The sandbox options are invalid; the message names the option.</exception>
    public CodeExecutionContextProvider(ICodeInterpreter interpreter, CodeExecutionContextProviderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        options ??= new CodeExecutionContextProviderOptions();
        _interpreter = interpreter;
        _sandbox = (options.Sandbox ?? throw new ArgumentException("CodeExecutionContextProviderOptions.Sandbox is null; leave it at its default or set SandboxOptions.", nameof(options))).Validate();
        _bridgeAgentTools = options.BridgeAgentTools;
        _requireApproval = options.RequireApproval;
        _state = new ProviderSessionState<SandboxState>(_ => new SandboxState(), StateKeys[0], StateJson.Default.Options);
    }

    /// <summary>
    /// Disposes the sandbox of <paramref name="session"/>, if it has one; the session's next run starts a fresh one.
    /// </summary>
    /// <param name="session">The agent session.</param>
    /// <param name="cancellationToken">Not used; disposal is not cancelled halfway.</param>
    /// <returns>Whether the session had a sandbox.</returns>
    public async ValueTask<bool> ReleaseSessionAsync(Microsoft.Agents.AI.AgentSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_sandboxes.TryGetValue(session, out var tool) || !_sandboxes.Remove(session))
        {
            return false;
        }

        await tool.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Disposes every sandbox the provider made. Later runs of an agent with this provider throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        List<CodeExecutionTool> tools = [.. _sandboxes.Select(pair => pair.Value)];
        _sandboxes.Clear();
        foreach (var tool in tools)
        {
            await tool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The run has no session; sandbox state needs one.</exception>
    /// <exception cref="ArgumentException">An agent tool bridged into the sandbox is invalid there, for example two share a name with the sandbox's tools.</exception>
    protected override ValueTask<AIContext> ProvideAIContextAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        var session = context.Session ?? throw new InvalidOperationException(
            "The CodeExecutionContextProvider keeps a sandbox per agent session, but this run has none; run the agent with a session (agent.CreateSessionAsync()).");

        string? notice = null;
        if (!_sandboxes.TryGetValue(session, out var tool))
        {
            var state = _state.GetOrInitializeState(session);
            if (state.SandboxStarted)
            {
                // The session was restored from storage: its conversation came back, its sandbox's variables did not.
                notice = $"The {CodeExecutionTool.ToolName} sandbox was restarted: variables and functions defined by earlier {CodeExecutionTool.ToolName} calls no longer exist. Define again what you still need.";
            }

            tool = _sandboxes.GetValue(session, _ => new CodeExecutionTool(_interpreter, _sandbox with { Tools = [.. _sandbox.Tools, .. BridgedTools(context.AIContext.Tools)] }));
            _state.SaveState(session, new SandboxState { SandboxStarted = true });
        }

        AITool offered = _requireApproval ? new ApprovalRequiredAIFunction(tool) : tool;
        return ValueTask.FromResult(new AIContext { Tools = [offered], Instructions = notice });
    }

    /// <summary>The agent's tools the code may call: functions that need no approval and are not <c>execute_code</c> itself.</summary>
    private IEnumerable<AIFunction> BridgedTools(IEnumerable<AITool>? agentTools) =>
        !_bridgeAgentTools || agentTools is null
            ? []
            : agentTools
                .OfType<AIFunction>()
                .Where(f => f.Name != CodeExecutionTool.ToolName && f.GetService(typeof(ApprovalRequiredAIFunction)) is null);

    /// <summary>What the provider keeps in the session's state bag: whether the session has had a sandbox.</summary>
    internal sealed class SandboxState
    {
        [JsonPropertyName("sandboxStarted")]
        public bool SandboxStarted { get; set; }
    }

    [JsonSerializable(typeof(SandboxState))]
    internal sealed partial class StateJson : JsonSerializerContext;
}
