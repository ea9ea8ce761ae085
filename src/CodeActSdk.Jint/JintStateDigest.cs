using System.Globalization;
using System.Text;
using CodeActSdk.Sandboxing;
using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;

namespace CodeActSdk.Jint;

/// <summary>
/// Describes the globals the code defined in a Jint session: every own property of the global object that was not
/// there when the engine was built (top-level <c>var</c> and function declarations and assignments to undeclared
/// names), in the order they were created, then the top-level <c>let</c>, <c>const</c> and <c>class</c> bindings in
/// the order they were declared.
/// </summary>
/// <remarks>
/// Previews may run the code's getters; they run under the digest's budget (see
/// <see cref="JintSandbox.BeginDigest"/>), and a value whose getter throws or runs out of budget is described as
/// "(cannot be shown: ...)". Getters defined on the global object itself are never run.
/// </remarks>
internal sealed class JintStateDigest(JintSandbox sandbox, ExecutionBudget budget)
{
    private const int MaxDepth = 32;
    private static readonly int PreviewLimit = VariableSummary.MaxPreviewChars;

    private readonly ExecutionBudget _budget = budget;

    public List<VariableSummary> Describe()
    {
        // What the steps declared, in the order they declared it; then globals made otherwise (assignment to an
        // undeclared name, eval, globalThis.x = ...), in the order they were created.
        var globals = sandbox.Engine.Global.GetOwnProperties().Where(p => p.Key.IsString())
            .ToDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal);
        var names = sandbox.Declarations.Names.Concat(globals.Keys.Where(name => !sandbox.IsSandboxGlobal(name))).Distinct(StringComparer.Ordinal);
        var summaries = new List<VariableSummary>();
        foreach (var name in names)
        {
            if (sandbox.Declarations.IsLexical(name))
            {
                summaries.Add(Lexical(name));
            }
            else if (globals.TryGetValue(name, out var descriptor) && !sandbox.IsSandboxGlobal(name))
            {
                summaries.Add(descriptor.IsAccessorDescriptor()
                    ? new VariableSummary(name, "accessor", Cut("(cannot be shown: a getter on the global object is not run for the digest)"))
                    : Summarize(name, descriptor.Value ?? JsValue.Undefined));
            }
        }

        return summaries;
    }

    private VariableSummary Lexical(string name)
    {
        try
        {
            return Summarize(name, sandbox.Engine.Evaluate(name));
        }
        catch (JavaScriptException)
        {
            return new VariableSummary(name, "uninitialized", "(not initialized: the step that declared it failed before reaching the declaration)");
        }
    }

    private VariableSummary Summarize(string name, JsValue value)
    {
        var type = TypeOf(value);
        string preview;
        try
        {
            preview = Preview(name, value);
        }
        catch (SandboxStopException stop)
        {
            preview = "(cannot be shown: " + (stop.Status == ExecutionStatus.MemoryLimit ? "it needs more memory than the sandbox allows" : "computing it took too long") + ")";
        }
        catch (JavaScriptException e)
        {
            preview = "(cannot be shown: a getter or toJSON threw " + ErrorText(e.Error) + ")";
        }
        catch (Exception e)
        {
            preview = $"(cannot be shown: {e.GetType().Name})";
        }

        return new VariableSummary(name, type, Cut(preview));
    }

    private string TypeOf(JsValue value)
    {
        switch (value.Type)
        {
            case Types.Undefined:
                return "undefined";
            case Types.Null:
                return "null";
            case Types.Boolean:
                return "boolean";
            case Types.Number:
                return "number";
            case Types.String:
                return "string";
            case Types.BigInt:
                return "bigint";
            case Types.Symbol:
                return "symbol";
        }

        var obj = value.AsObject();
        return obj switch
        {
            Function => "function",
            JsArray => $"Array({LengthOf(obj)})",
            JsMap map => $"Map({TypeConverter.ToNumber(map.Get("size"))})",
            JsSet set => $"Set({TypeConverter.ToNumber(set.Get("size"))})",
            JsDate => "Date",
            JsRegExp => "RegExp",
            _ when value.IsPromise() => "Promise",
            _ => ConstructorName(obj) ?? "object",
        };
    }

    /// <summary>The global name of the object's constructor, found without running any getter; <see langword="null"/> for plain objects.</summary>
    private string? ConstructorName(ObjectInstance obj)
    {
        var descriptor = PlainProperties.Lookup(obj, "constructor");
        if (descriptor == PropertyDescriptor.Undefined || descriptor.IsAccessorDescriptor() || descriptor.Value is not Function constructor
            || constructor == sandbox.Engine.Intrinsics.Object)
        {
            return obj is JsError ? "Error" : null;
        }

        var name = constructor.GetOwnProperty("name");
        return name.IsAccessorDescriptor() || name.Value is not JsString text || text.ToString().Length == 0 ? null : text.ToString();
    }

    private string Preview(string name, JsValue value)
    {
        if (value.IsString())
        {
            var text = value.AsString();
            return JsonString.Quote(text.Length > PreviewLimit ? text[..PreviewLimit] : text);
        }

        if (value.IsPrimitive())
        {
            return TypeConverter.ToString(value);
        }

        var obj = value.AsObject();
        switch (obj)
        {
            case Function function:
                return Signature(name, function);
            case JsDate date:
                return DateText(date) ?? "Invalid Date";
            case JsRegExp regex:
                return "/" + regex.Source + "/" + regex.Flags;
            case JsError:
                return ErrorText(obj);
        }

        if (value.IsPromise())
        {
            return "Promise";
        }

        var writer = new PreviewWriter(this);
        writer.Write(value, 0);
        return writer.Text;
    }

    /// <summary><c>name(a, b = …, ...rest)</c> from the function's own syntax tree (a class shows its constructor's parameters); no code runs.</summary>
    private static string Signature(string name, Function function)
    {
        var parameters = function.FunctionDeclaration switch
        {
            { } f => f.Params,
            null => default,
        };
        return $"{name}({string.Join(", ", parameters.Select(Parameter))})";

        static string Parameter(Node parameter) => parameter switch
        {
            Identifier identifier => identifier.Name,
            AssignmentPattern assignment => Parameter(assignment.Left) + " = …",
            RestElement rest => "..." + Parameter(rest.Argument),
            ObjectPattern => "{…}",
            ArrayPattern => "[…]",
            _ => "…",
        };
    }

    private static string? DateText(JsDate date)
    {
        var ms = date.DateValue;
        return double.IsFinite(ms) && Math.Abs(ms) <= 8.64e15
            ? DateTime.UnixEpoch.AddMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : null;
    }

    private static string ErrorText(JsValue error)
    {
        if (!error.IsObject())
        {
            return error.IsString() ? error.AsString() : error.IsPrimitive() ? TypeConverter.ToString(error) : "a value";
        }

        // Read without running getters: the error may be the code's own hostile object.
        var obj = error.AsObject();
        var name = PlainProperties.String(obj, "name") ?? "Error";
        var message = PlainProperties.String(obj, "message");
        return string.IsNullOrEmpty(message) ? name : name + ": " + message;
    }

    private static long LengthOf(ObjectInstance array) => TypeConverter.ToUint32(array.Get("length"));

    /// <summary>Cuts <paramref name="text"/> to <see cref="VariableSummary.MaxPreviewChars"/> characters, ending with "…" when cut.</summary>
    internal static string Cut(string text)
    {
        if (text.Length <= PreviewLimit)
        {
            return text;
        }

        var keep = PreviewLimit - 1;
        if (char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), "…");
    }

    /// <summary>
    /// Compact JSON-like text of an object, written only as far as the preview shows: at most a few items are
    /// read however large the array or object, cycles show as "[Circular]", and every item read is charged to
    /// the budget.
    /// </summary>
    private sealed class PreviewWriter(JintStateDigest digest)
    {
        private readonly StringBuilder _text = new();
        private readonly HashSet<ObjectInstance> _path = new(ReferenceEqualityComparer.Instance);

        public string Text => _text.ToString();

        private bool Full => _text.Length > PreviewLimit;

        public void Write(JsValue value, int depth)
        {
            digest._budget.Charge(1);
            switch (value.Type)
            {
                case Types.Undefined or Types.Null:
                    _text.Append("null");
                    return;
                case Types.Boolean:
                    _text.Append(value.AsBoolean() ? "true" : "false");
                    return;
                case Types.Number:
                    _text.Append(double.IsFinite(value.AsNumber()) ? TypeConverter.ToString(value) : "null");
                    return;
                case Types.String:
                    var text = value.AsString();
                    JsonString.AppendQuoted(_text, text.Length > PreviewLimit ? text[..PreviewLimit] : text);
                    return;
            }

            if (value.Type is Types.BigInt or Types.Symbol)
            {
                _text.Append(value.Type == Types.BigInt ? value + "n" : JsonString.Quote(value.ToString()));
                return;
            }

            var obj = value.AsObject();
            if (obj is JsDate date)
            {
                _text.Append(DateText(date) is { } iso ? JsonString.Quote(iso) : "null");
                return;
            }

            if (obj is Function)
            {
                _text.Append("null");
                return;
            }

            if (depth >= MaxDepth)
            {
                _text.Append("\"…\"");
                return;
            }

            if (!_path.Add(obj))
            {
                _text.Append("\"[Circular]\"");
                return;
            }

            if (obj is JsArray)
            {
                WriteArray(obj, depth);
            }
            else
            {
                WriteObject(obj, depth);
            }

            _path.Remove(obj);
        }

        private void WriteArray(ObjectInstance array, int depth)
        {
            var length = LengthOf(array);
            _text.Append('[');
            for (long i = 0; i < length && !Full; i++)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                Write(array.Get(i), depth + 1);
            }

            _text.Append(']');
        }

        private void WriteObject(ObjectInstance obj, int depth)
        {
            _text.Append('{');
            var first = true;
            foreach (var (property, descriptor) in obj.GetOwnProperties())
            {
                if (!property.IsString())
                {
                    continue;
                }

                var key = property.ToString();
                if (Full)
                {
                    break;
                }

                if (descriptor.Enumerable != true)
                {
                    continue;
                }

                var item = descriptor.IsAccessorDescriptor() ? obj.Get(key) : descriptor.Value ?? JsValue.Undefined;
                if (item.IsUndefined() || item is Function)
                {
                    continue;
                }

                if (!first)
                {
                    _text.Append(',');
                }

                first = false;
                _text.Append(JsonString.Quote(key)).Append(':');
                Write(item, depth + 1);
            }

            _text.Append('}');
        }
    }
}
