using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;
using CodeActSdk.Files;
using Microsoft.ClearScript.V8.FastProxy;

namespace CodeActSdk.V8;

/// <summary>
/// One ClearScript <see cref="V8ScriptEngine"/> with a V8 runtime (isolate) of its own, prepared as a sandbox: the
/// prelude (SandboxPrelude.js) has run, so the global scope is bare except for <c>console</c> and
/// <c>final_answer</c>, and the prelude's entry points are held here, out of the code's reach. The code reaches the
/// host only through one fast host function hidden in the prelude's closure, which <see cref="Bridge"/> answers.
/// </summary>
/// <remarks>
/// Nothing of ClearScript's host-object machinery is exposed to the code: no host object or type is added to the
/// engine, and the one host function never throws (a .NET exception's text never reaches the code). What ClearScript
/// itself defines on the global object is <c>EngineInternal</c> (non-configurable, so it cannot be removed): a frozen
/// object of JavaScript helper functions, none of which returns a host object.
/// </remarks>
internal sealed class V8Sandbox : IDisposable
{
    /// <summary>
    /// The young generation of every runtime: short-lived garbage, on top of the session's budget (the heap monitor
    /// counts it). 48 MiB (node's default) let a bomb growing a dictionary-mode object run past a 30 s limit on a
    /// loaded 2-core machine before the monitor caught it (a 80 MiB limit for a 32 MiB budget); 16 MiB stops it in
    /// 10-14 s there.
    /// </summary>
    internal const int YoungGenerationMiB = 16;

    /// <summary>
    /// How far above the budget V8's own old-generation limit is set. Crossing it makes V8 collect garbage and
    /// then grow the limit (ClearScript's heap expansion) rather than abort the process; the budget itself is
    /// enforced by ClearScript's heap monitor, which ends the run.
    /// </summary>
    internal const int HardLimitHeadroomMiB = 256;

    /// <summary>How often ClearScript samples the heap during a run (ClearScript's floor is 50 ms).</summary>
    internal static readonly TimeSpan HeapSampleInterval = TimeSpan.FromMilliseconds(50);

    private const V8ScriptEngineFlags EngineFlags = V8ScriptEngineFlags.HideHostExceptions | V8ScriptEngineFlags.DisableGlobalMembers;

    private static readonly Lazy<string> PreludeSource = new(() =>
    {
        using var stream = typeof(V8Sandbox).Assembly.GetManifestResourceStream("CodeActSdk.V8.SandboxPrelude.js")
            ?? throw new InvalidOperationException("The sandbox prelude is missing from CodeActSdk.V8.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>V8's code cache for the prelude, made by the first runtime of the process and used by the others.</summary>
    private static byte[]? s_preludeCache;

    private readonly ScriptObject _configure;
    private readonly ScriptObject _defineTool;
    private readonly ScriptObject _noteRejection;
    private readonly ScriptObject _finish;
    private readonly ScriptObject _watch;
    private readonly ScriptObject _settle;
    private readonly ScriptObject _endRun;
    private readonly ScriptObject _describeError;
    private readonly ScriptObject _digest;
    private readonly ScriptObject _digestEntry;
    private readonly ScriptObject _endDigest;
    private UIntPtr _heapLimit;
    private (int MaxValueChars, int MaxDisplayChars, long HeapBudgetBytes) _configured;
    private bool _disposed;

    private V8Sandbox(long memoryLimitBytes, bool allowWebAssembly)
    {
        MemoryLimitBytes = memoryLimitBytes;
        var budgetMiB = (int)Math.Min(int.MaxValue / 2, (memoryLimitBytes + (1 << 20) - 1) >> 20);
        Engine = new V8ScriptEngine(new V8RuntimeConstraints
        {
            MaxOldSpaceSize = budgetMiB + HardLimitHeadroomMiB,
            MaxNewSpaceSize = YoungGenerationMiB,
            HeapExpansionMultiplier = 1.5,
            MaxArrayBufferAllocation = (ulong)memoryLimitBytes,
        }, EngineFlags);
        try
        {
            Engine.RuntimeHeapSizeSampleInterval = HeapSampleInterval;
            SetHeapLimit(SoftHeapLimit(memoryLimitBytes));
            Engine.PromiseRejectionCallback = OnPromiseRejection;
            Bridge = new V8HostBridge(Engine);
            var api = RunPrelude(allowWebAssembly);
            _configure = Entry(api, EntryPoint.Configure);
            _defineTool = Entry(api, EntryPoint.DefineTool);
            _noteRejection = Entry(api, EntryPoint.NoteRejection);
            _finish = Entry(api, EntryPoint.Finish);
            _watch = Entry(api, EntryPoint.Watch);
            _settle = Entry(api, EntryPoint.Settle);
            _endRun = Entry(api, EntryPoint.EndRun);
            _describeError = Entry(api, EntryPoint.DescribeError);
            _digest = Entry(api, EntryPoint.Digest);
            _digestEntry = Entry(api, EntryPoint.DigestEntry);
            _endDigest = Entry(api, EntryPoint.EndDigest);
            InstallFiles();
            // For the default options, so that a session with them (every pooled runtime's first) skips the call.
            Configure(new SandboxOptions { MemoryLimitBytes = memoryLimitBytes });
        }
        catch
        {
            Engine.Dispose();
            throw;
        }
    }

    public V8ScriptEngine Engine { get; }

    public V8HostBridge Bridge { get; }

    /// <summary>The budget the runtime was created for (its array-buffer limit cannot change afterwards).</summary>
    public long MemoryLimitBytes { get; }

    /// <summary>Promise rejections V8 reported during the current call, in order (kind 0: unhandled, 1: handled later).</summary>
    public List<(int Kind, object Promise, object? Reason)> Rejections { get; } = [];

    /// <summary>The heap the monitor allows: the budget, plus the young generation (garbage not yet collected).</summary>
    public static long SoftHeapLimit(long memoryLimitBytes) => memoryLimitBytes + ((long)YoungGenerationMiB << 20);

    /// <summary>Creates a runtime with its sandboxed context.</summary>
    /// <exception cref="V8UnavailableException">ClearScript's native V8 library cannot be loaded.</exception>
    public static V8Sandbox Create(long memoryLimitBytes, bool allowWebAssembly)
    {
        V8Library.EnsureLoaded();
        return new V8Sandbox(memoryLimitBytes, allowWebAssembly);
    }

    public void SetHeapLimit(long bytes)
    {
        _heapLimit = (UIntPtr)(ulong)bytes;
        Engine.MaxRuntimeHeapSize = _heapLimit;
    }

    /// <summary>Clears ClearScript's out-of-memory state, which blocks every later run until the limit is set again.</summary>
    public void ResetHeapLimit() => Engine.MaxRuntimeHeapSize = _heapLimit;

    private ScriptObject RunPrelude(bool allowWebAssembly)
    {
        var document = new DocumentInfo("sandbox.js") { Flags = DocumentFlags.IsTransient };
        V8Script prelude;
        var cache = Volatile.Read(ref s_preludeCache);
        if (cache is null)
        {
            prelude = Engine.Compile(document, PreludeSource.Value, V8CacheKind.Code, out cache);
            Volatile.Write(ref s_preludeCache, cache);
        }
        else
        {
            prelude = Engine.Compile(document, PreludeSource.Value, V8CacheKind.Code, cache, out _);
        }

        using (prelude)
        {
            var factory = Engine.Evaluate(prelude) as ScriptObject
                ?? throw new InvalidOperationException("The sandbox prelude did not evaluate to a function.");
            return factory.InvokeAsFunction(Bridge.Function, allowWebAssembly) as ScriptObject
                ?? throw new InvalidOperationException("The sandbox prelude did not return its entry points.");
        }
    }

    /// <summary>
    /// Installs the global <c>files</c>: its operations are defined as host functions, then gathered by
    /// <see cref="JavaScriptFiles.InstallScript"/>, which deletes their names. It is the same for every session (a call
    /// reaches the files of the execution running), so it is done once, when the runtime is made.
    /// </summary>
    /// <exception cref="InvalidOperationException">The script did not complete; the sandbox cannot offer <c>files</c>.</exception>
    private void InstallFiles()
    {
        for (var i = 0; i < JavaScriptFiles.Operations.Count; i++)
        {
            var (name, arity) = JavaScriptFiles.Operations[i];
            if (DefineTool(JavaScriptFiles.HostFunctionName(name), i, arity, files: true) is { } refusal)
            {
                throw new InvalidOperationException("V8 could not install the files object: " + refusal);
            }
        }

        object installed;
        try
        {
            installed = Engine.Evaluate(new DocumentInfo("files.js") { Flags = DocumentFlags.IsTransient }, JavaScriptFiles.InstallScript);
        }
        catch (Exception e) when (e is IScriptEngineException)
        {
            throw new InvalidOperationException("V8 could not install the files object: " + e.Message);
        }

        // The script's value says whether every host function's name was deleted: anything but true means the code
        // would see a broken files object or a raw host function.
        if (installed is not true)
        {
            throw new InvalidOperationException($"V8 could not install the files object (value {installed}).");
        }
    }

    /// <summary>
    /// An entry point of the prelude, read from its array by index: ClearScript calls a function read by index in
    /// a few microseconds, one read by property name in hundreds (see the end of SandboxPrelude.js).
    /// </summary>
    private static ScriptObject Entry(ScriptObject api, EntryPoint entry) =>
        api.GetProperty((int)entry) as ScriptObject ?? throw new InvalidOperationException($"The sandbox prelude has no entry point '{entry}'.");

    /// <summary>The prelude's entry points, in the order of the array it returns.</summary>
    private enum EntryPoint
    {
        Configure,
        DefineTool,
        NoteRejection,
        Finish,
        Watch,
        Settle,
        EndRun,
        DescribeError,
        Digest,
        DigestEntry,
        EndDigest,
    }

    private void OnPromiseRejection(V8PromiseRejectionEventKind kind, object promise, object? value)
    {
        switch (kind)
        {
            case V8PromiseRejectionEventKind.RejectedWithoutHandler when Rejections.Count < 1024:
                Rejections.Add((0, promise, value));
                break;
            case V8PromiseRejectionEventKind.HandlerAddedAfterRejection when Rejections.Count < 2048:
                Rejections.Add((1, promise, null));
                break;
        }
    }

    /// <summary>Hands the rejections V8 reported to the prelude, which pairs them up.</summary>
    public void FlushRejections()
    {
        if (Rejections.Count == 0)
        {
            return;
        }

        foreach (var (kind, promise, reason) in Rejections)
        {
            _noteRejection.InvokeAsFunction(kind, promise, reason ?? Undefined.Value);
        }

        Rejections.Clear();
    }

    /// <summary>
    /// Tells the prelude a session's limits on values, output and heap. A call is skipped when the limits are those
    /// set already (the pool's runtimes are configured for the default options when they are made).
    /// </summary>
    public void Configure(SandboxOptions options)
    {
        var settings = (options.MaxValueChars, options.MaxOutputChars + 1, SoftHeapLimit(options.MemoryLimitBytes));
        if (settings == _configured)
        {
            return;
        }

        _configure.InvokeAsFunction(settings.MaxValueChars, settings.Item2, (double)settings.Item3);
        _configured = settings;
    }

    /// <summary>Defines a tool (or a files operation) as a global function; a message when the name is taken, else null.</summary>
    public string? DefineTool(string name, int index, int arity, bool files)
    {
        var refusal = _defineTool.InvokeAsFunction(name, index, arity, files) as string;
        return string.IsNullOrEmpty(refusal) ? null : refusal;
    }

    public string Finish(object? value) => (string)_finish.InvokeAsFunction(value);

    public void Watch(object promise) => _watch.InvokeAsFunction(promise);

    public string Settle(object promise) => (string)_settle.InvokeAsFunction(promise);

    public void EndRun() => _endRun.InvokeAsFunction(false);

    public string DescribeError(object? exception) => (string)_describeError.InvokeAsFunction(exception ?? Undefined.Value);

    public int Digest(string[] candidates) =>
        Convert.ToInt32(_digest.InvokeAsFunction(string.Join('\n', candidates)), System.Globalization.CultureInfo.InvariantCulture);

    public string DigestEntry(int index, int maxChars, string? stopped) => (string)_digestEntry.InvokeAsFunction(index, maxChars, stopped ?? (object)false);

    public void EndDigest() => _endDigest.InvokeAsFunction();

    /// <summary>
    /// Drops the promise jobs an interrupted run left queued, so that nothing of it runs later: V8 keeps them after
    /// a termination, and empties the queue when a termination happens while it runs jobs. So a termination is
    /// requested by the host during a call of the prelude that then returns at once, which makes V8 run the queue with
    /// the termination pending: the first job is stopped at its entry and the rest are discarded. Then any
    /// termination still pending (the queue was empty) is cancelled.
    /// </summary>
    public void DropPendingJobs()
    {
        try
        {
            _endRun.InvokeAsFunction(true);
        }
        catch (Exception e_) when (e_ is IScriptEngineException)
        {
            // Interrupted while running the stale jobs: the queue is empty.
        }
        finally
        {
            Engine.CancelInterrupt();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Engine.Dispose();
    }
}

/// <summary>Whether ClearScript's native V8 library can be loaded in this process, and what to add when it cannot.</summary>
internal static class V8Library
{
    private static readonly Lazy<string?> Failure = new(Probe);

    /// <summary>The NuGet package with ClearScript's V8 for this process's platform.</summary>
    public static string NativePackage => "Microsoft.ClearScript.V8.Native." + PlatformName;

    private static string PlatformName
    {
        get
        {
            var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            var architecture = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.X86 => "x86",
                Architecture.Arm64 => "arm64",
                Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            };
            return os + "-" + architecture;
        }
    }

    public static bool TryLoad(out string? reason)
    {
        reason = Failure.Value;
        return reason is null;
    }

    /// <exception cref="V8UnavailableException">The native library cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        if (Failure.Value is { } reason)
        {
            throw new V8UnavailableException(reason);
        }
    }

    private static string? Probe()
    {
        try
        {
            using var runtime = new V8Runtime();
            return null;
        }
        catch (Exception e) when (e is TypeLoadException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException
                                      or TypeInitializationException or FileNotFoundException or InvalidOperationException or TargetInvocationException)
        {
            return UnavailableReason(e);
        }
    }

    /// <summary>Why V8 cannot run, from the exception ClearScript threw: the platform, the cause and the package to add.</summary>
    internal static string UnavailableReason(Exception e) =>
        $"V8 is not available in this process: ClearScript's native V8 library for {PlatformName} could not be loaded ({Describe(e)}). " +
        $"Add the NuGet package {NativePackage} (version 7.5.1.1) to the application: on Linux x64 Microsoft.ClearScript.V8.Native.linux-x64 " +
        "comes with CodeActSdk.V8; other platforms (win-x64, win-arm64, osx-x64, osx-arm64, linux-arm64, ...) need their own. " +
        "A trimmed or single-file publish must keep the native library next to the application.";

    private static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var message = inner.Message;
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return inner.GetType().Name + ": " + (newline > 0 ? message[..newline].TrimEnd() : message);
    }
}
