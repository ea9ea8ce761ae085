using System.Diagnostics;

namespace CodeActSdk.Isolation;

/// <summary>
/// Builds the command that starts a worker process: where the worker is, how it is run, its working directory and its
/// environment. The one place where operating-system limits on the worker (address space, CPU, network namespace,
/// process group) are to be applied.
/// </summary>
public class WorkerLauncher
{
    /// <summary>The worker's file name, looked for next to the application by default.</summary>
    public const string WorkerFileName = "CodeActSdk.Worker.dll";

    /// <summary>Creates a launcher for the worker at <paramref name="workerPath"/>, by default <see cref="WorkerFileName"/> in <see cref="AppContext.BaseDirectory"/>.</summary>
    public WorkerLauncher(string? workerPath = null)
    {
        WorkerPath = workerPath ?? Path.Combine(AppContext.BaseDirectory, WorkerFileName);
    }

    /// <summary>The worker assembly, run with <c>dotnet</c>.</summary>
    public string WorkerPath { get; }

    /// <summary>
    /// The start information of one worker: <c>dotnet CodeActSdk.Worker.dll [--backend name]</c> with its standard
    /// streams redirected, in <paramref name="workingDirectory"/> (an empty private folder), with a cleared environment.
    /// </summary>
    /// <param name="backend">The backend the worker loads before it says ready, or <see langword="null"/>.</param>
    /// <param name="workingDirectory">The worker's own empty folder, deleted when it ends.</param>
    /// <exception cref="FileNotFoundException">The worker is not at <see cref="WorkerPath"/>; the message says what to reference.</exception>
    public virtual ProcessStartInfo CreateStartInfo(string? backend, string workingDirectory)
    {
        if (!File.Exists(WorkerPath))
        {
            throw new FileNotFoundException(
                $"The CodeActSdk worker was not found at '{WorkerPath}'. Process isolation runs sessions in CodeActSdk.Worker.dll: reference the CodeActSdk.Worker package (or project) from the application so that it is copied next to it, or pass its path to WorkerLauncher.",
                WorkerPath);
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(WorkerPath);
        if (backend is not null)
        {
            start.ArgumentList.Add("--backend");
            start.ArgumentList.Add(backend);
        }

        // The code must not see the host's environment (keys, tokens); only what the runtime needs to start is kept.
        var keep = start.Environment.Where(e => e.Key.StartsWith("DOTNET_", StringComparison.Ordinal) || e.Key is "PATH" or "LD_LIBRARY_PATH")
            .ToList();
        start.Environment.Clear();
        foreach (var (key, value) in keep)
        {
            start.Environment[key] = value;
        }

        start.Environment["HOME"] = workingDirectory;
        start.Environment["TMPDIR"] = workingDirectory;
        // TODO(os-limits): setrlimit (address space, CPU), a new network namespace where allowed, own process group.
        return start;
    }

    /// <summary>The dotnet host that runs this application, so the worker gets the same runtime.</summary>
    protected static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        return "dotnet";
    }
}
