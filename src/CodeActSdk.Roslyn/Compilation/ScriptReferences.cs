using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using CodeActSdk.Roslyn.Runtime;
using Microsoft.CodeAnalysis;

namespace CodeActSdk.Roslyn.Compilation;

/// <summary>
/// The assemblies sandboxed code is compiled against, read once per process from the loaded assemblies' metadata
/// (no files are opened, so single-file hosts work too). Besides what the policy allows, they include the assemblies
/// of what it denies by name (processes, HTTP, threads, expression trees), so that using those is reported as a policy
/// violation naming the symbol rather than as an unknown name. <c>System.Console</c> is deliberately absent: the
/// sandbox's own <c>Console</c> is the only one in scope. The abstractions are referenced and their namespace imported
/// for the types the sandbox's <c>Files</c> hands the code (<see cref="SandboxFileInfo"/>,
/// <see cref="SandboxFileException"/>); the policy checker allows those two and nothing else of them.
/// </summary>
internal static class ScriptReferences
{
    private static readonly string[] FrameworkAssemblies =
    [
        "System.Runtime", "System.Collections", "System.Collections.Concurrent", "System.Linq", "System.Linq.Expressions",
        "System.Linq.Parallel", "System.Linq.Queryable", "System.Text.RegularExpressions", "System.Runtime.Numerics", "System.Text.Json",
        "System.Text.Encodings.Web", "System.Memory", "System.Private.Uri", "System.ObjectModel",
        "System.Diagnostics.Process", "System.ComponentModel.Primitives", "System.Net.Http", "System.Net.Primitives",
        "System.Threading", "System.Threading.Thread", "System.Threading.ThreadPool", "System.Threading.Tasks.Parallel",
        "System.Runtime.InteropServices",
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyAll = new(Create);

    /// <summary>The namespaces every submission imports.</summary>
    public static ImmutableArray<string> Imports { get; } =
    [
        "System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Text.RegularExpressions",
        "System.Globalization", "System.Numerics", "System.Text.Json", "System.Text.Json.Nodes", "System.Threading.Tasks",
        "CodeActSdk", "CodeActSdk.Roslyn.Sandbox", "CodeActSdk.Roslyn.Sandbox.ScriptFunctions",
    ];

    public static ImmutableArray<MetadataReference> All => LazyAll.Value;

    private static ImmutableArray<MetadataReference> Create()
    {
        var assemblies = new List<Assembly> { typeof(object).Assembly, typeof(SandboxGuard).Assembly, typeof(SandboxFileInfo).Assembly };
        foreach (var name in FrameworkAssemblies)
        {
            try
            {
                assemblies.Add(Assembly.Load(new AssemblyName(name)));
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // A trimmed host may lack a framework assembly; code using it then fails to compile, which is safe.
            }
        }

        return [.. assemblies.Distinct().Select(Reference)];
    }

    private static unsafe MetadataReference Reference(Assembly assembly)
    {
        if (!assembly.TryGetRawMetadata(out var blob, out var length))
        {
            throw new InvalidOperationException($"The metadata of {assembly.GetName().Name} cannot be read; C# scripting needs it to compile the code.");
        }

        var module = ModuleMetadata.CreateFromMetadata((nint)blob, length);
        return AssemblyMetadata.Create(module).GetReference(display: assembly.GetName().Name);
    }
}
