namespace CodeActSdk.Roslyn;

/// <summary>
/// Builds <see cref="CSharpApiPolicy.Default"/>. <c>System</c> itself is allowed type by type (it mixes pure value
/// types with <c>Environment</c>, <c>AppDomain</c> and <c>Type</c>); the pure-data namespaces are allowed whole, with
/// their few escape hatches denied by name. Every denial carries the reason the model is shown.
/// </summary>
internal static class DefaultApiPolicy
{
    public const string Files = "the host's files and streams are not available in the sandbox: read and write the session's files with Files (Files.ReadText, Files.ReadCsv, Files.WriteText, Files.List, ...), and work on strings and collections in memory";
    public const string Network = "the network is not available in the sandbox: use the tools the host provides";
    public const string Processes = "processes and diagnostics are not available in the sandbox";
    public const string Reflection = "reflection is not available in the sandbox (no Type, Assembly or MemberInfo): use the values directly, and test types with pattern matching (x is int n)";
    public const string Threads = "threads, timers, locks and the thread pool are not available: write sequential code, and use async/await with Task.Delay or Task.WhenAll to wait";
    public const string Blocking = "blocking on a task is not allowed (it would wait for ever on the sandbox's single thread): use await";
    public const string Interop = "native code and raw memory are not available in the sandbox";
    public const string RuntimeInternals = "runtime and compiler internals are not available in the sandbox";
    public const string Expressions = "expression trees cannot be built or compiled in the sandbox: use ordinary lambdas (Func<...>)";
    public const string Host = "the host's process, environment and runtime are not reachable from the sandbox";
    public const string ConsoleReason = "use Console.WriteLine(...) without the System. prefix: the sandbox captures it";
    public const string Culture = "the current culture is fixed to the invariant culture: pass CultureInfo.InvariantCulture or CultureInfo.GetCultureInfo(\"...\") explicitly";
    public const string Parallelism = "parallel LINQ and queryables are not available: use ordinary LINQ";

    // Process-wide registries and settings: what one session changed there, the host and every other session would
    // live with, and code registered there would be called later, outside any execution's limits.
    public const string EncodingProviders = "encoding providers are registered for the whole host process, which would call yours later, outside the sandbox's limits: use the built-in encodings (Encoding.UTF8, Encoding.Unicode, Encoding.Latin1, Encoding.ASCII)";
    public const string CultureCache = "culture data is cached once for the whole host process and every session: there is nothing to clear; use CultureInfo.InvariantCulture or CultureInfo.GetCultureInfo(\"...\")";
    public const string ProcessSettings = "AppContext switches and data are settings of the whole host process: keep your settings in variables of your own";
    public const string ProcessEvents = "the host's process is not reachable from the sandbox, and its events and hooks (UnhandledException, FirstChanceException, ProcessExit, AssemblyResolve, Resolving, Unloading, UnobservedTaskException) would call your code later, on the host's threads and outside the sandbox's limits: handle errors where they happen, with try/catch around the call or the await";
    public const string HostEnvironment = "the host's process environment (its variables, current directory, exit code and command line) is not reachable from the sandbox: keep the values you need in variables, or use the tools the host provides";
    public const string ThreadPoolSettings = "the thread pool and its settings are the host process's: the sandbox runs your code on one thread; use async/await with Task.WhenAll to wait for several things";
    public const string GarbageCollector = "the garbage collector and its settings are the host process's: memory is limited and reclaimed for you";
    public const string RegexCache = "the cache of regular expressions is shared by the whole host process: construct a Regex once and reuse it instead of resizing the cache";
    public const string SharedJsonOptions = "JsonSerializerOptions.Default, .Web and .Strict are shared by the whole host process, which would keep what they learn about your types: pass no options (the sandbox's defaults), or create new JsonSerializerOptions(JsonSerializerDefaults.Web)";
    public const string JsonReadOnly = "options become read-only on their first use, when the sandbox gives them its own settings: MakeReadOnly is not needed";
    public const string SharedPools = "the shared array and memory pools are the host process's: an array returned to them would be handed to the host while your code can still write to it; allocate with new T[n]";
    public const string ConsoleState = "the sandbox's Console has only Write, WriteLine, Out and Error, captured for each execution: the host's console (its input, colours, window, cursor, and redirection with SetOut, SetIn or SetError) is not available; to collect text, build it in a StringBuilder";

    public static CSharpApiPolicy Build()
    {
        var policy = CSharpApiPolicy.Empty;

        // System: the safe core, type by type.
        string[] systemTypes =
        [
            "Object", "String", "Boolean", "Char", "SByte", "Byte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64",
            "Int128", "UInt128", "IntPtr", "UIntPtr", "Half", "Single", "Double", "Decimal", "Void", "ValueType", "Enum",
            "Math", "MathF", "DateTime", "DateTimeOffset", "DateTimeKind", "DayOfWeek", "DateOnly", "TimeOnly", "TimeSpan",
            "Guid", "Random", "Convert", "BitConverter", "Array", "ArraySegment", "Nullable", "Tuple", "TupleExtensions",
            "ValueTuple", "Func", "Action", "Predicate", "Comparison", "Converter", "EventHandler", "EventArgs", "Delegate",
            "MulticastDelegate", "Span", "ReadOnlySpan", "Memory", "ReadOnlyMemory", "MemoryExtensions", "Index", "Range",
            "IComparable", "IEquatable", "IDisposable", "IAsyncDisposable", "IFormattable", "IFormatProvider", "ICloneable",
            "IConvertible", "ISpanFormattable", "IUtf8SpanFormattable", "IParsable", "ISpanParsable", "IUtf8SpanParsable",
            "IObservable", "IObserver", "IProgress", "Lazy", "Uri", "UriKind", "UriComponents", "UriFormat", "UriPartial",
            "Version", "MidpointRounding", "StringComparer", "StringComparison", "StringSplitOptions",
            "Base64FormattingOptions", "FormattableString", "HashCode", "CharEnumerator", "Attribute", "AttributeUsageAttribute",
            "AttributeTargets", "FlagsAttribute", "ObsoleteAttribute", "StringNormalizationExtensions", "WeakReference",
            "Exception", "SystemException", "ApplicationException", "ArgumentException", "ArgumentNullException",
            "ArgumentOutOfRangeException", "ArithmeticException", "DivideByZeroException", "OverflowException",
            "NotFiniteNumberException", "FormatException", "IndexOutOfRangeException", "InvalidCastException",
            "InvalidOperationException", "NotImplementedException", "NotSupportedException", "NullReferenceException",
            "ObjectDisposedException", "OperationCanceledException", "TimeoutException", "AggregateException",
            "KeyNotFoundException", "RankException", "ArrayTypeMismatchException", "UriFormatException",
        ];
        foreach (var type in systemTypes)
        {
            policy = policy.AllowType("System." + type);
        }

        policy = policy
            .DenyMember("System.Object", "GetType", Reflection)
            .DenyMember("System.Delegate", "Method", Reflection)
            .DenyMember("System.Delegate", "Target", Reflection)
            .DenyMember("System.Delegate", "DynamicInvoke", Reflection)
            .DenyMember("System.Delegate", "CreateDelegate", Reflection)
            .DenyMember("System.Delegate", "GetMethodInfo", Reflection)
            .DenyMember("System.Exception", "TargetSite", Reflection)
            .DenyMember("System.String", "Intern", "interning strings would keep them in the host process for ever; compare strings with ==")
            .DenyMember("System.String", "IsInterned", "interning strings is not available in the sandbox")
            .DenyMember("System.Enum", "GetUnderlyingType", Reflection)
            .DenyMember("System.Array", "CreateInstance", Reflection)
            .DenyMember("System.Array", "CreateInstanceFromArrayType", Reflection)
            .DenyMember("System.Lazy", ".ctor", "Lazy<T> is not available: compute the value when you need it")
            .DenyMember("System.WeakReference", ".ctor", "weak references are not available: keep a normal reference");

        // Named denials inside System, so that the message says why rather than "not on the allow-list".
        policy = policy
            .DenyType("System.Type", Reflection)
            .DenyType("System.RuntimeTypeHandle", Reflection)
            .DenyType("System.RuntimeMethodHandle", Reflection)
            .DenyType("System.RuntimeFieldHandle", Reflection)
            .DenyType("System.ModuleHandle", Reflection)
            .DenyType("System.TypedReference", Reflection)
            .DenyType("System.Activator", Reflection)
            .DenyType("System.AppDomain", ProcessEvents)
            .DenyType("System.AppContext", ProcessSettings)
            .DenyType("System.Environment", HostEnvironment)
            .DenyType("System.GC", GarbageCollector)
            .DenyType("System.GCHandle", Interop)
            .DenyType("System.Console", ConsoleReason)
            .DenyType("System.TimeZoneInfo", "time zones read the host's files: work in UTC (DateTime.UtcNow) or with DateTimeOffset and explicit offsets")
            .DenyType("System.TimeProvider", Threads)
            .DenyType("System.Buffer", Interop)
            .DenyType("System.MarshalByRefObject", Host)
            .DenyType("System.OperatingSystem", Host);

        // Pure data and text.
        policy = policy
            .AllowNamespace("System.Collections")
            .AllowNamespace("System.Collections.Generic")
            .AllowNamespace("System.Collections.ObjectModel")
            .DenyNamespace("System.Collections.Concurrent", Threads)
            .AllowNamespace("System.Linq")
            .DenyType("System.Linq.ParallelEnumerable", Parallelism)
            .DenyType("System.Linq.ParallelQuery", Parallelism)
            .DenyType("System.Linq.Queryable", Parallelism)
            .DenyType("System.Linq.IQueryable", Parallelism)
            .DenyType("System.Linq.EnumerableQuery", Parallelism)
            .DenyNamespace("System.Linq.Expressions", Expressions)
            .AllowNamespace("System.Text")
            .AllowNamespace("System.Text.RegularExpressions")
            .DenyMember("System.Text.Encoding", "RegisterProvider", EncodingProviders)
            .DenyMember("System.Text.RegularExpressions.Regex", "CacheSize", RegexCache)
            .DenyMember("System.Text.RegularExpressions.Regex", "CompileToAssembly", RuntimeInternals)
            .DenyMember("System.Text.RegularExpressions.Regex", "internalMatchTimeout", "every regular expression has the sandbox's time limit")
            .DenyType("System.Text.RegularExpressions.RegexRunner", RuntimeInternals)
            .DenyType("System.Text.RegularExpressions.RegexRunnerFactory", RuntimeInternals)
            .DenyType("System.Text.RegularExpressions.RegexCompilationInfo", RuntimeInternals)
            .DenyType("System.Text.RegularExpressions.GeneratedRegexAttribute", "source-generated regular expressions are not available: construct a Regex")
            .AllowNamespace("System.Globalization")
            .DenyMember("System.Globalization.CultureInfo", "CurrentCulture", Culture)
            .DenyMember("System.Globalization.CultureInfo", "CurrentUICulture", Culture)
            .DenyMember("System.Globalization.CultureInfo", "DefaultThreadCurrentCulture", Culture)
            .DenyMember("System.Globalization.CultureInfo", "DefaultThreadCurrentUICulture", Culture)
            .DenyMember("System.Globalization.CultureInfo", "ClearCachedData", CultureCache)
            .AllowNamespace("System.Numerics")
            .AllowNamespace("System.Text.Json")
            .DenyNamespace("System.Text.Json.Serialization.Metadata", Reflection)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "TypeInfoResolver", Reflection)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "TypeInfoResolverChain", Reflection)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "GetTypeInfo", Reflection)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "TryGetTypeInfo", Reflection)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "Default", SharedJsonOptions)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "Web", SharedJsonOptions)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "Strict", SharedJsonOptions)
            .DenyMember("System.Text.Json.JsonSerializerOptions", "MakeReadOnly", JsonReadOnly)
            .DenyMember("System.Text.Json.Serialization.JsonConverter", "Type", Reflection)
            .DenyMember("System.Text.Json.Serialization.JsonConverter", "CanConvert", Reflection)
            .DenyType("System.Text.Json.Serialization.JsonConverterAttribute", Reflection)
            .DenyType("System.Text.Json.Serialization.JsonDerivedTypeAttribute", Reflection)
            .DenyType("System.Text.Json.Serialization.JsonSerializableAttribute", Reflection);

        // await and Task, without the members that start threads or block.
        policy = policy
            .AllowType("System.Threading.Tasks.Task")
            .AllowType("System.Threading.Tasks.ValueTask")
            .AllowType("System.Threading.Tasks.TaskStatus")
            .AllowType("System.Threading.Tasks.TaskCanceledException")
            .AllowType("System.Runtime.CompilerServices.YieldAwaitable")
            .AllowType("System.Runtime.CompilerServices.DefaultInterpolatedStringHandler")
            .DenyMember("System.Threading.Tasks.Task", "Run", Threads)
            .DenyMember("System.Threading.Tasks.Task", "Factory", Threads)
            .DenyMember("System.Threading.Tasks.Task", "Start", Threads)
            .DenyMember("System.Threading.Tasks.Task", "RunSynchronously", Threads)
            .DenyMember("System.Threading.Tasks.Task", ".ctor", Threads)
            .DenyMember("System.Threading.Tasks.Task", "ContinueWith", "use await instead of ContinueWith")
            .DenyMember("System.Threading.Tasks.Task", "ConfigureAwait", "use a plain await: the sandbox resumes on its own thread")
            .DenyMember("System.Threading.Tasks.Task", "Wait", Blocking)
            .DenyMember("System.Threading.Tasks.Task", "WaitAll", Blocking)
            .DenyMember("System.Threading.Tasks.Task", "WaitAny", Blocking)
            .DenyMember("System.Threading.Tasks.Task", "Result", Blocking)
            .DenyMember("System.Threading.Tasks.Task", "GetAwaiter", Blocking)
            .DenyMember("System.Threading.Tasks.Task", "AsyncState", Threads)
            .DenyMember("System.Threading.Tasks.ValueTask", "Result", Blocking)
            .DenyMember("System.Threading.Tasks.ValueTask", "GetAwaiter", Blocking)
            .DenyMember("System.Threading.Tasks.ValueTask", "ConfigureAwait", "use a plain await: the sandbox resumes on its own thread")
            .DenyMember("System.Runtime.CompilerServices.YieldAwaitable", "GetAwaiter", Blocking);

        // What reaches outside, denied by namespace with a reason.
        policy = policy
            .DenyNamespace("System.IO", Files)
            .DenyNamespace("System.Net", Network)
            .DenyNamespace("System.Diagnostics", Processes)
            .AllowType("System.Diagnostics.Stopwatch")
            .DenyMember("System.Diagnostics.Stopwatch", "Frequency", Processes)
            .DenyNamespace("System.Reflection", Reflection)
            .DenyNamespace("System.Threading", Threads)
            .DenyType("System.Threading.Tasks.Parallel", Threads)
            .DenyType("System.Threading.Tasks.TaskFactory", Threads)
            .DenyType("System.Threading.Tasks.TaskScheduler", Threads)
            .DenyMember("System.Threading.Tasks.TaskScheduler", "UnobservedTaskException", ProcessEvents)
            .DenyType("System.Threading.ThreadPool", ThreadPoolSettings)
            .DenyNamespace("System.Runtime", RuntimeInternals)
            .DenyType("System.Runtime.GCSettings", GarbageCollector)
            .DenyNamespace("System.Runtime.Loader", ProcessEvents)
            .DenyNamespace("System.Buffers", SharedPools)
            .DenyNamespace("System.Runtime.InteropServices", Interop)
            .DenyType("System.Runtime.CompilerServices.Unsafe", Interop)
            .DenyType("System.Runtime.CompilerServices.RuntimeHelpers", RuntimeInternals)
            .DenyType("System.Runtime.CompilerServices.ModuleInitializerAttribute", "module initialisers are not allowed: they would run outside the execution's guards")
            .DenyNamespace("System.Security", Host)
            .DenyNamespace("System.Resources", Files)
            .DenyNamespace("System.ComponentModel", Reflection)
            .DenyNamespace("Microsoft", Host);

        return policy.WithSummary(
            "the safe core of System (primitives, string, Math, DateTime/TimeSpan/DateOnly, Guid, Random, Convert, tuples, " +
            "delegates, spans, common exceptions), System.Collections.Generic, System.Linq, System.Text (StringBuilder), " +
            "System.Text.RegularExpressions (every match is time-limited), System.Globalization, System.Numerics " +
            "(BigInteger, Complex), System.Text.Json and System.Text.Json.Nodes for plain values, and Task.Delay/Task.WhenAll/" +
            "Task.WhenAny with await");
    }
}
