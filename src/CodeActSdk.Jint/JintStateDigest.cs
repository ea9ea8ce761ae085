using System.Globalization;
using System.Text;
using CodeActSdk.Sandboxing;
using Jint.Native;
using Jint.Native.Array;
using Jint.Native.Date;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Native.RegExp;
using Jint.Runtime;
using Jint.Runtime.Descriptors;

namespace CodeActSdk.Jint;

/// <summary>
/// Describes the globals the code defined in a Jint session: every own property of the global object that was not
/// there when the engine was built (ES5.1 has no <c>let</c>, <c>const</c> or <c>class</c>, so top-level <c>var</c>
/// and function declarations and assignments to undeclared names are all such properties), in the order they
/// were created.
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
    private readonly Dictionary<ObjectInstance, string> _globalNames = new(ReferenceEqualityComparer.Instance);

    public List<VariableSummary> Describe()
    {
        var globals = sandbox.Engine.Global.GetOwnProperties().ToArray();
        foreach (var (name, descriptor) in globals)
        {
            // Constructors are named after the global that holds them: ES5.1 functions have no name property.
            if (descriptor.Value is { } value && value.Is<FunctionInstance>())
            {
                _globalNames.TryAdd(value.AsObject(), name);
            }
        }

        var summaries = new List<VariableSummary>();
        foreach (var (name, descriptor) in globals)
        {
            if (sandbox.IsSandboxGlobal(name))
            {
                continue;
            }

            summaries.Add(descriptor.IsAccessorDescriptor()
                ? new VariableSummary(name, "accessor", Cut("(cannot be shown: a getter on the global object is not run for the digest)"))
                : Summarize(name, descriptor.Value ?? JsValue.Undefined));
        }

        return summaries;
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
        }

        var obj = value.AsObject();
        return obj switch
        {
            FunctionInstance => "function",
            ArrayInstance => $"Array({LengthOf(obj)})",
            DateInstance => "Date",
            RegExpInstance => "RegExp",
            _ => ConstructorName(obj) ?? "object",
        };
    }

    /// <summary>The global name of the object's constructor, found without running any getter; <see langword="null"/> for plain objects.</summary>
    private string? ConstructorName(ObjectInstance obj)
    {
        var descriptor = obj.GetProperty("constructor");
        if (descriptor == PropertyDescriptor.Undefined || descriptor.IsAccessorDescriptor() || descriptor.Value is not { } constructor
            || !constructor.IsObject() || constructor.AsObject() == sandbox.Engine.Object)
        {
            return obj.Class == "Error" ? "Error" : null;
        }

        return _globalNames.TryGetValue(constructor.AsObject(), out var name) ? name : null;
    }

    private string Preview(string name, JsValue value)
    {
        if (value.IsString())
        {
            var text = value.AsString();
            return Quote(text.Length > PreviewLimit ? text[..PreviewLimit] : text);
        }

        if (value.IsPrimitive())
        {
            return TypeConverter.ToString(value);
        }

        var obj = value.AsObject();
        switch (obj)
        {
            case FunctionInstance function:
                return $"{name}({string.Join(", ", function.FormalParameters ?? [])})";
            case DateInstance date:
                return DateText(date) ?? "Invalid Date";
            case RegExpInstance regex:
                return "/" + regex.Source + "/" + regex.Flags;
        }

        if (obj.Class == "Error")
        {
            return ErrorText(obj);
        }

        var writer = new PreviewWriter(this);
        writer.Write(value, 0);
        return writer.Text;
    }

    private static string? DateText(DateInstance date)
    {
        var ms = date.PrimitiveValue;
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
        var name = DataString(obj, "name") ?? "Error";
        var message = DataString(obj, "message");
        return string.IsNullOrEmpty(message) ? name : name + ": " + message;
    }

    private static string? DataString(ObjectInstance obj, string key)
    {
        var descriptor = obj.GetProperty(key);
        return descriptor != PropertyDescriptor.Undefined && descriptor.Value is { } value && value.IsString() ? value.AsString() : null;
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

    private static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        AppendEscaped(builder, text);
        return builder.Append('"').ToString();
    }

    private static void AppendEscaped(StringBuilder builder, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }
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
                    _text.Append('"');
                    AppendEscaped(_text, text.Length > PreviewLimit ? text[..PreviewLimit] : text);
                    _text.Append('"');
                    return;
            }

            var obj = value.AsObject();
            if (obj is DateInstance date)
            {
                _text.Append(DateText(date) is { } iso ? Quote(iso) : "null");
                return;
            }

            if (obj is FunctionInstance)
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

            if (obj is ArrayInstance)
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

                Write(array.Get(i.ToString(CultureInfo.InvariantCulture)), depth + 1);
            }

            _text.Append(']');
        }

        private void WriteObject(ObjectInstance obj, int depth)
        {
            _text.Append('{');
            var first = true;
            foreach (var (key, descriptor) in obj.GetOwnProperties())
            {
                if (Full)
                {
                    break;
                }

                if (descriptor.Enumerable != true)
                {
                    continue;
                }

                var item = descriptor.IsAccessorDescriptor() ? obj.Get(key) : descriptor.Value ?? JsValue.Undefined;
                if (item.IsUndefined() || item.Is<FunctionInstance>())
                {
                    continue;
                }

                if (!first)
                {
                    _text.Append(',');
                }

                first = false;
                _text.Append(Quote(key)).Append(':');
                Write(item, depth + 1);
            }

            _text.Append('}');
        }
    }
}
