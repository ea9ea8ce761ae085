using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>Turns the values of sandboxed code into JSON: the value of the last expression and the final answer.</summary>
internal static class ValueConverter
{
    /// <summary>
    /// Options for one session. They are not shared: a serializer caches metadata about every type it meets, and the
    /// code's own types must go away with the session's collectible code.
    /// </summary>
    /// <remarks>
    /// Each gets a resolver instance of its own: options with equal settings otherwise share one process-wide
    /// metadata cache, which would keep every session's types alive as long as any session lives.
    /// </remarks>
    /// <remarks>
    /// Numbers are written as every backend writes them: NaN and ±Infinity as <c>null</c> (as <c>JSON.stringify</c>
    /// does), big integers with every digit.
    /// </remarks>
    public static JsonSerializerOptions CreateOptions() => new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        IncludeFields = true,
        MaxDepth = 64,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReferenceHandler = null,
        Converters = { new DoubleConverter(), new SingleConverter(), new BigIntegerConverter(), new TaskRefusal() },
    };

    /// <summary>
    /// The options the code's own <c>JsonSerializer</c> calls use when they pass none: the serializer's defaults, with
    /// a cache of the session's own (calls without options would otherwise cache the code's types for ever in
    /// <see cref="JsonSerializerOptions.Default"/>).
    /// </summary>
    public static JsonSerializerOptions CreateCodeDefaults() => new(JsonSerializerOptions.Default)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        Converters = { new TaskRefusal() },
    };

    /// <summary>
    /// The options <c>Files.ReadJson&lt;T&gt;</c> reads with, one per session for the reason above: the session's
    /// conversion, lenient as files written by people and other programs need (names in any case, comments, trailing
    /// commas).
    /// </summary>
    public static JsonSerializerOptions CreateFileReadOptions() => new(CreateOptions())
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Converts <paramref name="value"/>; JSON longer than <paramref name="maxChars"/> becomes a string holding its start.</summary>
    /// <exception cref="InvalidOperationException">The value cannot be converted (a cycle, or a type the serializer refuses).</exception>
    public static (JsonElement? Json, bool Truncated) ToJson(object? value, JsonSerializerOptions options, int maxChars, string what)
    {
        if (value is null)
        {
            return (JsonDocument.Parse("null").RootElement.Clone(), false);
        }

        byte[] utf8;
        try
        {
            utf8 = value switch
            {
                JsonElement element => Encoding.UTF8.GetBytes(element.GetRawText()),
                Delegate => JsonSerializer.SerializeToUtf8Bytes(value.ToString(), options),
                _ => JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), options),
            };
        }
        catch (JsonException e) when (e.Message.Contains("cycle", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValueConversionException($"{what}: the value is cyclic or nested deeper than 64 levels, so it cannot become JSON. Return plain data (copy the fields you need).");
        }
        catch (NotSupportedException e)
        {
            throw new ValueConversionException($"{what}: a value of this type cannot become JSON ({e.Message.Split('.')[0]}). Return plain data: numbers, strings, lists, dictionaries, records.");
        }

        var chars = Encoding.UTF8.GetCharCount(utf8);
        if (chars <= maxChars)
        {
            using var document = JsonDocument.Parse(utf8);
            return (document.RootElement.Clone(), false);
        }

        var text = Encoding.UTF8.GetString(utf8);
        var cut = text[..Math.Max(0, maxChars)] + $"… [truncated: the JSON has {chars:N0} characters; the limit is {maxChars:N0}]";
        return (JsonSerializer.SerializeToElement(cut), true);
    }
}

/// <summary>Writes a double as a JSON number, or <c>null</c> when it is NaN or infinite; reads numbers.</summary>
internal sealed class DoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary>Writes a float as a JSON number, or <c>null</c> when it is NaN or infinite; reads numbers.</summary>
internal sealed class SingleConverter : JsonConverter<float>
{
    public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetSingle();

    public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary>Writes a <see cref="BigInteger"/> as a JSON number with every digit; reads any JSON integer.</summary>
internal sealed class BigIntegerConverter : JsonConverter<BigInteger>
{
    public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        BigInteger.Parse(Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan), CultureInfo.InvariantCulture);

    public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
}

/// <summary>
/// Refuses to write a task (<see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/>,
/// <see cref="ValueTask{TResult}"/>) as JSON. The serializer would read its <c>Result</c>, which waits for a task that
/// has not finished on the sandbox thread, the only thread that can run the task's continuations: the session would
/// never answer again. Every serializer options the sandbox uses, and those the code passes, have it.
/// </summary>
internal sealed class TaskRefusal : JsonConverterFactory
{
    /// <summary>The message; the serializer appends the value's path after its first period.</summary>
    public const string Message = "a Task or ValueTask cannot become JSON: await it and use its result instead.";

    public override bool CanConvert(Type typeToConvert) =>
        typeof(Task).IsAssignableFrom(typeToConvert) || typeToConvert == typeof(ValueTask)
        || (typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ValueTask<>));

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Refuse<>).MakeGenericType(typeToConvert))!;

    private sealed class Refuse<T> : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException(Message);

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => throw new NotSupportedException(Message);
    }
}

/// <summary>A value of sandboxed code cannot become JSON; the message says why. Code may catch it as an <see cref="InvalidOperationException"/>.</summary>
internal sealed class ValueConversionException(string message) : InvalidOperationException(message);
