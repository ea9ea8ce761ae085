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

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);
}
