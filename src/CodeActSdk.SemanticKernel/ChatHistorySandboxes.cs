using System.Runtime.CompilerServices;
using CodeActSdk.CodeExecution;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CodeActSdk.SemanticKernel;

/// <summary>
/// The sandbox offered to Semantic Kernel as an <c>execute_code(code)</c> function that any chat or agent with
/// function calling can use, with one sandbox session per <see cref="ChatHistory"/>: variables defined in one
/// conversation persist between its calls and are never seen by another.
/// </summary>
/// <remarks>
/// <para>Add <see cref="AsKernelPlugin"/> (or <see cref="ExecuteCodeFunction"/>) to the kernel and call the chat service
/// through <see cref="Track"/>: the tracked service tells the function which history each chat call serves. Invoked
/// outside a tracked call, the function throws an <see cref="InvalidOperationException"/> that says so.</para>
/// <para>A history's session is created by its first execution and lives until <see cref="ReleaseAsync"/> or
/// <see cref="DisposeAsync"/>; a history that is collected without being released leaves its session to the garbage
/// collector, so release histories whose conversation has ended when the backend holds native resources (V8).</para>
/// <para>Thread-safe: histories are independent, and concurrent calls for one history run one after the other.</para>
/// </remarks>
public sealed class ChatHistorySandboxes : IAsyncDisposable
{
    /// <summary>The default name of the plugin, <c>sandbox</c>.</summary>
    public const string DefaultPluginName = "sandbox";

    private readonly ICodeInterpreter _interpreter;
    private readonly SandboxOptions _options;
    private readonly ConditionalWeakTable<ChatHistory, CodeExecutionTool> _tools = new();
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>Creates the sandboxes; no session is created before a history's first execution.</summary>
    /// <param name="interpreter">The backend that runs the code, for example <c>new JintInterpreter()</c>.</param>
    /// <param name="options">The sandbox's limits, its files and the tools the code may call (for example <c>kernel.AsSandboxTools()</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="interpreter"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message says which one.</exception>
    public ChatHistorySandboxes(ICodeInterpreter interpreter, SandboxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        _interpreter = interpreter;
        _options = (options ?? new SandboxOptions()).Validate();
        ExecuteCodeFunction = new ChatHistoryCodeExecution(this, new CodeExecutionTool(interpreter, _options)).AsKernelFunction();
    }

    /// <summary>
    /// The <c>execute_code(code)</c> kernel function: it runs the code in the session of the chat history the tracked
    /// chat call serves and returns the execution as JSON (ok, status, stdout, value, error); a call without a string
    /// <c>code</c> returns a result that says so. Its description names the language and the tools the code can call.
    /// </summary>
    public KernelFunction ExecuteCodeFunction { get; }

    /// <summary>A plugin holding <see cref="ExecuteCodeFunction"/>, for <c>kernel.Plugins.Add(...)</c>.</summary>
    /// <param name="pluginName">The plugin's name; letters, digits and underscores.</param>
    /// <returns>The plugin.</returns>
    /// <exception cref="ArgumentException"><paramref name="pluginName"/> is not a valid name.</exception>
    public KernelPlugin AsKernelPlugin(string pluginName = DefaultPluginName)
    {
        KernelNames.ThrowIfInvalid(pluginName, nameof(pluginName));
        return KernelPluginFactory.CreateFromFunctions(pluginName, "Runs code in a sandbox whose state persists within the conversation.", [ExecuteCodeFunction]);
    }

    /// <summary>
    /// Wraps <paramref name="chatService"/> so that, during each of its calls, <see cref="ExecuteCodeFunction"/> uses the
    /// session of the call's chat history. Use the returned service for the chats (or register it in the kernel, so that
    /// agents that take the kernel's service use it).
    /// </summary>
    /// <param name="chatService">The chat completion service that invokes the functions (with <c>FunctionChoiceBehavior.Auto()</c>).</param>
    /// <returns>The tracked service; thread-safe when <paramref name="chatService"/> is.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chatService"/> is null.</exception>
    public IChatCompletionService Track(IChatCompletionService chatService)
    {
        ArgumentNullException.ThrowIfNull(chatService);
        return chatService as ChatHistoryTrackingService ?? new ChatHistoryTrackingService(chatService);
    }

    /// <summary>
    /// The sandbox of <paramref name="history"/>, created if it has none yet: for the host to run code in it directly,
    /// add files to its session or read the artifacts the code wrote.
    /// </summary>
    /// <param name="history">The conversation.</param>
    /// <returns>The history's tool; its session is created by its first execution.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The sandboxes were disposed.</exception>
    public CodeExecutionTool GetTool(ChatHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _tools.GetValue(history, _ => new CodeExecutionTool(_interpreter, _options));
        }
    }

    /// <summary>Disposes the session of <paramref name="history"/>, when it has one; its next execution starts a fresh session.</summary>
    /// <param name="history">The conversation that has ended.</param>
    /// <returns>Whether the history had a sandbox.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> is null.</exception>
    public async ValueTask<bool> ReleaseAsync(ChatHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        CodeExecutionTool? tool;
        lock (_lock)
        {
            if (!_tools.TryGetValue(history, out tool))
            {
                return false;
            }

            _tools.Remove(history);
        }

        await tool.DisposeAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Disposes every history's session. Later executions and <see cref="GetTool"/> throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        List<CodeExecutionTool> tools;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            tools = [.. _tools.Select(entry => entry.Value)];
            _tools.Clear();
        }

        foreach (var tool in tools)
        {
            await tool.DisposeAsync().ConfigureAwait(false);
        }
    }
}
