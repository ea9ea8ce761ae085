using System.Text.Json.Nodes;

namespace CodeActSdk.Isolation.Worker;

/// <summary>
/// The backend a worker is asked to load, as it crosses to the worker process (on its command line and in the
/// <c>create</c> message): the backend's name, the assembly-qualified name of its interpreter type, and the path of
/// the assembly the host loaded that type from, whose folder the worker searches for it and its dependencies.
/// </summary>
/// <param name="Name">The backend's name (<see cref="WorkerBackend.Name"/>).</param>
/// <param name="TypeName">The assembly-qualified name of the interpreter type.</param>
/// <param name="AssemblyPath">The interpreter's assembly in the host, or <see langword="null"/> when the host did not load it from a file.</param>
public sealed record WorkerBackendReference(string Name, string TypeName, string? AssemblyPath)
{
    /// <summary>The reference to the backend <paramref name="backend"/> describes, as the host has loaded it.</summary>
    /// <param name="backend">The backend.</param>
    /// <exception cref="ArgumentNullException"><paramref name="backend"/> is <see langword="null"/>.</exception>
    public static WorkerBackendReference Of(WorkerBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var type = backend.InterpreterType;
        var location = type.Assembly.IsDynamic ? "" : type.Assembly.Location;
        return new WorkerBackendReference(backend.Name, type.AssemblyQualifiedName!, location.Length > 0 ? location : null);
    }

    /// <summary>The worker's command-line arguments that name this backend.</summary>
    internal IEnumerable<string> ToArguments()
    {
        yield return "--backend";
        yield return Name;
        yield return "--backend-type";
        yield return TypeName;
        if (AssemblyPath is not null)
        {
            yield return "--backend-assembly";
            yield return AssemblyPath;
        }
    }

    /// <summary>The backend named on the worker's command line, or <see langword="null"/> when none is.</summary>
    /// <exception cref="ArgumentException">A backend is named without its type.</exception>
    internal static WorkerBackendReference? FromArguments(IReadOnlyList<string> arguments)
    {
        string? name = null, type = null, assembly = null;
        for (var i = 0; i < arguments.Count - 1; i++)
        {
            switch (arguments[i])
            {
                case "--backend":
                    name = arguments[++i];
                    break;
                case "--backend-type":
                    type = arguments[++i];
                    break;
                case "--backend-assembly":
                    assembly = arguments[++i];
                    break;
            }
        }

        return name is null ? null : new WorkerBackendReference(name, type ?? throw new ArgumentException($"The worker was given the backend '{name}' without --backend-type.", nameof(arguments)), assembly);
    }

    /// <summary>Names this backend in a <c>create</c> message.</summary>
    internal void WriteTo(JsonObject message)
    {
        message["backend"] = Name;
        message["backendType"] = TypeName;
        if (AssemblyPath is not null)
        {
            message["backendAssembly"] = AssemblyPath;
        }
    }

    /// <summary>The backend a <c>create</c> message names.</summary>
    /// <exception cref="ArgumentException">The message does not name the backend's type.</exception>
    internal static WorkerBackendReference ReadFrom(JsonObject message)
    {
        var name = message["backend"]?.GetValue<string>() ?? throw new ArgumentException("The create message names no backend.", nameof(message));
        var type = message["backendType"]?.GetValue<string>() ?? throw new ArgumentException($"The create message names the backend '{name}' without its type.", nameof(message));
        return new WorkerBackendReference(name, type, message["backendAssembly"]?.GetValue<string>());
    }
}
