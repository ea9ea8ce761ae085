using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Json;
using Jint.Native.Object;
using Jint.Runtime;

namespace CodeActSdk.Jint;

/// <summary>A JavaScript value that cannot become JSON (it is cyclic, or a promise); the message says why and what to do.</summary>
internal sealed class JsonConversionException(string message) : Exception(message);

/// <summary>
/// Converts JavaScript values to JSON and back, with a bound on the size of the result and a clear error for what
/// cannot cross. Plain values follow JSON.stringify (functions, symbols-as-properties and undefined are left out,
/// NaN and Infinity become null, <c>toJSON</c> is honoured); the values JSON.stringify would mangle are converted
/// as a reader expects: dates become ISO strings, a <c>Map</c> an object (or a list of [key, value] pairs when a
/// key is not a string or number), a <c>Set</c> or typed array an array, a <c>BigInt</c> an exact JSON number, an
/// error its name and message, a regular expression its source. Getters run as ordinary code, under the
/// execution's limits.
/// </summary>
internal sealed class JsonConversion(Engine engine, int maxChars)
{
    private const int MaxDepth = 64;
    private readonly HashSet<ObjectInstance> _path = new(ReferenceEqualityComparer.Instance);
    private long _chars;

    /// <summary>Whether the last conversion was cut short because it exceeded the size bound.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Converts <paramref name="value"/>; <see langword="undefined"/> and functions give <see langword="null"/>.</summary>
    /// <exception cref="JsonConversionException">The value is cyclic or holds a promise.</exception>
    public JsonNode? ToJson(JsValue value, out bool isUndefined)
    {
        _path.Clear();
        _chars = 0;
        Truncated = false;
        isUndefined = value.IsUndefined() || value is Function;
        return isUndefined ? null : Convert(value, "$", 0);
    }

    /// <summary>Converts JSON text into a fresh JavaScript value of this engine.</summary>
    public JsValue FromJson(string? json) => json is null ? JsValue.Null : new JsonParser(engine).Parse(json);

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
                return JsonValue.Create(Bounded(value.AsString()));
            case Types.BigInt:
                var digits = ((JsBigInt)value).ToString();
                var kept = Bounded(digits);
                return ReferenceEquals(kept, digits) ? JsonNode.Parse(digits) : JsonValue.Create(kept);
            case Types.Symbol:
                return JsonValue.Create(Bounded(value.ToString()));
        }

        var obj = value.AsObject();
        switch (obj)
        {
            case JsDate date:
                _chars += 26;
                return IsoDate(date) is { } iso ? JsonValue.Create(iso) : null;
            case JsRegExp regex:
                return JsonValue.Create(Bounded("/" + regex.Source + "/" + regex.Flags));
            case Function:
                return null;
        }

        if (value.IsPromise())
        {
            throw new JsonConversionException($"{path} is a Promise, which cannot cross to the host. Await it first (inside an async function whose promise is the step's last expression), and return or pass its result.");
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
            return obj switch
            {
                JsArray => ConvertList(Indexed(obj), path, depth),
                JsTypedArray => ConvertList(Indexed(obj), path, depth),
                JsArrayBuffer => ConvertList(Indexed(engine.Construct("Uint8Array", obj)), path, depth),
                JsSet => ConvertList(Iterated(obj, "values"), path, depth),
                JsMap => ConvertMap(obj, path, depth),
                JsError => ConvertError(obj),
                _ => ConvertObject(obj, path, depth),
            };
        }
        finally
        {
            _path.Remove(obj);
        }
    }

    private static string? IsoDate(JsDate date)
    {
        var ms = date.DateValue;
        return double.IsFinite(ms) && Math.Abs(ms) <= 8.64e15
            ? DateTime.UnixEpoch.AddMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : null;
    }

    private static IEnumerable<JsValue> Indexed(ObjectInstance list)
    {
        var length = (long)TypeConverter.ToLength(list.Get("length"));
        for (long i = 0; i < length; i++)
        {
            yield return list.Get(i);
        }
    }

    /// <summary>The items of <c>obj[method]()</c>, read through the iterator protocol as the code would.</summary>
    private IEnumerable<JsValue> Iterated(ObjectInstance obj, string method)
    {
        var iterator = engine.Call(obj.Get(method), obj, []).AsObject();
        var next = iterator.Get("next");
        while (true)
        {
            var step = engine.Call(next, iterator, []).AsObject();
            if (TypeConverter.ToBoolean(step.Get("done")))
            {
                yield break;
            }

            yield return step.Get("value");
        }
    }

    private JsonArray ConvertList(IEnumerable<JsValue> items, string path, int depth)
    {
        var result = new JsonArray();
        var i = 0;
        foreach (var item in items)
        {
            if (_chars > maxChars)
            {
                Truncated = true;
                result.Add(JsonValue.Create("[truncated: more items were left out]"));
                break;
            }

            _chars += 1;
            result.Add(item.IsUndefined() || item is Function ? null : Convert(item, $"{path}[{i}]", depth + 1));
            i++;
        }

        return result;
    }

    private JsonNode ConvertMap(ObjectInstance map, string path, int depth)
    {
        var entries = Iterated(map, "entries").Select(entry => (Key: entry.AsObject().Get(0), Value: entry.AsObject().Get(1))).ToList();
        if (!entries.All(entry => entry.Key.IsString() || entry.Key.IsNumber()))
        {
            return ConvertList(entries.Select(entry => (JsValue)new JsArray(engine, [entry.Key, entry.Value])), path, depth);
        }

        var result = new JsonObject();
        foreach (var (key, item) in entries)
        {
            if (_chars > maxChars)
            {
                Truncated = true;
                result["…"] = JsonValue.Create("[truncated: more entries were left out]");
                break;
            }

            var name = Bounded(TypeConverter.ToString(key));
            _chars += 2;
            result[name] = item.IsUndefined() || item is Function ? null : Convert(item, $"{path}.get({Display(key)})", depth + 1);
        }

        return result;
    }

    private JsonObject ConvertError(ObjectInstance error) => new()
    {
        ["name"] = Bounded(TypeConverter.ToString(error.Get("name"))),
        ["message"] = Bounded(TypeConverter.ToString(error.Get("message"))),
    };

    /// <summary>
    /// A string as it crosses: whole while the bound has room for it, otherwise cut where the bound ends, with a note
    /// of how much was left out (a single string can be as large as the whole bound allows, and no larger).
    /// </summary>
    private string Bounded(string text)
    {
        var room = Math.Max(0, maxChars - _chars);
        _chars += text.Length + 2;
        if (text.Length <= room)
        {
            return text;
        }

        Truncated = true;
        var keep = (int)room;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), $"…[truncated: {text.Length - keep:N0} more characters]");
    }

    private JsonNode? ConvertObject(ObjectInstance obj, string path, int depth)
    {
        var toJson = obj.Get("toJSON");
        if (toJson is Function)
        {
            return Convert(engine.Call(toJson, obj, []), path, depth + 1);
        }

        var result = new JsonObject();
        foreach (var key in obj.GetOwnPropertyKeys(Types.String))
        {
            var descriptor = obj.GetOwnProperty(key);
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
            if (item.IsUndefined() || item is Function || item.IsSymbol())
            {
                continue;
            }

            var name = Bounded(key.ToString());
            _chars += 2;
            result[name] = Convert(item, $"{path}.{name}", depth + 1);
        }

        return result;
    }

    /// <summary>Formats a value for console output: strings as they are, everything else as compact JSON or its JavaScript form.</summary>
    public string Display(JsValue value)
    {
        switch (value)
        {
            case JsString:
                return value.AsString();
            case JsUndefined:
                return "undefined";
            case JsBigInt:
                return value + "n";
            case JsSymbol:
                return value.ToString();
            case Function:
                return "[Function]";
            case JsError error:
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
            return value.IsPromise() ? "Promise { <pending or settled> }" : "[Circular]";
        }
    }
}
