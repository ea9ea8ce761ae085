using System.Collections.Frozen;
using System.Globalization;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// The culture and region names the runtime predefines. The runtime also accepts names it makes up data for (a
/// private-use tag such as <c>en-US-x-1</c>), and caches every culture it creates for the life of the process, so
/// code that generated names could grow the host's memory without bound; the sandbox lets only these through
/// (<see cref="SandboxGuard.CultureName"/>).
/// </summary>
internal static class PredefinedCultures
{
    private static readonly Lazy<FrozenSet<string>> Names = new(Load);

    /// <summary>Whether <paramref name="name"/> names a predefined culture (<c>""</c> is the invariant culture) or region, in any case.</summary>
    public static bool Contains(string name) => Names.Value.Contains(name);

    private static FrozenSet<string> Load()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.AllCultures))
        {
            names.Add(culture.Name);
            if (!culture.IsNeutralCulture && culture.Name.Length > 0)
            {
                try
                {
                    names.Add(new RegionInfo(culture.Name).Name);
                }
                catch (ArgumentException)
                {
                    // A culture without a region of its own.
                }
            }
        }

        return names.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }
}
