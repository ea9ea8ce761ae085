namespace CodeActSdk;

/// <summary>
/// The virtual file system of a sandbox session: an in-memory scratch area the code may freely write (its
/// <c>out/</c> folder holds the artifacts it hands back), plus explicit mounts of host folders. Nothing else of the
/// host's disk is reachable. Paths the code uses are relative, with <c>/</c> between names: <c>notes.txt</c> is in the
/// scratch area, <c>data/sales.csv</c> is in the mount named <c>data</c>.
/// </summary>
public sealed record FileSystemOptions
{
    /// <summary>The folder of the scratch area whose files come back as artifacts.</summary>
    public const string ArtifactFolder = "out";

    /// <summary>Host folders the code may reach, each under its own top-level name. Default none.</summary>
    public IReadOnlyList<FileMount> Mounts { get; init; } = [];

    /// <summary>Bytes the scratch area may hold in all (uploads and what the code writes). Default 64 MiB.</summary>
    public long ScratchQuotaBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The largest file the code may read or write, and the largest upload. Default 32 MiB.</summary>
    public long MaxFileBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Files the scratch area may hold. Default 10,000.</summary>
    public int MaxScratchFiles { get; init; } = 10_000;

    /// <summary>Checks the quotas and the mount table and throws if one is wrong.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A quota is zero or negative; the message names it.</exception>
    /// <exception cref="ArgumentException">A mount's name is not a plain folder name, is reserved, or is used twice.</exception>
    public FileSystemOptions Validate()
    {
        Require(ScratchQuotaBytes > 0, nameof(ScratchQuotaBytes), ScratchQuotaBytes);
        Require(MaxFileBytes > 0, nameof(MaxFileBytes), MaxFileBytes);
        Require(MaxScratchFiles > 0, nameof(MaxScratchFiles), MaxScratchFiles);
        ArgumentNullException.ThrowIfNull(Mounts);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mount in Mounts)
        {
            ArgumentNullException.ThrowIfNull(mount, nameof(Mounts));
            mount.Validate();
            if (!names.Add(mount.Name))
            {
                throw new ArgumentException($"Two mounts are named '{mount.Name}'; mount names must be unique.", nameof(Mounts));
            }
        }

        return this;
    }

    private static void Require(bool condition, string name, object value)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"FileSystemOptions.{name} must be positive.");
        }
    }
}

/// <summary>Whether sandboxed code may change a mounted folder.</summary>
public enum MountAccess
{
    /// <summary>The code may read, list and stat; writes and deletes are refused.</summary>
    ReadOnly,

    /// <summary>The code may also write and delete files, within the mount's quota.</summary>
    ReadWrite,
}

/// <summary>A host folder made visible to sandboxed code under <paramref name="Name"/>.</summary>
/// <param name="Name">The top-level folder name the code uses (<c>data</c> for <c>data/sales.csv</c>): letters, digits, <c>-</c>, <c>_</c> and <c>.</c>.</param>
/// <param name="HostPath">The host folder. It must exist when the session is created.</param>
/// <param name="Access">Whether the code may change it.</param>
/// <param name="QuotaBytes">The most the folder's files may hold in all after a write by the code; a write that would go past it is refused. Default 256 MiB.</param>
public sealed record FileMount(string Name, string HostPath, MountAccess Access, long QuotaBytes = FileMount.DefaultQuotaBytes)
{
    /// <summary>The default <see cref="QuotaBytes"/>: 256 MiB.</summary>
    public const long DefaultQuotaBytes = 256L * 1024 * 1024;

    /// <summary>A mount the code may only read.</summary>
    public static FileMount ReadOnly(string name, string hostPath) => new(name, hostPath, MountAccess.ReadOnly);

    /// <summary>A mount the code may read and change, holding at most <paramref name="quotaBytes"/>.</summary>
    public static FileMount ReadWrite(string name, string hostPath, long quotaBytes = DefaultQuotaBytes) => new(name, hostPath, MountAccess.ReadWrite, quotaBytes);

    /// <summary>Checks the name, the host path and the quota.</summary>
    /// <exception cref="ArgumentException">The name is not a plain folder name or is reserved, or the host path is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The quota is not positive.</exception>
    public FileMount Validate()
    {
        if (string.IsNullOrEmpty(Name) || Name is "." or ".." || Name.Length > 64
            || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"The mount name '{Name}' is not a plain folder name: use letters, digits, '-', '_' and '.' (at most 64).", nameof(Name));
        }

        if (Name == FileSystemOptions.ArtifactFolder)
        {
            throw new ArgumentException($"The mount name '{Name}' is reserved for the artifacts the code writes; choose another.", nameof(Name));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(HostPath);
        if (!Enum.IsDefined(Access))
        {
            throw new ArgumentOutOfRangeException(nameof(Access), Access, $"Mount '{Name}' has an unknown access.");
        }

        if (QuotaBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(QuotaBytes), QuotaBytes, $"The quota of mount '{Name}' must be positive.");
        }

        return this;
    }
}
