using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Array;
using Jint.Native.Date;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Runtime;

namespace CodeActSdk.Jint;

/// <summary>A JavaScript value that cannot become JSON (it is cyclic); the message names where.</summary>
internal sealed class JsonConversionException(string message) : Exception(message);

/// <summary>
/// Converts JavaScript values to JSON and back, with JSON.stringify's rules (functions and undefined are left out,
/// NaN and Infinity become null, dates become ISO strings), a bound on the size of the result, and a clear error
/// for cyclic values. Getters run as ordinary code, under the execution's limits.
/// </summary>
internal sealed class JsonConversion(Engine engine, int maxChars)
{
    private const int MaxDepth = 64;
    private readonly HashSet<ObjectInstance> _path = new(ReferenceEqualityComparer.Instance);
    private int _chars;

    /// <summary>Whether the last conversion was cut short because it exceeded the size bound.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Converts <paramref name="value"/>; <see langword="undefined"/> and functions give <see langword="null"/>.</summary>
    /// <exception cref="JsonConversionException">The value is cyclic.</exception>
    public JsonNode? ToJson(JsValue value, out bool isUndefined)
    {
        _path.Clear();
        _chars = 0;
        Truncated = false;
        isUndefined = value.IsUndefined() || value.Is<FunctionInstance>();
        return isUndefined ? null : Convert(value, "$", 0);
    }

    /// <summary>Converts JSON text into a fresh JavaScript value of this engine.</summary>
    public JsValue FromJson(string? json) =>
        json is null ? JsValue.Null : engine.Json.Parse(JsValue.Undefined, [new JsValue(json)]);

    private JsonNode? Convert(JsValue value, string path, int depth)
    {
        switch (value.Type)
        {
            case Types.Undefined or Types.Null:
                _chars += 4;
                return null;
            case Types.Boolean:
                _chars += 5;
                return JsonValue.Create(value.AsBoolean());
            case Types.Number:
                var number = value.AsNumber();
                _chars += 8;
                return double.IsFinite(number) ? JsonValue.Create(number) : null;
            case Types.String:
                var text = value.AsString();
                _chars += text.Length + 2;
                return JsonValue.Create(text);
        }

        var obj = value.AsObject();
        if (obj is DateInstance date)
        {
            _chars += 26;
            var ms = date.PrimitiveValue;
            return double.IsFinite(ms)
                ? JsonValue.Create(DateTime.UnixEpoch.AddMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                : null;
        }

        if (depth >= MaxDepth)
        {
            Truncated = true;
            return JsonValue.Create($"[nested deeper than {MaxDepth} levels]");
        }

        if (!_path.Add(obj))
        {
            throw new JsonConversionException($"The value is cyclic: {path} refers back to an object that contains it. Return or pass plain data (copy the fields you need).");
        }

        try
        {
            return obj is ArrayInstance ? ConvertArray(obj, path, depth) : ConvertObject(obj, path, depth);
        }
        finally
        {
            _path.Remove(obj);
        }
    }

    private JsonArray ConvertArray(ObjectInstance array, string path, int depth)
    {
        var result = new JsonArray();
        var length = TypeConverter.ToUint32(array.Get("length"));
        for (uint i = 0; i < length; i++)
        {
            if (_chars > maxChars)
            {
                Truncated = true;
                result.Add(JsonValue.Create($"[truncated: {length - i:N0} more items]"));
                break;
            }

            var item = array.Get(i.ToString(CultureInfo.InvariantCulture));
            _chars += 1;
            result.Add(item.IsUndefined() || item.Is<FunctionInstance>() ? null : Convert(item, $"{path}[{i}]", depth + 1));
        }

        return result;
    }

    private JsonNode? ConvertObject(ObjectInstance obj, string path, int depth)
    {
        var toJson = obj.Get("toJSON");
        if (toJson.Is<FunctionInstance>())
        {
            return Convert(toJson.Invoke(obj, []), path, depth + 1);
        }

        var result = new JsonObject();
        foreach (var (key, descriptor) in obj.GetOwnProperties().ToArray())
        {
            if (descriptor.Enumerable != true)
            {
                continue;
            }

            if (_chars > maxChars)
            {
                Truncated = true;
                result["…"] = JsonValue.Create("[truncated: more properties were left out]");
                break;
            }

            var item = obj.Get(key);
            if (item.IsUndefined() || item.Is<FunctionInstance>())
            {
                continue;
            }

            _chars += key.Length + 4;
            result[key] = Convert(item, $"{path}.{key}", depth + 1);
        }

        return result;
    }

    /// <summary>Formats a value for console output: strings as they are, everything else as compact JSON or its JavaScript form.</summary>
    public string Display(JsValue value)
    {
        if (value.IsString())
        {
            return value.AsString();
        }

        if (value.IsUndefined())
        {
            return "undefined";
        }

        if (value.Is<FunctionInstance>())
        {
            return "[Function]";
        }

        if (value.IsObject() && value.AsObject().Class == "Error")
        {
            var error = value.AsObject();
            return $"{TypeConverter.ToString(error.Get("name"))}: {TypeConverter.ToString(error.Get("message"))}";
        }

        if (value.IsPrimitive())
        {
            return TypeConverter.ToString(value);
        }

        try
        {
            var json = ToJson(value, out _);
            return json?.ToJsonString() ?? "null";
        }
        catch (JsonConversionException)
        {
            return "[Circular]";
        }
    }
}
