namespace CodeActSdk.Files;

/// <summary>
/// Turns a path written by sandboxed code into the file system's canonical form (<c>data/sales.csv</c>; the root is
/// the empty string), refusing everything that could name a place outside it.
/// </summary>
internal static class SandboxPath
{
    private const int MaxLength = 1024;
    private const int MaxNameLength = 255;

    /// <exception cref="SandboxFileException">The path is absolute, climbs with <c>..</c>, or holds a NUL, a control character or a backslash.</exception>
    public static string Normalize(string? path)
    {
        if (path is null)
        {
            throw new SandboxFileException("A path is required, for example 'data/sales.csv'.");
        }

        var shown = Show(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new SandboxFileException($"The path '{shown}' contains a NUL byte; paths are plain names separated by '/'.");
        }

        if (path.Length > MaxLength)
        {
            throw new SandboxFileException($"The path '{shown}' is longer than {MaxLength} characters.");
        }

        if (path.StartsWith('/') || path.StartsWith('~') || (path.Length >= 2 && path[1] == ':'))
        {
            throw new SandboxFileException($"The path '{shown}' is absolute; paths are relative to the sandbox's root, for example 'data/sales.csv' or 'out/table.csv'.");
        }

        if (path.Contains('\\', StringComparison.Ordinal))
        {
            throw new SandboxFileException($"The path '{shown}' contains a backslash; separate names with '/'.");
        }

        var names = new List<string>();
        foreach (var name in path.Split('/'))
        {
            if (name.Length == 0 || name == ".")
            {
                continue;
            }

            if (name == "..")
            {
                throw new SandboxFileException($"The path '{shown}' climbs with '..'; nothing above the sandbox's root is reachable. Name the file from the root, for example 'data/sales.csv'.");
            }

            if (name.Any(char.IsControl))
            {
                throw new SandboxFileException($"The path '{shown}' contains a control character.");
            }

            if (name.Length > MaxNameLength)
            {
                throw new SandboxFileException($"A name in the path '{shown}' is longer than {MaxNameLength} characters.");
            }

            names.Add(name);
        }

        return string.Join('/', names);
    }

    /// <summary>The first name of <paramref name="path"/> and the rest (empty when there is none).</summary>
    public static (string First, string Remainder) Split(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (path, "") : (path[..slash], path[(slash + 1)..]);
    }

    /// <summary>The path's parent folder ("" for a top-level name).</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    /// <summary>Joins a folder and a name.</summary>
    public static string Join(string folder, string name) => folder.Length == 0 ? name : folder + "/" + name;

    /// <summary>The path as it may be quoted in a message: control characters escaped, at most 100 characters.</summary>
    public static string Show(string path)
    {
        var escaped = string.Concat(path.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return escaped.Length <= 100 ? escaped : escaped[..100] + "…";
    }
}
