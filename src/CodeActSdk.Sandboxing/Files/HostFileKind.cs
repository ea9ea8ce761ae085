using System.Runtime.InteropServices;

namespace CodeActSdk.Files;

/// <summary>What a host path is, without following a final link: only regular files and folders are ever opened.</summary>
internal enum HostFileKind
{
    Missing,
    RegularFile,
    Directory,

    /// <summary>A device, a pipe or a socket: opening one could block, or reach hardware.</summary>
    Special,
}

/// <summary>Reads a host path's kind. .NET reports devices and pipes as ordinary files, so Linux asks the kernel.</summary>
internal static partial class HostFiles
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: mask, blksize, attributes, nlink, uid, gid, then mode (u16)
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;
    private const int LinkType = 0xA000;

    public static HostFileKind KindOf(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Directory.Exists(path) ? HostFileKind.Directory : File.Exists(path) ? HostFileKind.RegularFile : HostFileKind.Missing;
        }

        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return HostFileKind.Missing;
        }

        var type = BitConverter.ToUInt16(buffer[StatxModeOffset..]) & TypeMask;
        return type switch
        {
            RegularType => HostFileKind.RegularFile,
            DirectoryType => HostFileKind.Directory,
            // A link is resolved (and confined) by the caller before its kind is asked; one left here is dangling.
            LinkType => HostFileKind.Missing,
            _ => HostFileKind.Special,
        };
    }

    private const int MaxLinks = 40;

    /// <summary>
    /// The real path of <paramref name="path"/> (absolute): every link along it is replaced by its target, also links
    /// inside a target, as the kernel would follow them when opening it. Names that do not exist yet are kept as they
    /// are. Null when the links loop, or more than 40 are followed.
    /// </summary>
    public static string? RealPath(string path)
    {
        var pending = new Stack<string>(Names(Path.GetFullPath(path)).Reverse());
        var current = Path.GetPathRoot(Path.GetFullPath(path))!;
        var links = 0;
        while (pending.TryPop(out var name))
        {
            if (name == ".")
            {
                continue;
            }

            if (name == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Join(current, name);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            // The link's own names are resolved next, from the root when the target is absolute, else from here.
            foreach (var part in Names(target).Reverse())
            {
                pending.Push(part);
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
            }
        }

        return current;
    }

    private static IEnumerable<string> Names(string path) =>
        path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Where(n => n.Length > 0);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);
}
