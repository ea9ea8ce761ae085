using System.Globalization;
using System.Text.Json.Nodes;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace CodeActSdk.Jint;

/// <summary>
/// One hardened Jint engine and the state of the execution running in it. It is built ahead of time (the engine is
/// the slow part of a new session) and bound to one session's limits and tools when the session takes it.
/// </summary>
/// <remarks>
/// What the code can reach is exactly what is installed here: the ECMAScript built-ins, <c>console</c>,
/// <c>final_answer</c>, <c>files</c> (the session's virtual file system) and the session's tools. CLR interop is
/// off and no .NET object is ever handed to the engine. <c>eval</c> and <c>Function</c> work: the code they compile
/// runs under the same constraints as any other statement. The limits are Jint constraints: the statement count
/// (<see cref="SandboxOptions.MaxOperations"/>), the time limit and the caller's cancellation, and the
/// <see cref="ExecutionBudget"/> (live heap, deadline, stack); recursion depth, regular-expression time, JSON depth
/// and <c>Atomics.wait</c> are Jint options. Used by one thread at a time.
/// </remarks>
internal sealed class JintSandbox
{
    /// <summary>The deepest JSON text <c>JSON.parse</c> accepts.</summary>
    public const int MaxJsonDepth = 500;

    private readonly JsonConversion _json;
    private readonly HashSet<string> _ownGlobals;
    private readonly OperationDeadlineConstraint _deadline = new();
    private readonly MaxStatementsConstraint _statements;
    private readonly BudgetConstraint _budgetConstraint = new();
    private SandboxFileSystem? _files;

    /// <summary>Builds an engine whose engine-wide settings (recursion depth, regex time) are those of <paramref name="settings"/>.</summary>
    public JintSandbox(EngineSettings settings)
    {
        Engine = new Engine(options =>
        {
            options.Culture = CultureInfo.InvariantCulture;
            options.TimeZone = TimeZoneInfo.Utc;
            options.Interop.Enabled = false;
            options.Host.StringCompilationAllowed = true;
            options.AgentCanSuspend = false;
            options.Json.MaxParseDepth = MaxJsonDepth;
            options.Constraints.MaxRecursionDepth = settings.MaxRecursionDepth;
            options.Constraints.StackOverflowGuard = true;
            options.Constraints.RegexTimeout = settings.RegexTimeout;
            options.Constraint(_deadline);
            options.MaxStatements(int.MaxValue - 1); // set per session in Bind
            options.Constraint(_budgetConstraint);
        });
        _statements = Engine.Constraints.Find<MaxStatementsConstraint>()!;
        _json = new JsonConversion(Engine, int.MaxValue);
        RemoveEscapeHatches();
        InstallConsole();
        GuardRecursiveBuiltins();
        Define(Engine.Global, "final_answer", Function("final_answer", FinalAnswerCall, 1));
        InstallFiles();
        // Everything on the global object now is a built-in or the sandbox's own; the tools are added in Bind.
        _ownGlobals = new HashSet<string>(Engine.Global.GetOwnProperties().Select(p => p.Key.ToString()), StringComparer.Ordinal);
    }

    public Engine Engine { get; }

    public SandboxOptions Options { get; private set; } = new();

    public OutputBuffer Output { get; private set; } = new(1);

    public List<ToolCallRecord> ToolCalls { get; } = [];

    /// <summary>The top-level names the session's code declared, and which of them are let, const or class bindings.</summary>
    public ReplDeclarations Declarations { get; } = new();

    public JsonNode? FinalAnswer { get; private set; }

    public bool HasFinalAnswer { get; private set; }

    public bool FinalAnswerTruncated { get; private set; }

    public ExecutionBudget Budget => _budgetConstraint.Budget ?? throw new InvalidOperationException("No execution is running in this sandbox.");

    /// <summary>Whether the state digest is being computed: console output is dropped and tools refuse to run.</summary>
    public bool Describing { get; private set; }

    /// <summary>Whether <paramref name="name"/> was a global before the code ran: a built-in, console, final_answer, files or a tool.</summary>
    public bool IsSandboxGlobal(string name) => _ownGlobals.Contains(name);

    /// <summary>Whether <paramref name="name"/> is a global variable or function the session's code created.</summary>
    public bool IsCodeGlobal(string name) => !_ownGlobals.Contains(name) && Engine.Global.HasOwnProperty(name);

    /// <summary>Applies a session's limits, installs its tools and connects <c>files</c> to its file system.</summary>
    /// <exception cref="ArgumentException">A tool's name would hide a JavaScript global.</exception>
    public void Bind(SandboxOptions options, ToolBridge tools, SandboxFileSystem files)
    {
        Options = options;
        _files = files;
        Output = new OutputBuffer(options.MaxOutputChars, options.OutputListener);
        _statements.MaxStatements = (int)Math.Min(options.MaxOperations, int.MaxValue);
        foreach (var tool in tools.Tools)
        {
            if (Engine.Global.HasProperty(tool.Name))
            {
                throw new ArgumentException($"The tool '{tool.Name}' would hide the JavaScript global of the same name. Rename the tool.", nameof(options));
            }

            Define(Engine.Global, tool.Name, Function(tool.Name, (_, arguments) => CallTool(tools, tool, arguments), tool.Parameters.Count));
            _ownGlobals.Add(tool.Name);
        }
    }

    /// <summary>Starts counting an execution's limits on the current thread.</summary>
    public void Begin(ExecutionBudget budget, CancellationToken cancellationToken)
    {
        Arm(budget, cancellationToken);
        ToolCalls.Clear();
        FinalAnswer = null;
        HasFinalAnswer = false;
        FinalAnswerTruncated = false;
    }

    public void End() => Disarm();

    /// <summary>
    /// Starts computing the state digest: getters and toJSON of the code's values run under <paramref name="budget"/>,
    /// but nothing they do reaches the host (no output, no tool calls), and the last execution's results stay as they are.
    /// </summary>
    public void BeginDigest(ExecutionBudget budget, TimeSpan time, CancellationToken cancellationToken)
    {
        Arm(budget, cancellationToken, time);
        Describing = true;
    }

    public void EndDigest()
    {
        Disarm();
        Describing = false;
    }

    private void Arm(ExecutionBudget budget, CancellationToken cancellationToken, TimeSpan? time = null)
    {
        _budgetConstraint.Budget = budget;
        _deadline.Begin(time ?? Options.Timeout, cancellationToken);
    }

    private void Disarm()
    {
        _deadline.End();
        _budgetConstraint.Budget = null;
    }

    public JsonConversion ValueConverter(int maxChars) => new(Engine, maxChars);

    /// <summary>A JavaScript error of the given constructor (Error, TypeError, ...) to throw at the code.</summary>
    public JavaScriptException Error(string constructor, string message) =>
        new(Engine.Construct(constructor, new JsString(message)));

    private JsValue CallTool(ToolBridge tools, ToolDescriptor tool, JsValue[] arguments)
    {
        RefuseWhileDescribing(tool.Name);
        var json = new List<JsonNode?>(arguments.Length);
        foreach (var argument in arguments)
        {
            try
            {
                json.Add(_json.ToJson(argument, out _));
            }
            catch (JsonConversionException e)
            {
                throw Error("TypeError", $"Tool '{tool.Name}': {e.Message}");
            }
        }

        try
        {
            return FromToolResult(tools.Invoke(tool, json, Budget, ToolCalls));
        }
        catch (ToolCallException e)
        {
            throw Error("Error", e.Message);
        }
    }

    /// <summary>
    /// A tool's result as a JavaScript value: a number, string, boolean or null directly (the commonest results, and
    /// the cheapest to pass), anything else through JSON text, charged to the budget by its size first.
    /// </summary>
    private JsValue FromToolResult(JsonNode? result)
    {
        if (result is JsonValue value)
        {
            if (value.TryGetValue(out double number))
            {
                Budget.Charge(1);
                return new JsNumber(number);
            }

            if (value.TryGetValue(out bool flag))
            {
                Budget.Charge(1);
                return flag ? JsBoolean.True : JsBoolean.False;
            }

            if (value.TryGetValue(out string? text))
            {
                Budget.Charge(1, text.Length * 4L);
                return new JsString(text);
            }
        }

        var json = result?.ToJsonString();
        Budget.Charge(1, (json?.Length ?? 0) * 4L);
        return _json.FromJson(json);
    }

    /// <summary>Installs the frozen global <c>files</c>, one host function per operation.</summary>
    private void InstallFiles()
    {
        var files = new JsObject(Engine);
        foreach (var (name, arity) in JavaScriptFiles.Operations)
        {
            files.FastSetProperty(name, new PropertyDescriptor(Function(name, (_, arguments) => FilesCall(name, arguments), arity), false, true, false));
        }

        files.PreventExtensions();
        Engine.Global.FastSetProperty(JavaScriptFiles.GlobalName, new PropertyDescriptor(files, false, false, false));
    }

    private JsValue FilesCall(string operation, JsValue[] arguments)
    {
        RefuseWhileDescribing(JavaScriptFiles.GlobalName);
        var files = _files ?? throw Error("Error", "files is not available: this sandbox is not bound to a session.");
        var json = new List<JsonNode?>(arguments.Length);
        foreach (var argument in arguments)
        {
            try
            {
                json.Add(_json.ToJson(argument, out _));
            }
            catch (JsonConversionException e)
            {
                throw Error("TypeError", $"{JavaScriptFiles.GlobalName}: {e.Message}");
            }
        }

        string? result;
        try
        {
            result = JavaScriptFiles.Invoke(files, operation, json);
        }
        catch (SandboxFileException e)
        {
            throw Error("Error", e.Message);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientMemoryException))
        {
            // Invoke is meant to throw only SandboxFileException; anything else is a host fault the code can still
            // handle. Its message is left out because it may name a host path.
            throw Error("Error", $"The file operation failed in the host ({e.GetType().Name}).");
        }

        Budget.Charge(1, (result?.Length ?? 0) * 4L);
        return _json.FromJson(result);
    }

    private JsValue FinalAnswerCall(JsValue thisValue, JsValue[] arguments)
    {
        RefuseWhileDescribing("final_answer");
        var value = arguments.Length > 0 ? arguments[0] : JsValue.Undefined;
        var converter = ValueConverter(Options.MaxValueChars);
        try
        {
            FinalAnswer = converter.ToJson(value, out _);
        }
        catch (JsonConversionException e)
        {
            throw Error("TypeError", $"final_answer: {e.Message}");
        }

        FinalAnswerTruncated = converter.Truncated;
        HasFinalAnswer = true;
        // final_answer ends the execution at once; the stop is latched in the budget, so the code cannot catch it.
        Budget.Halt(ExecutionStatus.Completed, ErrorKind.FinalAnswer, "final_answer was called.");
        return JsValue.Undefined;
    }

    private void RefuseWhileDescribing(string name)
    {
        if (Describing)
        {
            throw Error("Error", $"{name} cannot be called from a getter or toJSON while the session's state digest is computed.");
        }
    }

    private void InstallConsole()
    {
        var console = new JsObject(Engine);
        foreach (var name in new[] { "log", "info", "warn", "error", "debug" })
        {
            Define(console, name, Function(name, (_, arguments) =>
            {
                if (Describing)
                {
                    return JsValue.Undefined;
                }

                Budget.Charge(arguments.Length);
                Output.AppendLine(string.Join(" ", arguments.Select(_json.Display)));
                return JsValue.Undefined;
            }));
        }

        Define(Engine.Global, "console", console);
    }

    /// <summary>
    /// Removes the two built-ins that would step outside this sandbox's hardening: <c>ShadowRealm</c> evaluates code in
    /// a fresh realm whose built-ins are not the guarded ones below, and a <c>FinalizationRegistry</c> callback runs
    /// whenever the garbage collector decides, possibly after the execution that registered it has ended.
    /// </summary>
    private void RemoveEscapeHatches()
    {
        // Overwritten with a read-only undefined, so that the code can neither use nor restore them.
        foreach (var name in (string[])["ShadowRealm", "FinalizationRegistry"])
        {
            Engine.Global.FastSetProperty(name, new PropertyDescriptor(JsValue.Undefined, false, false, false));
        }
    }

    /// <summary>
    /// Jint's built-ins check the constraints every few thousand elements of a long loop, but not while they recurse
    /// into nested values: joining an array nested 200,000 deep, or serialising an object nested as deep, would run
    /// unchecked for minutes (the cycle check makes it quadratic) and deep enough to exhaust the stack. The array
    /// methods that recurse through the code's own values (join through toString, flat) check the budget, and so
    /// the deadline and the stack, each time they are entered; JSON.stringify refuses values nested deeper than JSON
    /// can safely serialise, like JSON.parse does.
    /// </summary>
    private void GuardRecursiveBuiltins()
    {
        var arrayPrototype = Engine.Intrinsics.Array.PrototypeObject;
        Wrap(arrayPrototype, "join", (thisValue, arguments) => Budget.Charge(0, JoinedBytes(thisValue, arguments.Length > 0 ? arguments[0] : JsValue.Undefined)));
        Wrap(arrayPrototype, "toLocaleString", (thisValue, _) => Budget.Charge(0, JoinedBytes(thisValue, JsValue.Undefined)));
        // toString joins through this.join, which charges the string's size; flat builds no string.
        Wrap(arrayPrototype, "toString", (_, _) => Budget.Charge(0));
        Wrap(arrayPrototype, "flat", (_, _) => Budget.Charge(0));

        Wrap(Engine.Global.Get("JSON").AsObject(), "stringify", (_, arguments) =>
        {
            if (arguments.Length > 0)
            {
                RefuseDeepNesting(arguments[0]);
            }
        });
    }

    /// <summary>
    /// The least a join of <paramref name="array"/> with <paramref name="separator"/> (a comma when undefined) writes, in
    /// bytes: its separators alone. Charged before the join
    /// starts, because Jint builds the string in buffers of .NET's shared array pool, which a previous join may have
    /// left there: reusing them allocates nothing the budget would notice until the string is finished.
    /// </summary>
    private static long JoinedBytes(JsValue array, JsValue separator)
    {
        if (array is not ObjectInstance obj)
        {
            return 0;
        }

        var length = (long)TypeConverter.ToLength(obj.Get("length"));
        var separatorLength = separator is JsString text ? text.Length : 1;
        return Math.Max(0, length - 1) * separatorLength * sizeof(char);
    }

    /// <summary>
    /// Walks the objects reachable from <paramref name="value"/>, charging them to the budget, and throws a RangeError
    /// past <see cref="MaxJsonDepth"/> levels. Arrays are read by index rather than through property descriptors,
    /// which keeps the walk a small part of the serialisation it guards.
    /// </summary>
    private void RefuseDeepNesting(JsValue value)
    {
        if (value is not ObjectInstance root)
        {
            return;
        }

        const int ChargeEvery = 1024;
        var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(ObjectInstance Obj, int Depth)>();
        var uncharged = 0;
        pending.Push((root, 1));
        while (pending.Count > 0)
        {
            var (obj, depth) = pending.Pop();
            if (depth > MaxJsonDepth)
            {
                throw Error("RangeError", $"JSON.stringify: the value nests more than {MaxJsonDepth} levels deep. Flatten the data before serialising it.");
            }

            if (obj is Function || !seen.Add(obj))
            {
                continue;
            }

            if (++uncharged == ChargeEvery)
            {
                Budget.Charge(uncharged);
                uncharged = 0;
            }

            if (obj is JsArray array)
            {
                for (uint i = 0, length = array.Length; i < length; i++)
                {
                    if (array[i] is ObjectInstance item)
                    {
                        pending.Push((item, depth + 1));
                    }
                }

                continue;
            }

            foreach (var (_, descriptor) in obj.GetOwnProperties())
            {
                if (descriptor.Value is ObjectInstance child)
                {
                    pending.Push((child, depth + 1));
                }
            }
        }

        Budget.Charge(uncharged);
    }

    /// <summary>Replaces <c>target[name]</c> by a function of the same name and length that runs <paramref name="check"/> first.</summary>
    private void Wrap(ObjectInstance target, string name, Action<JsValue, JsValue[]> check)
    {
        var original = target.Get(name);
        var length = (int)TypeConverter.ToNumber(original.Get("length"));
        Define(target, name, Function(name, (thisValue, arguments) =>
        {
            check(thisValue, arguments);
            return Engine.Call(original, thisValue, arguments);
        }, length));
    }

    private ClrFunction Function(string name, Func<JsValue, JsValue[], JsValue> body, int length = 0) => new(Engine, name, body, length);

    private static void Define(ObjectInstance target, string name, JsValue value) =>
        target.FastSetProperty(name, new PropertyDescriptor(value, true, false, true));
}

/// <summary>The settings an engine is built with, which a session cannot change afterwards.</summary>
/// <param name="MaxRecursionDepth">Jint's call-depth limit (<see cref="SandboxOptions.MaxRecursionDepth"/>).</param>
/// <param name="RegexTimeout">The match timeout of every regular expression (<see cref="SandboxOptions.Timeout"/>).</param>
internal readonly record struct EngineSettings(int MaxRecursionDepth, TimeSpan RegexTimeout)
{
    public static EngineSettings For(SandboxOptions options) => new(options.MaxRecursionDepth, options.Timeout);
}
