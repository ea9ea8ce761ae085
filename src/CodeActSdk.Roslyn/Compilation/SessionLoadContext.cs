using System.Reflection;
using System.Runtime.Loader;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>
/// A collectible load context for some of one session's compiled submissions: one for the submissions the session
/// keeps (the tools and the steps that declared types), and one per state prelude and per passing step, unloaded as
/// soon as the session moves on. Submissions refer to earlier ones by assembly name; <see cref="SessionAssemblies"/> resolves
/// those across the session's contexts, the sandbox runtime resolves to the copy the host loaded, and the framework
/// to the default context. The runtime keeps a context alive while anything uses its code or its objects (a lambda
/// stored in a variable, for instance), so unloading one early is always safe.
/// </summary>
internal sealed class SessionLoadContext(string name, SessionAssemblies assemblies) : AssemblyLoadContext(name, isCollectible: true)
{
    private static readonly Assembly Runtime = typeof(SessionLoadContext).Assembly;

    public Assembly LoadSubmission(string assemblyName, Stream image, Stream symbols)
    {
        var assembly = LoadFromStream(image, symbols);
        assemblies.Add(assemblyName, assembly);
        return assembly;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } simpleName)
        {
            return null;
        }

        return simpleName == Runtime.GetName().Name ? Runtime : assemblies.Find(simpleName);
    }
}

/// <summary>
/// The submissions of one session by assembly name. References are weak: a map that held its assemblies would keep
/// their load contexts alive forever, since the runtime keeps a context alive from its assemblies.
/// </summary>
internal sealed class SessionAssemblies
{
    private readonly Dictionary<string, WeakReference<Assembly>> _byName = new(StringComparer.Ordinal);
    private int _added;

    public void Add(string name, Assembly assembly)
    {
        lock (_byName)
        {
            if (++_added % 64 == 0)
            {
                foreach (var dead in _byName.Where(e => !e.Value.TryGetTarget(out _)).Select(e => e.Key).ToArray())
                {
                    _byName.Remove(dead);
                }
            }

            _byName[name] = new WeakReference<Assembly>(assembly);
        }
    }

    public Assembly? Find(string name)
    {
        lock (_byName)
        {
            return _byName.TryGetValue(name, out var entry) && entry.TryGetTarget(out var assembly) ? assembly : null;
        }
    }

    public void Clear()
    {
        lock (_byName)
        {
            _byName.Clear();
        }
    }
}
