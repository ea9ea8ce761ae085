namespace CodeActSdk.Tests.Shared;

/// <summary>
/// What tests that start processes or read the checkout need to find: the dotnet host and the repository's root.
/// Linked into every test project by tests/Directory.Build.props.
/// </summary>
internal static class TestEnvironment
{
    /// <summary>The dotnet host that runs these tests, so that a child process gets the same runtime; "dotnet" from PATH otherwise.</summary>
    public static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }

    /// <summary>The folder that holds CodeActSdk.sln, found by walking up from the test assembly.</summary>
    /// <exception cref="InvalidOperationException">The tests do not run inside a checkout.</exception>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CodeActSdk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No CodeActSdk.sln above {AppContext.BaseDirectory}.");
    }
}
