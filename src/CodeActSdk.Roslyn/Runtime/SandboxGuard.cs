using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// The checks the sandbox injects into compiled scripts: at every loop back-edge, at the entry of every method,
/// accessor, lambda and local function, in every catch and finally block, and around array sizes and regular
/// expressions. Infrastructure of compiled scripts, not for host code; sandboxed code cannot call it (its namespace is
/// not on any policy), and calling it would only check the limits again.
/// </summary>
/// <remarks>
/// Each check goes to the execution's <see cref="ExecutionBudget"/> (deadline, cancellation, operations, live memory,
/// stack depth). Loops pay for it once per batch of iterations through a counter in a local variable,
/// so a tight loop costs one decrement and one branch per iteration; method entries compare the stack pointer with the
/// limit on every call and charge the budget once per batch of calls. The batch adapts to how much the code allocates
/// between checks (see <see cref="ScriptExecution.Batch"/>).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SandboxGuard
{
    /// <summary>Checks every limit when a loop starts and returns the iterations it may run before the next check.</summary>
    public static int LoopEntry()
    {
        var execution = Current();
        execution.Budget.Tick();
        return execution.Batch;
    }

    /// <summary>Charges a batch of loop iterations, checks every limit and returns the next batch.</summary>
    public static int LoopBack() => Current().Check();

    /// <summary>Guards a method entry: the stack depth on every call, the other limits once per batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Enter()
    {
        var execution = ScriptExecution.Current;
        byte marker = 0;
        if (execution is null || (nint)(&marker) < execution.StackLimit || --execution.EnterCountdown < 0)
        {
            EnterSlow();
        }
    }

    /// <summary>
    /// How far past the stack limit a guarded entry may find itself and still be the code's own recursion: each of
    /// the code's calls passes a guard, so it is stopped within a frame of the limit. Further past it, the depth was
    /// built by library calls with no guard between them: a sequence of thousands of nested LINQ calls (which the
    /// library runs as thousands of nested enumerators or combined delegates) reaching the code's lambda at the bottom.
    /// </summary>
    private const long LibraryDepthBytes = 256 * 1024;

    /// <summary>The stop's message when the depth was built inside library calls (see <see cref="LibraryDepthBytes"/>).</summary>
    internal const string LibraryRecursionMessage =
        "The code nested calls too deeply inside library calls and was stopped: a sequence built from thousands of nested LINQ calls (Select, Where, Concat, OrderBy on the result of the previous one) is run as thousands of nested calls. Build the sequence in one pass, or materialize it (ToList) every few hundred steps.";

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void EnterSlow()
    {
        var execution = Current();
        byte marker = 0;
        if ((nint)(&marker) < execution.StackLimit)
        {
            execution.Budget.Halt(ExecutionStatus.RuntimeError, ErrorKind.RecursionLimit, execution.StackLimit - (nint)(&marker) > LibraryDepthBytes
                ? LibraryRecursionMessage
                : $"The code nested calls too deeply (recursion deeper than the limit of about {execution.Options.MaxRecursionDepth} levels) and was stopped. Use a loop, or recurse less deeply.");
        }

        execution.EnterCountdown = execution.Check();
    }

    /// <summary>
    /// Guards the entry of an async method or lambda. Its stack allowance is a quarter of a synchronous method's:
    /// a stop raised deep in async recursion is rethrown by every awaiting level, each time with a longer stack
    /// trace, so the depth it may reach is kept small.
    /// </summary>
    public static unsafe void EnterAsync()
    {
        var execution = Current();
        byte marker = 0;
        if ((nint)(&marker) < execution.AsyncStackLimit)
        {
            execution.Budget.Halt(ExecutionStatus.RuntimeError, ErrorKind.RecursionLimit,
                "The code nested async calls too deeply (recursion through await) and was stopped. Use a loop, or recurse less deeply.");
        }

        Enter();
    }

    /// <summary>Checks every limit (in catch and finally blocks, before a goto).</summary>
    public static void Tick() => Current().Budget.Tick();

    /// <summary>
    /// The filter added to every catch clause: the sandbox's stop (a limit, a cancellation, final_answer) is never
    /// caught, and once the execution is stopping nothing else is either, so that the stop cannot be turned into
    /// another exception and swallowed. Evaluated before the code's own filter, which therefore never sees the stop.
    /// </summary>
    public static bool Catchable(Exception exception)
    {
        if (exception is SandboxStopException or OutOfMemoryException or InsufficientExecutionStackException)
        {
            return false;
        }

        return ScriptExecution.Current is not { IsStopping: true };
    }

    /// <summary>Charges an array's size to the memory budget before it is allocated, and returns the length.</summary>
    public static long ArraySize(long length, int elementBytes) => Current().StartArray(length, elementBytes);

    /// <summary>Charges the next dimension of a multi-dimensional array, and returns the length.</summary>
    public static long ArrayDimension(long length) => Current().NextArrayDimension(length);

    /// <summary>Charges a size the code passes to a library call (a string length, a capacity) and returns it.</summary>
    public static int Bytes(int count, int bytesPerItem)
    {
        Current().Budget.Charge(1, Math.Max(0, (long)count) * bytesPerItem);
        return count;
    }

    /// <summary>
    /// Starts an interpolated string: its literal text and alignments come to <paramref name="constantChars"/>, and
    /// each string hole adds its length (<see cref="Piece"/>). Returns the count of an enclosing interpolation, for
    /// <see cref="EndText"/> to restore.
    /// </summary>
    public static long BeginText(int constantChars)
    {
        var execution = Current();
        var outer = execution.TextChars;
        execution.TextChars = constantChars;
        execution.ChargeBytes((long)constantChars * 2 * sizeof(char));
        return outer;
    }

    /// <summary>A string hole of an interpolated string: adds its length and charges the string built so far (and the buffer that builds it) when it is large.</summary>
    public static string? Piece(string? value)
    {
        var execution = Current();
        execution.TextChars += value?.Length ?? 0;
        execution.ChargeBytes(execution.TextChars * 2 * sizeof(char));
        return value;
    }

    /// <summary>Ends an interpolated string started by <see cref="BeginText"/> and returns it.</summary>
    public static string EndText(long outer, string text)
    {
        Current().TextChars = outer;
        return text;
    }

    /// <summary>A string appended on its own (a hole of an interpolated string that goes straight into a builder): charges its length and returns it.</summary>
    public static string? Chars(string? value)
    {
        Charge((value?.Length ?? 0) * (long)sizeof(char));
        return value;
    }

    /// <summary>A hole padded to <paramref name="width"/> characters: charges the padding and returns the value.</summary>
    public static T Aligned<T>(T value, int width)
    {
        Charge(Math.Abs((long)width) * sizeof(char));
        return value;
    }

    /// <summary>The receiver of a call that copies it (<c>ToUpper</c>, <c>Split</c>, <c>ToCharArray</c>): charges <paramref name="factor"/> times its size and returns it.</summary>
    public static string? Copied(string? value, int factor)
    {
        Charge((value?.Length ?? 0) * (long)sizeof(char) * factor);
        return value;
    }

    /// <summary>A <see cref="System.Text.StringBuilder"/> about to be copied into a string: charges its size and returns it.</summary>
    public static System.Text.StringBuilder? Copied(System.Text.StringBuilder? value, int factor)
    {
        Charge((value?.Length ?? 0) * (long)sizeof(char) * factor);
        return value;
    }

    /// <summary>A number about to be written out in decimal: charges the digits and returns it.</summary>
    public static System.Numerics.BigInteger Copied(System.Numerics.BigInteger value, int factor)
    {
        Charge(ChargedCalls.DigitChars(value) * sizeof(char) * factor);
        return value;
    }

    /// <summary>Charges an allocation about to happen; a small one costs a comparison only (it is counted at the next check).</summary>
    internal static void Charge(long bytes)
    {
        if (bytes >= ScriptExecution.ChargeThresholdBytes)
        {
            Current().ChargeBytes(bytes);
        }
    }

    /// <summary>Charges a count of items a library call will produce one by one (Enumerable.Range, Repeat) as operations, and returns it.</summary>
    public static int Operations(int count)
    {
        Current().Budget.Charge(Math.Max(1, count));
        return count;
    }

    /// <summary>The time limit given to every regular expression: what is left of the execution's time.</summary>
    public static TimeSpan RegexTimeout()
    {
        var remaining = Current().Budget.Remaining;
        return remaining > TimeSpan.FromMilliseconds(1) ? remaining : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>A time limit the code gave a regular expression, capped at what is left of the execution's time.</summary>
    public static TimeSpan RegexTimeout(TimeSpan requested)
    {
        var cap = RegexTimeout();
        return requested > TimeSpan.Zero && requested < cap ? requested : cap;
    }

    /// <summary>
    /// A culture or region name the code passes to <c>CultureInfo</c>, <c>RegionInfo</c> or <c>CompareInfo</c>, if the
    /// runtime predefines it (see <see cref="PredefinedCultures"/>).
    /// </summary>
    /// <exception cref="CultureNotFoundException">Any other name; the code may catch it.</exception>
    public static string CultureName(string name) =>
        name is null || PredefinedCultures.Contains(name)
            ? name!
            : throw new CultureNotFoundException(nameof(name), name,
                $"'{name}' is not a culture the sandbox knows: use a predefined name such as en-US, de-DE or fr-FR (CultureInfo.GetCultures(CultureTypes.AllCultures) lists them).");

    /// <summary>The token given to every <c>Task.Delay</c> and <c>WaitAsync</c> of the code: cancelled when the execution ends.</summary>
    public static CancellationToken WaitToken() => Current().Ending;

    /// <summary>The options a <c>JsonSerializer</c> call without options uses: the defaults, cached per session.</summary>
    public static JsonSerializerOptions JsonOptions() => Current().CodeJson;

    /// <summary>
    /// The options a <c>JsonSerializer</c> call passes: null means the session's defaults, and options not yet used
    /// get a resolver of their own, so that their cache of the code's types goes away with them, and the sandbox's
    /// refusal to wait for a task (<see cref="TaskRefusal"/>).
    /// </summary>
    public static JsonSerializerOptions JsonOptions(JsonSerializerOptions? requested)
    {
        if (requested is null)
        {
            return JsonOptions();
        }

        if (!requested.IsReadOnly && requested.TypeInfoResolver is null)
        {
            requested.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
            requested.Converters.Add(new TaskRefusal());
        }

        return requested;
    }

    private static ScriptExecution Current() =>
        ScriptExecution.Current ?? throw new SandboxStopException(ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.SandboxError,
            "Sandboxed code ran outside an execution (for example on another thread); it was stopped."));
}
