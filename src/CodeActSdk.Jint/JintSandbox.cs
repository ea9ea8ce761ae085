using System.Text.RegularExpressions;
using System.Globalization;
using System.Text.Json.Nodes;
using CodeActSdk.Files;
using CodeActSdk.Sandboxing;
using CodeActSdk.Tools;
using Jint;
using Jint.Native;
using Jint.Native.RegExp;
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
/// What the code can reach is exactly what is installed here: the ES5.1 built-ins, <c>console</c>,
/// <c>final_answer</c>, <c>files</c> (the session's virtual file system) and the session's tools. There is no CLR access (Jint's AllowClr is never enabled and no
/// .NET object is ever handed to the engine), <c>eval</c> and <c>Function</c> are disabled because code they
/// compile would bypass the guards, and built-ins whose work the code controls are charged to the budget first.
/// Used by one thread at a time.
/// </remarks>
internal sealed class JintSandbox
{
    private const int MaxJsonDepth = 500;

    // Array methods that visit every index up to `length`, which the code sets freely: new Array(1e9) is cheap to
    // make but a join over it is a billion steps inside the engine, where no guard runs.
    private static readonly string[] LengthBoundArrayMethods =
    [
        "join", "toString", "toLocaleString", "reverse", "indexOf", "lastIndexOf", "every", "some", "forEach", "map",
        "filter", "reduce", "reduceRight", "slice", "splice", "shift", "unshift", "concat", "sort",
    ];

    private Options _engineOptions = null!;
    private readonly JsonConversion _json;
    private readonly HashSet<string> _ownGlobals;
    private ExecutionBudget? _budget;
    private SandboxFileSystem? _files;

    public JintSandbox()
    {
        Engine = new Engine(options =>
        {
            _engineOptions = options;
            options.Culture(CultureInfo.InvariantCulture).LocalTimeZone(TimeZoneInfo.Utc);
        });
        _json = new JsonConversion(Engine, int.MaxValue);
        Guard = Function((_, _) =>
        {
            Budget.Tick();
            return JsValue.Undefined;
        });
        InstallConsole();
        Define(Engine.Global, "final_answer", Function(FinalAnswerCall, 1));
        DisableCodeGeneration();
        ChargeBuiltins();
        // After ChargeBuiltins: the install script keeps its own references to JSON.parse and JSON.stringify, which
        // must be the charged ones.
        InstallFiles();
        // Everything on the global object now is a built-in or the sandbox's own; the tools are added in Bind.
        _ownGlobals = new HashSet<string>(Engine.Global.GetOwnProperties().Select(p => p.Key), StringComparer.Ordinal);
    }

    public Engine Engine { get; }

    /// <summary>The function the injected guard calls reach.</summary>
    public JsValue Guard { get; }

    public SandboxOptions Options { get; private set; } = new();

    public OutputBuffer Output { get; private set; } = new(1);

    public List<ToolCallRecord> ToolCalls { get; } = [];

    public JsonNode? FinalAnswer { get; private set; }

    public bool HasFinalAnswer { get; private set; }

    public bool FinalAnswerTruncated { get; private set; }

    public ExecutionBudget Budget => _budget ?? throw new InvalidOperationException("No execution is running in this sandbox.");

    /// <summary>Whether the state digest is being computed: console output is dropped and tools refuse to run.</summary>
    public bool Describing { get; private set; }

    /// <summary>Whether <paramref name="name"/> was a global before the code ran: a built-in, console, final_answer, files or a tool.</summary>
    public bool IsSandboxGlobal(string name) => _ownGlobals.Contains(name);

    /// <summary>Applies a session's limits, installs its tools and connects <c>files</c> to its file system.</summary>
    /// <exception cref="ArgumentException">A tool's name would hide a JavaScript global.</exception>
    public void Bind(SandboxOptions options, ToolBridge tools, SandboxFileSystem files)
    {
        Options = options;
        _files = files;
        Output = new OutputBuffer(options.MaxOutputChars);
        _engineOptions.LimitRecursion(options.MaxRecursionDepth);
        foreach (var tool in tools.Tools)
        {
            if (Engine.Global.HasProperty(tool.Name))
            {
                throw new ArgumentException($"The tool '{tool.Name}' would hide the JavaScript global of the same name. Rename the tool.", nameof(options));
            }

            Define(Engine.Global, tool.Name, Function((_, arguments) => CallTool(tools, tool, arguments), tool.Parameters.Count));
            _ownGlobals.Add(tool.Name);
        }
    }

    /// <summary>Starts counting an execution's limits on the current thread.</summary>
    public void Begin(ExecutionBudget budget)
    {
        _budget = budget;
        ToolCalls.Clear();
        FinalAnswer = null;
        HasFinalAnswer = false;
        FinalAnswerTruncated = false;
    }

    public void End() => _budget = null;

    /// <summary>
    /// Starts computing the state digest: getters and toJSON of the code's values run under <paramref name="budget"/>,
    /// but nothing they do reaches the host (no output, no tool calls), and the last execution's results stay as they are.
    /// </summary>
    public void BeginDigest(ExecutionBudget budget)
    {
        _budget = budget;
        Describing = true;
    }

    public void EndDigest()
    {
        _budget = null;
        Describing = false;
    }

    public JsonConversion ValueConverter(int maxChars) => new(Engine, maxChars);

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
                throw new JavaScriptException(Engine.TypeError, $"Tool '{tool.Name}': {e.Message}");
            }
        }

        try
        {
            var result = tools.Invoke(tool, json, Budget, ToolCalls)?.ToJsonString();
            Budget.Charge(1, (result?.Length ?? 0) * 4L);
            return _json.FromJson(result);
        }
        catch (ToolCallException e)
        {
            throw new JavaScriptException(Engine.Error, e.Message);
        }
    }

    /// <summary>
    /// Installs the frozen global <c>files</c>, one host function per operation. Built here rather than by
    /// <see cref="JavaScriptFiles.InstallScript"/>: that script deletes globals, and deleting from Jint's global object
    /// would change the order in which the code's own globals are listed in the state digest.
    /// </summary>
    private void InstallFiles()
    {
        var files = Engine.Object.Construct(Arguments.Empty);
        foreach (var (name, arity) in JavaScriptFiles.Operations)
        {
            files.FastSetProperty(name, new PropertyDescriptor(Function((_, arguments) => FilesCall(name, arguments), arity), false, true, false));
        }

        files.Extensible = false;
        Engine.Global.FastSetProperty(JavaScriptFiles.GlobalName, new PropertyDescriptor(files, false, false, false));
    }

    private JsValue FilesCall(string operation, JsValue[] arguments)
    {
        RefuseWhileDescribing(JavaScriptFiles.GlobalName);
        var files = _files ?? throw new JavaScriptException(Engine.Error, "files is not available: this sandbox is not bound to a session.");
        var json = new List<JsonNode?>(arguments.Length);
        foreach (var argument in arguments)
        {
            // Rows and bytes are arrays of the code's choosing: converting one visits every index up to its length.
            var length = LengthOf(argument);
            Budget.Charge(length, argument.IsObject() ? length * 32L : 0);
            try
            {
                json.Add(_json.ToJson(argument, out _));
            }
            catch (JsonConversionException e)
            {
                throw new JavaScriptException(Engine.TypeError, $"{JavaScriptFiles.GlobalName}: {e.Message}");
            }
        }

        string? result;
        try
        {
            result = JavaScriptFiles.Invoke(files, operation, json);
        }
        catch (SandboxFileException e)
        {
            throw new JavaScriptException(Engine.Error, e.Message);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientMemoryException))
        {
            // Invoke is meant to throw only SandboxFileException; anything else is a host fault the code can still
            // handle. Its message is left out because it may name a host path.
            throw new JavaScriptException(Engine.Error, $"The file operation failed in the host ({e.GetType().Name}).");
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
            throw new JavaScriptException(Engine.TypeError, $"final_answer: {e.Message}");
        }

        FinalAnswerTruncated = converter.Truncated;
        HasFinalAnswer = true;
        // final_answer ends the execution at once; the stop cannot be caught by the code.
        throw new SandboxStopException(ExecutionStatus.Completed, null);
    }

    private void RefuseWhileDescribing(string name)
    {
        if (Describing)
        {
            throw new JavaScriptException(Engine.Error, $"{name} cannot be called from a getter or toJSON while the session's state digest is computed.");
        }
    }

    private void InstallConsole()
    {
        var console = Engine.Object.Construct(Arguments.Empty);
        foreach (var name in new[] { "log", "info", "warn", "error", "debug" })
        {
            Define(console, name, Function((_, arguments) =>
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

    private void DisableCodeGeneration()
    {
        var disabled = new DisabledFunction(Engine,
            "eval is disabled in this sandbox. Write the code directly instead of building it as a string.");
        Engine.Global.FastSetProperty("eval", new PropertyDescriptor(disabled, true, false, true));
        var function = new DisabledFunction(Engine,
            "The Function constructor is disabled in this sandbox. Define functions with function expressions instead.");
        // Keep `x instanceof Function` working.
        function.FastAddProperty("prototype", Engine.Function.PrototypeObject, false, false, false);
        Engine.Global.FastSetProperty("Function", new PropertyDescriptor(function, true, false, true));
        Engine.Function.PrototypeObject.FastSetProperty("constructor", new PropertyDescriptor(function, true, false, true));
    }

    private void ChargeBuiltins()
    {
        var arrayPrototype = Engine.Array.PrototypeObject;
        foreach (var name in LengthBoundArrayMethods)
        {
            Wrap(arrayPrototype, name, (thisValue, arguments) =>
            {
                var length = LengthOf(thisValue);
                var operations = name switch
                {
                    "sort" => length * (long)Math.Ceiling(Math.Log2(length + 2)),
                    "concat" => length + arguments.Sum(LengthOf),
                    _ => length,
                };
                var separator = name == "join" && arguments.Length > 0 && !arguments[0].IsUndefined()
                    ? TypeConverter.ToString(arguments[0]).Length
                    : 1;
                // join/toString build a string of at least (length - 1) separators; StringBuilder doubling and
                // UTF-16 make that about four bytes per character.
                var bytes = name is "join" or "toString" or "toLocaleString" ? length * separator * 4L : 0;
                Budget.Charge(operations, bytes);
            });
        }

        Wrap(Engine.Function.PrototypeObject, "apply", (_, arguments) => Budget.Charge(arguments.Length > 1 ? LengthOf(arguments[1]) : 0));
        Wrap(Engine.String.PrototypeObject, "split", (thisValue, _) => Budget.Charge(thisValue.IsString() ? thisValue.AsString().Length : 1));
        // Jint 2 runs regular expressions in .NET's engine without a match timeout. Every regex a built-in is about to
        // run gets the time limit as its match timeout, so catastrophic backtracking ends as Timeout; a string pattern
        // of match and search (which those turn into a regex) becomes such a regex first.
        Wrap(Engine.RegExp.PrototypeObject, "exec", (thisValue, _) => LimitRegex(thisValue));
        Wrap(Engine.RegExp.PrototypeObject, "test", (thisValue, _) => LimitRegex(thisValue));
        foreach (var name in (string[])["match", "search", "replace", "split"])
        {
            Wrap(Engine.String.PrototypeObject, name, (_, arguments) =>
            {
                if (arguments.Length > 0)
                {
                    arguments[0] = LimitRegex(arguments[0], compileStrings: name is "match" or "search");
                }
            });
        }

        Wrap(Engine.Json, "stringify", (_, arguments) =>
        {
            if (arguments.Length > 0)
            {
                Budget.Charge(CountNested(arguments[0]));
            }
        });
        Wrap(Engine.Json, "parse", (_, arguments) =>
        {
            var text = arguments.Length > 0 ? TypeConverter.ToString(arguments[0]) : "";
            Budget.Charge(text.Length / 16, text.Length * 8L);
            if (SourceChecks.MaxDepth(text) > MaxJsonDepth)
            {
                throw new JavaScriptException(Engine.SyntaxError, $"JSON.parse: the text nests more than {MaxJsonDepth} levels deep.");
            }
        });
    }

    /// <summary>
    /// Gives the .NET regex behind <paramref name="value"/> the execution's time limit as its match timeout (once per
    /// limit: the regex is rebuilt only when the limit differs); with <paramref name="compileStrings"/>, a string
    /// becomes such a regex first, as the built-in would do. Other values are returned as they are.
    /// </summary>
    private JsValue LimitRegex(JsValue value, bool compileStrings = false)
    {
        if (compileStrings && value.IsString())
        {
            value = Engine.RegExp.Construct([value]);
        }

        if (value.IsObject() && value.AsObject() is RegExpInstance regex && regex.Value.MatchTimeout != Budget.Limit)
        {
            regex.Value = new Regex(regex.Value.ToString(), regex.Value.Options, Budget.Limit);
        }

        return value;
    }

    /// <summary>Counts the objects reachable from <paramref name="value"/>, refusing nesting deeper than JSON can safely serialise.</summary>
    private long CountNested(JsValue value)
    {
        if (!value.IsObject())
        {
            return 1;
        }

        var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(ObjectInstance Obj, int Depth)>();
        pending.Push((value.AsObject(), 1));
        while (pending.Count > 0)
        {
            var (obj, depth) = pending.Pop();
            if (depth > MaxJsonDepth)
            {
                throw new JavaScriptException(Engine.RangeError, $"JSON.stringify: the value nests more than {MaxJsonDepth} levels deep.");
            }

            if (!seen.Add(obj))
            {
                continue;
            }

            foreach (var (_, descriptor) in obj.GetOwnProperties())
            {
                if (descriptor.Value is { } child && child.IsObject())
                {
                    pending.Push((child.AsObject(), depth + 1));
                }
            }

            Budget.Charge(1);
        }

        return seen.Count;
    }

    private long LengthOf(JsValue value)
    {
        if (!value.IsObject())
        {
            return 1;
        }

        return TypeConverter.ToUint32(value.AsObject().Get("length"));
    }

    private void Wrap(ObjectInstance target, string name, Action<JsValue, JsValue[]> charge)
    {
        var original = (FunctionInstance)target.Get(name).AsObject();
        var length = (int)TypeConverter.ToNumber(original.Get("length"));
        target.FastSetProperty(name, new PropertyDescriptor(Function((thisValue, arguments) =>
        {
            charge(thisValue, arguments);
            return original.Call(thisValue, arguments);
        }, length), true, false, true));
    }

    private ClrFunctionInstance Function(Func<JsValue, JsValue[], JsValue> body, int length = 0) => new(Engine, body, length);

    private static void Define(ObjectInstance target, string name, JsValue value) =>
        target.FastSetProperty(name, new PropertyDescriptor(value, true, false, true));

    /// <summary>Stands in for eval and Function: calling or constructing it throws an EvalError saying why.</summary>
    private sealed class DisabledFunction : FunctionInstance, IConstructor
    {
        private readonly string _message;

        public DisabledFunction(Engine engine, string message)
            : base(engine, [], null, false)
        {
            _message = message;
            Prototype = engine.Function.PrototypeObject;
            Extensible = true;
        }

        public override JsValue Call(JsValue thisObject, JsValue[] arguments) => throw new JavaScriptException(Engine.EvalError, _message);

        public ObjectInstance Construct(JsValue[] arguments) => throw new JavaScriptException(Engine.EvalError, _message);
    }
}
