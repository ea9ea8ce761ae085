using System.Globalization;
using System.Runtime.InteropServices;

namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>What the harness needs to know about the machine and the process: its description, memory and the repository.</summary>
internal static class Machine
{
    private const string SolutionFile = "CodeActSdk.sln";

    /// <summary>One line: cores, memory, OS, .NET version and the load average when the run began.</summary>
    public static string Describe()
    {
        var memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return Stats.Invariant(
            $"machine: {Environment.ProcessorCount} cores ({CpuModel()}), {memoryGiB:0.0} GiB, {OperatingSystem()}, {RuntimeInformation.FrameworkDescription}, load average {LoadAverage()}");
    }

    /// <summary>The resident memory of this process (VmRSS), in bytes; 0 where /proc is not there.</summary>
    public static long ResidentBytes()
    {
        const string path = "/proc/self/status";
        var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) : null;
        if (line is null)
        {
            return 0;
        }

        var kiB = line["VmRSS:".Length..].Trim().Split(' ')[0];
        return long.Parse(kiB, CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>A full, compacting, blocking collection with finalizers run, then the managed heap size.</summary>
    public static long CollectAndMeasureHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>
    /// The folder holding CodeActSdk.sln, found by walking up from the executable, then from the current directory;
    /// <see langword="null"/> when neither is inside the repository.
    /// </summary>
    public static string? RepositoryRoot() => WalkUp(AppContext.BaseDirectory) ?? WalkUp(Environment.CurrentDirectory);

    private static string? WalkUp(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, SolutionFile)))
            {
                return folder.FullName;
            }
        }

        return null;
    }

    private static string CpuModel()
    {
        const string path = "/proc/cpuinfo";
        var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string OperatingSystem()
    {
        const string path = "/etc/os-release";
        var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) : null;
        var name = line?["PRETTY_NAME=".Length..].Trim('"');
        return name is null ? RuntimeInformation.OSDescription : $"{name} (kernel {Environment.OSVersion.Version})";
    }

    private static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : "n/a";
    }
}
