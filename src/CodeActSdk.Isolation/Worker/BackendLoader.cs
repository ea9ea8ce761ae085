using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace CodeActSdk.Isolation.Worker;

/// <summary>
/// Creates, in the worker process, the interpreter the host chose, without the worker referencing any backend: the
/// interpreter's assembly and its dependencies (Jint, ClearScript and its native library, Roslyn) are found in the
/// folder the host loaded the backend from, and then in the worker's own folder (normally the application's, where
/// the worker is copied).
/// </summary>
/// <remarks>
/// The folders are searched through the default load context's resolving events, which run only for what the
/// worker's own dependency list does not name, so everything the worker and the backend share (CodeActSdk,
/// Microsoft.Extensions.AI) is one copy. Thread-safe; the events are added once per process.
/// </remarks>
internal static class BackendLoader
{
    private static readonly Lock Gate = new();
    private static readonly List<string> Folders = [];
    private static bool _hooked;

    /// <summary>Creates the interpreter of <paramref name="backend"/> with its public parameterless constructor.</summary>
    /// <exception cref="ArgumentException">The type is not found, or is not an <see cref="ICodeInterpreter"/> with a public parameterless constructor.</exception>
    public static ICodeInterpreter Create(WorkerBackendReference backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        AddFolder(backend.AssemblyPath is { Length: > 0 } path ? Path.GetDirectoryName(Path.GetFullPath(path)) : null);
        AddFolder(AppContext.BaseDirectory);
        Type? type;
        try
        {
            type = Type.GetType(backend.TypeName, throwOnError: false);
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException)
        {
            throw new ArgumentException($"The worker could not load the '{backend.Name}' backend's assembly for {backend.TypeName}: {e.Message}", nameof(backend), e);
        }

        if (type is null)
        {
            throw new ArgumentException(
                $"The worker could not find the '{backend.Name}' backend's interpreter {backend.TypeName} in {string.Join(" or ", Snapshot())}. " +
                "The backend's assembly and its dependencies must be in the application's folder (reference the backend's package from the application).",
                nameof(backend));
        }

        if (!typeof(ICodeInterpreter).IsAssignableFrom(type) || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new ArgumentException($"The '{backend.Name}' backend's type {type.FullName} is not an ICodeInterpreter with a public parameterless constructor.", nameof(backend));
        }

        try
        {
            return (ICodeInterpreter)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // The backend's own reason (V8 missing its native library, say) rather than reflection's wrapper.
            throw e.InnerException;
        }
    }

    private static void AddFolder(string? folder)
    {
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        lock (Gate)
        {
            if (!Folders.Contains(folder, StringComparer.Ordinal))
            {
                Folders.Add(folder);
            }

            if (!_hooked)
            {
                _hooked = true;
                AssemblyLoadContext.Default.Resolving += ResolveAssembly;
                AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveNativeLibrary;
            }
        }
    }

    private static string[] Snapshot()
    {
        lock (Gate)
        {
            return [.. Folders];
        }
    }

    private static Assembly? ResolveAssembly(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name is null)
        {
            return null;
        }

        foreach (var folder in Snapshot())
        {
            var candidate = Path.Combine(folder, name.Name + ".dll");
            if (File.Exists(candidate))
            {
                return context.LoadFromAssemblyPath(candidate);
            }
        }

        return null;
    }

    // A backend's native library (ClearScript's V8) sits in the host's folder or under runtimes/<rid>/native/ there.
    private static IntPtr ResolveNativeLibrary(Assembly assembly, string name)
    {
        var fileNames = Path.HasExtension(name) ? [name] : new[] { name, $"{name}.so", $"lib{name}.so", $"{name}.dylib", $"lib{name}.dylib", $"{name}.dll" };
        foreach (var folder in Snapshot())
        {
            foreach (var directory in new[] { folder, Path.Combine(folder, "runtimes", RuntimeInformation.RuntimeIdentifier, "native") })
            {
                foreach (var fileName in fileNames)
                {
                    var candidate = Path.Combine(directory, fileName);
                    if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                    {
                        return handle;
                    }
                }
            }
        }

        return IntPtr.Zero;
    }
}
