using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// Library calls whose allocation follows from their arguments, charged to the memory budget before they run. The
/// guard rewriter sends a call here when this class declares a method of the same name whose parameters are the
/// call's own (preceded by the receiver's type for an instance method), and string <c>+</c>, BigInteger <c>*</c> and
/// <c>&lt;&lt;</c> (and their compound assignments) likewise. Each method computes what the call will allocate, charges
/// it (<see cref="ScriptExecution.ChargeBytes"/>: a charge past the budget is a <c>MemoryLimit</c> stop before anything
/// is allocated), then makes the very call the code made. Infrastructure of compiled scripts, not for host code.
/// </summary>
/// <remarks>
/// What is charged: the result of string concatenation, <c>Join</c>, <c>Replace</c> and <c>Insert</c>; what
/// <c>StringBuilder.Append</c> and <c>Insert</c> add; the array that <c>ToArray</c>, <c>ToList</c>,
/// <c>ToHashSet</c>, <c>List.Add</c>, <c>AddRange</c> and <c>InsertRange</c> allocate when the count is known
/// without enumerating; the result of <c>BigInteger.Pow</c>, <c>Multiply</c>, <c>LeftShift</c> and <c>Parse</c>
/// (twice its size: the product and the multiplication's working buffers). Sizes are upper bounds where the exact
/// size would cost a second pass (a culture-aware <c>Replace</c>). Small allocations are left to the allocation
/// count the guards read at the next check.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ChargedCalls
{
    // ---- string ---------------------------------------------------------------------------------------------------

    /// <summary><see cref="string.Concat(string, string)"/>, charged.</summary>
    public static string Concat(string? str0, string? str1)
    {
        ChargeChars((long)Length(str0) + Length(str1));
        return string.Concat(str0, str1);
    }

    /// <summary><see cref="string.Concat(string, string, string)"/>, charged.</summary>
    public static string Concat(string? str0, string? str1, string? str2)
    {
        ChargeChars((long)Length(str0) + Length(str1) + Length(str2));
        return string.Concat(str0, str1, str2);
    }

    /// <summary><see cref="string.Concat(string, string, string, string)"/>, charged.</summary>
    public static string Concat(string? str0, string? str1, string? str2, string? str3)
    {
        ChargeChars((long)Length(str0) + Length(str1) + Length(str2) + Length(str3));
        return string.Concat(str0, str1, str2, str3);
    }

    /// <summary><see cref="string.Concat(string[])"/>, charged.</summary>
    public static string Concat(params string?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ChargeChars(Length(values));
        return string.Concat(values);
    }

    /// <summary><see cref="string.Concat(IEnumerable{string})"/>, charged as the strings arrive.</summary>
    public static string Concat(IEnumerable<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values is List<string?> list)
        {
            ChargeChars(Length(list, separatorChars: 0));
            return string.Concat(list);
        }

        return string.Concat(Collect(values, static s => s, separatorChars: 0));
    }

    /// <summary><see cref="string.Concat{T}(IEnumerable{T})"/>, charged as the strings arrive.</summary>
    public static string Concat<T>(IEnumerable<T> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return string.Concat(Collect(values, static v => v?.ToString(), separatorChars: 0));
    }

    /// <summary><see cref="string.Join(string, string[])"/>, charged.</summary>
    public static string Join(string? separator, params string?[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ChargeChars(Length(value) + ((long)Length(separator) * Math.Max(0, value.Length - 1)));
        return string.Join(separator, value);
    }

    /// <summary><see cref="string.Join(char, string[])"/>, charged.</summary>
    public static string Join(char separator, params string?[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ChargeChars(Length(value) + Math.Max(0, value.Length - 1));
        return string.Join(separator, value);
    }

    /// <summary><see cref="string.Join(string, IEnumerable{string})"/>, charged as the strings arrive.</summary>
    public static string Join(string? separator, IEnumerable<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values is List<string?> list)
        {
            ChargeChars(Length(list, Length(separator)));
            return string.Join(separator, list);
        }

        return string.Join(separator, Collect(values, static s => s, Length(separator)));
    }

    /// <summary><see cref="string.Join{T}(string, IEnumerable{T})"/>, charged as the strings arrive.</summary>
    public static string Join<T>(string? separator, IEnumerable<T> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return string.Join(separator, Collect(values, static v => v?.ToString(), Length(separator)));
    }

    /// <summary><see cref="string.Join{T}(char, IEnumerable{T})"/>, charged as the strings arrive.</summary>
    public static string Join<T>(char separator, IEnumerable<T> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return string.Join(separator, Collect(values, static v => v?.ToString(), separatorChars: 1));
    }

    /// <summary><see cref="string.Replace(string, string)"/>, charged with the exact length of the result.</summary>
    public static string Replace(string s, string oldValue, string? newValue)
    {
        ChargeReplace(s, oldValue, newValue, StringComparison.Ordinal);
        return s.Replace(oldValue, newValue);
    }

    /// <summary><see cref="string.Replace(string, string, StringComparison)"/>, charged (exactly when ordinal, else an upper bound).</summary>
    public static string Replace(string s, string oldValue, string? newValue, StringComparison comparisonType)
    {
        ChargeReplace(s, oldValue, newValue, comparisonType);
        return s.Replace(oldValue, newValue, comparisonType);
    }

    /// <summary><see cref="string.Replace(string, string, bool, CultureInfo)"/>, charged with an upper bound.</summary>
    public static string Replace(string s, string oldValue, string? newValue, bool ignoreCase, CultureInfo? culture)
    {
        ChargeReplace(s, oldValue, newValue, StringComparison.CurrentCulture);
        return s.Replace(oldValue, newValue, ignoreCase, culture);
    }

    /// <summary><see cref="string.Insert(int, string)"/>, charged.</summary>
    public static string Insert(string s, int startIndex, string value)
    {
        ChargeChars((long)Length(s) + Length(value));
        return s.Insert(startIndex, value);
    }

    // ---- StringBuilder --------------------------------------------------------------------------------------------

    /// <summary><see cref="StringBuilder.Append(string)"/>, charged with what it adds.</summary>
    public static StringBuilder Append(StringBuilder builder, string? value)
    {
        ChargeChars(Length(value));
        return builder.Append(value);
    }

    /// <summary><see cref="StringBuilder.Append(StringBuilder)"/>, charged with what it adds.</summary>
    public static StringBuilder Append(StringBuilder builder, StringBuilder? value)
    {
        ChargeChars(value?.Length ?? 0);
        return builder.Append(value);
    }

    /// <summary><see cref="StringBuilder.Append(char[])"/>, charged with what it adds.</summary>
    public static StringBuilder Append(StringBuilder builder, char[]? value)
    {
        ChargeChars(value?.Length ?? 0);
        return builder.Append(value);
    }

    /// <summary><see cref="StringBuilder.AppendLine(string)"/>, charged with what it adds.</summary>
    public static StringBuilder AppendLine(StringBuilder builder, string? value)
    {
        ChargeChars(Length(value));
        return builder.AppendLine(value);
    }

    /// <summary><see cref="StringBuilder.Insert(int, string)"/>, charged with what it adds.</summary>
    public static StringBuilder Insert(StringBuilder builder, int index, string? value)
    {
        ChargeChars(Length(value));
        return builder.Insert(index, value);
    }

    /// <summary><see cref="StringBuilder.Insert(int, string, int)"/>, charged with what it adds (the value <paramref name="count"/> times).</summary>
    public static StringBuilder Insert(StringBuilder builder, int index, string? value, int count)
    {
        ChargeChars((long)Length(value) * Math.Max(0, count));
        return builder.Insert(index, value, count);
    }

    /// <summary><see cref="StringBuilder.Replace(string, string)"/>, charged with an upper bound of what it adds.</summary>
    public static StringBuilder Replace(StringBuilder builder, string oldValue, string? newValue)
    {
        if (!string.IsNullOrEmpty(oldValue) && Length(newValue) > oldValue.Length)
        {
            ChargeChars((long)builder.Length / oldValue.Length * (Length(newValue) - oldValue.Length));
        }

        return builder.Replace(oldValue, newValue);
    }

    // ---- collections ----------------------------------------------------------------------------------------------

    /// <summary><see cref="Enumerable.ToArray{TSource}(IEnumerable{TSource})"/>, charged when the count is known without enumerating.</summary>
    public static TSource[] ToArray<TSource>(IEnumerable<TSource> source)
    {
        ChargeItems<TSource>(source, 0);
        return source.ToArray();
    }

    /// <summary><see cref="Enumerable.ToList{TSource}(IEnumerable{TSource})"/>, charged when the count is known without enumerating.</summary>
    public static List<TSource> ToList<TSource>(IEnumerable<TSource> source)
    {
        ChargeItems<TSource>(source, 0);
        return source.ToList();
    }

    /// <summary><see cref="Enumerable.ToHashSet{TSource}(IEnumerable{TSource})"/>, charged when the count is known without enumerating.</summary>
    public static HashSet<TSource> ToHashSet<TSource>(IEnumerable<TSource> source)
    {
        ChargeItems<TSource>(source, HashEntryOverhead);
        return source.ToHashSet();
    }

    /// <summary><see cref="List{T}.Add"/>, charged when it grows the list's array.</summary>
    public static void Add<T>(List<T> list, T item)
    {
        if (list.Count == list.Capacity)
        {
            ChargeGrowth<T>(list, 1);
        }

        list.Add(item);
    }

    /// <summary><see cref="List{T}.AddRange"/>, charged when it grows the list's array and the count is known without enumerating.</summary>
    public static void AddRange<T>(List<T> list, IEnumerable<T> collection)
    {
        if (collection is not null && collection.TryGetNonEnumeratedCount(out var count))
        {
            ChargeGrowth<T>(list, count);
        }

        list.AddRange(collection!);
    }

    /// <summary><see cref="List{T}.InsertRange"/>, charged when it grows the list's array and the count is known without enumerating.</summary>
    public static void InsertRange<T>(List<T> list, int index, IEnumerable<T> collection)
    {
        if (collection is not null && collection.TryGetNonEnumeratedCount(out var count))
        {
            ChargeGrowth<T>(list, count);
        }

        list.InsertRange(index, collection!);
    }

    // ---- BigInteger -----------------------------------------------------------------------------------------------

    /// <summary><see cref="BigInteger.Pow"/>, charged with twice the size of its result.</summary>
    public static BigInteger Pow(BigInteger value, int exponent)
    {
        if (exponent > 1)
        {
            ChargeNumber((double)Bits(value) * exponent);
        }

        return BigInteger.Pow(value, exponent);
    }

    /// <summary><see cref="BigInteger.Multiply"/> and <c>*</c>, charged with twice the size of the product.</summary>
    public static BigInteger Multiply(BigInteger left, BigInteger right)
    {
        ChargeNumber((double)Bits(left) + Bits(right));
        return left * right;
    }

    /// <summary><c>&lt;&lt;</c> on a <see cref="BigInteger"/>, charged with twice the size of the result.</summary>
    public static BigInteger LeftShift(BigInteger value, int shift)
    {
        if (shift > 0)
        {
            ChargeNumber((double)Bits(value) + shift);
        }

        return value << shift;
    }

    /// <summary><see cref="BigInteger.Parse(string)"/>, charged with twice the size of the number.</summary>
    public static BigInteger Parse(string value)
    {
        ChargeNumber(Length(value) * BitsPerDigit);
        return BigInteger.Parse(value, CultureInfo.CurrentCulture);
    }

    /// <summary><see cref="BigInteger.Parse(string, IFormatProvider)"/>, charged with twice the size of the number.</summary>
    public static BigInteger Parse(string value, IFormatProvider? provider)
    {
        ChargeNumber(Length(value) * BitsPerDigit);
        return BigInteger.Parse(value, provider);
    }

    /// <summary><see cref="BigInteger.Parse(string, NumberStyles)"/>, charged with twice the size of the number (hexadecimal digits counted as such).</summary>
    public static BigInteger Parse(string value, NumberStyles style)
    {
        ChargeNumber(Length(value) * 4.0);
        return BigInteger.Parse(value, style, CultureInfo.CurrentCulture);
    }

    // ---- sizes ----------------------------------------------------------------------------------------------------

    /// <summary>Bits per decimal digit.</summary>
    private const double BitsPerDigit = 3.33;

    /// <summary>A hash set's bytes per item beyond the item itself: its bucket and the entry's hash code and link.</summary>
    private const int HashEntryOverhead = 12;

    /// <summary>The decimal digits of <paramref name="value"/>, the characters its <c>ToString()</c> will allocate (an upper bound).</summary>
    internal static long DigitChars(BigInteger value) => (long)(Bits(value) / BitsPerDigit) + 2;

    private static long Bits(BigInteger value) => value.IsZero ? 1 : (long)BigInteger.Abs(value).GetBitLength();

    private static int Length(string? text) => text?.Length ?? 0;

    private static long Length(string?[] values)
    {
        long chars = 0;
        foreach (var value in values)
        {
            chars += Length(value);
        }

        return chars;
    }

    /// <summary>The characters a list of strings joins into: the strings and a separator between each two.</summary>
    private static long Length(List<string?> values, int separatorChars)
    {
        long chars = (long)separatorChars * Math.Max(0, values.Count - 1);
        foreach (var value in values)
        {
            chars += Length(value);
        }

        return chars;
    }

    private static ScriptExecution Execution => ScriptExecution.Current ?? throw new SandboxStopException(ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.SandboxError,
        "Sandboxed code ran outside an execution (for example on another thread); it was stopped."));

    private static void ChargeChars(long chars) => SandboxGuard.Charge(chars * sizeof(char));

    /// <summary>A number of <paramref name="bits"/>, and as much again for the buffers that compute it.</summary>
    private static void ChargeNumber(double bits) => SandboxGuard.Charge(bits >= long.MaxValue / 2.0 ? long.MaxValue : 2 * (long)(bits / 8));

    private static void ChargeReplace(string? s, string? oldValue, string? newValue, StringComparison comparison)
    {
        if (s is null || string.IsNullOrEmpty(oldValue))
        {
            return; // string.Replace throws, or returns the string itself
        }

        var growth = Length(newValue) - oldValue.Length;
        var most = (long)s.Length + (growth > 0 ? (long)(s.Length / oldValue.Length) * growth : 0);
        if (most * sizeof(char) < ScriptExecution.ChargeThresholdBytes)
        {
            return;
        }

        var exact = growth > 0 && comparison is StringComparison.Ordinal
            ? s.Length + ((long)s.AsSpan().Count(oldValue.AsSpan()) * growth)
            : most;
        ChargeChars(exact);
    }

    private static void ChargeItems<T>(IEnumerable<T> source, int overhead)
    {
        if (source is not null && source.TryGetNonEnumeratedCount(out var count))
        {
            SandboxGuard.Charge((long)count * (Unsafe.SizeOf<T>() + overhead));
        }
    }

    /// <summary>What a list's array grows to when <paramref name="adding"/> more items do not fit: double, or the count needed.</summary>
    private static void ChargeGrowth<T>(List<T> list, int adding)
    {
        var needed = (long)list.Count + adding;
        if (needed > list.Capacity)
        {
            SandboxGuard.Charge(Math.Max(needed, 2L * list.Capacity) * Unsafe.SizeOf<T>());
        }
    }

    /// <summary>
    /// The strings of <paramref name="values"/>, made as the library call would make them (each item's text once, in
    /// order), with their total length charged as it grows, so that a huge sequence is stopped before the result's
    /// allocation, and before the list holding them grows past the budget.
    /// </summary>
    private static List<string?> Collect<T>(IEnumerable<T> values, Func<T, string?> text, int separatorChars)
    {
        var execution = Execution;
        List<string?> strings;
        if (values.TryGetNonEnumeratedCount(out var count))
        {
            execution.ChargeBytes((long)count * IntPtr.Size);
            strings = new List<string?>(count);
        }
        else
        {
            strings = [];
        }

        long chars = 0;
        var nextCharge = ScriptExecution.ChargeThresholdBytes;
        foreach (var value in values)
        {
            var item = text(value);
            strings.Add(item);
            chars += Length(item) + (strings.Count > 1 ? separatorChars : 0);
            var bytes = (chars * sizeof(char)) + ((long)strings.Count * IntPtr.Size);
            if (bytes >= nextCharge)
            {
                execution.ChargeBytes(bytes);
                nextCharge = bytes * 2;
            }
        }

        execution.ChargeBytes(chars * sizeof(char));
        return strings;
    }
}
