using System.Reflection;
using System.Runtime.InteropServices;

namespace CodeActSdk.V8.Interop;

/// <summary>
/// Finds and loads libnode.so.108 and the shim once per process, then initialises V8. libnode is loaded first, by
/// its full path, so that the dynamic loader satisfies the shim's dependency on it by soname wherever it was found.
/// </summary>
internal static unsafe class V8Library
{
    public const string LibnodeFileName = "libnode.so.108";
    public const string ShimFileName = "libcodeact_v8.so";
    private const string DepsRelativePath = ".deps/libnode/usr/lib/x86_64-linux-gnu";
    private const string SystemLibraryDirectory = "/usr/lib/x86_64-linux-gnu";
    private const string RuntimeDependencies = "libuv1 libicu72 libbrotli1 libc-ares2 libnghttp2-14 libssl3 zlib1g";

    private static readonly Lazy<string?> s_failure = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static nint s_shim;

    /// <summary>Where libnode was loaded from, once loaded.</summary>
    public static string? LibnodePath { get; private set; }

    /// <summary>The V8 version, once loaded.</summary>
    public static string? V8Version { get; private set; }

    /// <summary>Loads the libraries if needed; <paramref name="reason"/> says why they are unusable.</summary>
    public static bool TryLoad(out string? reason)
    {
        reason = s_failure.Value;
        return reason is null;
    }

    /// <exception cref="V8UnavailableException">A library is missing or unusable.</exception>
    public static void EnsureLoaded()
    {
        if (s_failure.Value is { } reason)
        {
            throw new V8UnavailableException(reason);
        }
    }

    private static string? Load()
    {
        try
        {
            return LoadCore();
        }
        catch (Exception e)
        {
            return $"The V8 backend could not start: {e.GetType().Name}: {e.Message}";
        }
    }

    private static string? LoadCore()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"The V8 backend runs on Linux x64 only (it uses Debian's libnode108); this process is {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}. Use the Jint backend here.";
        }

        var directories = AssemblyDirectories();
        var libnodeCandidates = directories
            .SelectMany(d => new[] { Path.Combine(d, LibnodeFileName), Path.Combine(d, "runtimes", "linux-x64", "native", LibnodeFileName) })
            .Concat(directories.SelectMany(AncestorDepsCandidates))
            .Append(Path.Combine(SystemLibraryDirectory, LibnodeFileName))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        string? libnodeError = null;
        foreach (var candidate in libnodeCandidates.Where(File.Exists))
        {
            if (TryLoadFile(candidate, out _, out var error))
            {
                LibnodePath = candidate;
                break;
            }

            libnodeError ??= $"{LibnodeFileName} was found at {candidate} but could not be loaded: {error} Its dependencies are Debian packages: apt-get install {RuntimeDependencies}.";
        }

        if (LibnodePath is null && NativeLibrary.TryLoad(LibnodeFileName, out _))
        {
            LibnodePath = LibnodeFileName; // found by the dynamic loader's own search (ld.so.cache, LD_LIBRARY_PATH)
        }

        if (LibnodePath is null)
        {
            return libnodeError
                ?? $"The V8 backend needs {LibnodeFileName} (V8 10.2, from Debian 12's libnode108 package), which was not found. Install it with 'apt-get install libnode108', or in a CodeActSdk checkout run src/CodeActSdk.V8/native/provide-libnode.sh, which unpacks it into .deps/libnode. Looked next to CodeActSdk.V8.dll ({string.Join(", ", directories)}) and in its runtimes/linux-x64/native folder, in {DepsRelativePath} of every folder above it, in {SystemLibraryDirectory} and on the dynamic loader's search path.";
        }

        var shimCandidates = directories
            .SelectMany(d => new[] { Path.Combine(d, ShimFileName), Path.Combine(d, "runtimes", "linux-x64", "native", ShimFileName) })
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var candidate in shimCandidates.Where(File.Exists))
        {
            if (!TryLoadFile(candidate, out s_shim, out var error))
            {
                return $"The V8 shim {candidate} could not be loaded: {error} Rebuild CodeActSdk.V8 against the libnode found at {LibnodePath}.";
            }

            break;
        }

        if (s_shim == 0 && !NativeLibrary.TryLoad(ShimFileName, typeof(V8Library).Assembly, null, out s_shim))
        {
            return $"The V8 shim {ShimFileName} was not found next to CodeActSdk.V8.dll (looked in: {string.Join(", ", shimCandidates)}). It is built with the CodeActSdk.V8 project when libnode's headers are present: run src/CodeActSdk.V8/native/provide-libnode.sh, then build again (CMake and g++ are needed).";
        }

        NativeLibrary.SetDllImportResolver(typeof(V8Library).Assembly, Resolve);

        var abi = NativeMethods.GetAbiVersion();
        if (abi != NativeMethods.AbiVersion)
        {
            return $"The V8 shim speaks ABI version {abi} but CodeActSdk.V8 expects {NativeMethods.AbiVersion}: the two come from different builds. Rebuild CodeActSdk.V8.";
        }

        if (NativeMethods.Initialize(&V8HostCallbacks.OnHostCall, out var initError) != NativeMethods.Ok)
        {
            return NativeMethods.TakeError(initError, "V8 failed to initialise.");
        }

        V8Version = Marshal.PtrToStringUTF8(NativeMethods.GetV8Version());
        return null;
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == NativeMethods.ShimLibrary ? s_shim : 0;

    private static bool TryLoadFile(string path, out nint handle, out string? error)
    {
        try
        {
            handle = NativeLibrary.Load(path);
            error = null;
            return true;
        }
        catch (DllNotFoundException e)
        {
            handle = 0;
            error = e.Message;
            return false;
        }
        catch (BadImageFormatException e)
        {
            handle = 0;
            error = e.Message;
            return false;
        }
    }

    private static List<string> AssemblyDirectories()
    {
        var directories = new List<string>();
        var location = typeof(V8Library).Assembly.Location;
        if (!string.IsNullOrEmpty(location) && Path.GetDirectoryName(location) is { Length: > 0 } directory)
        {
            directories.Add(directory);
        }

        var baseDirectory = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        if (baseDirectory.Length > 0 && !directories.Contains(baseDirectory))
        {
            directories.Add(baseDirectory);
        }

        return directories;
    }

    /// <summary>The repository's .deps folder, found by walking up from the assembly (bin/... inside a checkout).</summary>
    private static IEnumerable<string> AncestorDepsCandidates(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            yield return Path.Combine(directory.FullName, DepsRelativePath, LibnodeFileName);
        }
    }
}
