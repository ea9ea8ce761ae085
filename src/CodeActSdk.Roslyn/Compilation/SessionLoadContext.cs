using System.Reflection;
using System.Runtime.Loader;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>
/// A collectible load context holding one session's compiled submissions. Each submission refers to the earlier ones
/// by assembly name, so they are resolved here; the sandbox runtime resolves to the copy the host loaded, and the
/// framework to the default context. Unloading it when the session ends lets the runtime reclaim the code, its
/// static fields and everything they reference, once nothing else holds on to them.
/// </summary>
internal sealed class SessionLoadContext(string name) : AssemblyLoadContext(name, isCollectible: true)
{
    private static readonly Assembly Runtime = typeof(SessionLoadContext).Assembly;
    private readonly Dictionary<string, Assembly> _submissions = new(StringComparer.Ordinal);

    public Assembly LoadSubmission(string assemblyName, Stream image, Stream symbols)
    {
        var assembly = LoadFromStream(image, symbols);
        lock (_submissions)
        {
            _submissions[assemblyName] = assembly;
        }

        return assembly;
    }

    /// <summary>
    /// Forgets the submissions, then starts unloading. The map must be emptied first: the runtime keeps a load
    /// context alive from its assemblies' loader allocator, so a context that still references its own assemblies
    /// would never be collected.
    /// </summary>
    public void UnloadSubmissions()
    {
        lock (_submissions)
        {
            _submissions.Clear();
        }

        Unload();
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } simpleName)
        {
            lock (_submissions)
            {
                if (_submissions.TryGetValue(simpleName, out var submission))
                {
                    return submission;
                }
            }

            if (simpleName == Runtime.GetName().Name)
            {
                return Runtime;
            }
        }

        return null;
    }
}
