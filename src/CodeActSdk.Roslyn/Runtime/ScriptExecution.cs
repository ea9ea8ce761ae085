using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// The state of the execution running on the current sandbox thread: its budget, output, tool calls and final
/// answer. Compiled scripts reach it through <see cref="SandboxGuard"/>, the sandbox <c>Console</c> and <c>Files</c>,
/// and <see cref="ToolGateway"/>, which find it in a thread-static slot: every session's code runs on a sandbox thread
/// of its own for the length of an execution, so the slot is never shared.
/// </summary>
internal sealed class ScriptExecution
{
    [ThreadStatic]
    private static ScriptExecution? t_current;

    private long _pendingArrayBytes;

    private long _allocatedAtLastCheck;

    private readonly CancellationTokenSource _ending = new();

    public ScriptExecution(ExecutionBudget budget, SandboxOptions options, ToolBridge tools, JsonSerializerOptions json, JsonSerializerOptions codeJson, nint stackBase)
    {
        Budget = budget;
        Options = options;
        Tools = tools;
        Json = json;
        CodeJson = codeJson;
        var stackBytes = (nint)Math.Max(options.MaxRecursionDepth * ExecutionBudget.StackBytesPerLevel, 1024 * 1024);
        StackLimit = stackBase - stackBytes;
        AsyncStackLimit = stackBase - (stackBytes / 4);
        Output = new OutputBuffer(options.MaxOutputChars, options.OutputListener);
        _allocatedAtLastCheck = GC.GetAllocatedBytesForCurrentThread();
    }

    /// <summary>The most iterations or calls between two full checks.</summary>
    public const int MaxBatch = 1024;

    /// <summary>
    /// Iterations (or calls) until the next full check. It adapts: starting at 1, it doubles up to
    /// <see cref="MaxBatch"/> while the code allocates next to nothing between checks, halves when it allocates
    /// noticeably, and drops to 1 when it allocates a lot, so that a loop doubling a string is checked on every
    /// iteration while a numeric loop is checked once per thousand.
    /// </summary>
    public int Batch { get; private set; } = 1;

    public static ScriptExecution? Current => t_current;

    public ExecutionBudget Budget { get; }

    public SandboxOptions Options { get; }

    public ToolBridge Tools { get; }

    /// <summary>The session's files, or <see langword="null"/> while the state digest runs the code's getters (they must not read or write files).</summary>
    public SandboxFileSystem? Files { get; init; }

    /// <summary>How <c>Files.ReadJson&lt;T&gt;</c> reads the code's types: the session's, with names matched case-insensitively.</summary>
    public JsonSerializerOptions? FileJson { get; init; }

    /// <summary>How the sandbox converts values and tool arguments to JSON (fields included).</summary>
    public JsonSerializerOptions Json { get; }

    /// <summary>The session's stand-in for <see cref="JsonSerializerOptions.Default"/> in the code's own serializer calls.</summary>
    public JsonSerializerOptions CodeJson { get; }

    public OutputBuffer Output { get; }

    public List<ToolCallRecord> ToolCalls { get; } = [];

    /// <summary>The lowest stack address the code may reach (stacks grow down); below it the guard stops the code.</summary>
    public nint StackLimit { get; }

    /// <summary>The stack limit for async methods, tighter: a stop unwinding through awaits costs time per level.</summary>
    public nint AsyncStackLimit { get; }

    /// <summary>Charges <see cref="Batch"/> operations, checks every limit, adapts the batch to the allocation rate and returns it.</summary>
    public int Check()
    {
        Budget.Charge(Batch);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var sinceLast = allocated - _allocatedAtLastCheck;
        _allocatedAtLastCheck = allocated;
        Batch = sinceLast > Options.MemoryLimitBytes / 64 ? 1
            : sinceLast > Options.MemoryLimitBytes / 4096 ? Math.Max(1, Batch / 2)
            : Math.Min(MaxBatch, Batch * 2);
        return Batch;
    }

    /// <summary>Calls left before a method-entry guard charges the budget again.</summary>
    public int EnterCountdown;

    public bool HasFinalAnswer { get; private set; }

    public JsonElement? FinalAnswer { get; private set; }

    public bool FinalAnswerTruncated { get; private set; }

    /// <summary>Whether a stop (a limit, a cancellation or final_answer) has ended the execution: nothing may catch anything any more.</summary>
    public bool IsStopping => HasFinalAnswer || Budget.Stop is not null;

    /// <summary>
    /// Cancelled when the execution ends: the waits the code starts (<c>Task.Delay</c>, <c>WaitAsync</c>) get it, so
    /// that their timers, which live in the process-wide timer queue, end with the execution instead of outliving it.
    /// </summary>
    public CancellationToken Ending => _ending.Token;

    public void Enter() => t_current = this;

    /// <summary>Ends the execution on this thread, and the waits it started.</summary>
    public void Leave()
    {
        t_current = null;
        _ending.Cancel();
    }

    public void SetFinalAnswer(JsonElement? answer, bool truncated)
    {
        FinalAnswer = answer;
        FinalAnswerTruncated = truncated;
        HasFinalAnswer = true;
    }

    /// <summary>
    /// Allocations smaller than this are not charged before they happen: the allocation count at the next loop or
    /// call check sees them, and a batch adapts to how fast they come. Larger ones are charged up front, so that a
    /// single allocation cannot overshoot the memory budget.
    /// </summary>
    public const long ChargeThresholdBytes = 32 * 1024;

    /// <summary>Characters of the interpolated string being built, counted by its string holes (see <see cref="SandboxGuard.BeginText"/>).</summary>
    public long TextChars;

    /// <summary>Charges an allocation of <paramref name="bytes"/> about to happen (a string, a buffer, a number) to the memory budget, when it is large.</summary>
    /// <exception cref="SandboxStopException">The allocation would pass the memory budget.</exception>
    public void ChargeBytes(long bytes)
    {
        if (bytes >= ChargeThresholdBytes)
        {
            Budget.Charge(1, bytes);
        }
    }

    public long StartArray(long length, int elementBytes)
    {
        _pendingArrayBytes = Math.Max(0, length) * (long)elementBytes;
        Budget.Charge(1, _pendingArrayBytes);
        return length;
    }

    public long NextArrayDimension(long length)
    {
        _pendingArrayBytes = length <= 0 ? 0 : _pendingArrayBytes > long.MaxValue / length ? long.MaxValue : _pendingArrayBytes * length;
        Budget.Charge(1, _pendingArrayBytes);
        return length;
    }

    /// <summary>
    /// Converts a tool argument to JSON by writing and re-reading it, so that numbers become plain JSON numbers (a
    /// node wrapping a CLR long would not read back as a double, and the bridge checks integers that way).
    /// </summary>
    public static JsonNode? ToNode(object? value, JsonSerializerOptions options) => value switch
    {
        null => null,
        JsonNode node => JsonNode.Parse(node.ToJsonString()),
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        _ => JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), options)),
    };
}
