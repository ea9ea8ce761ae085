using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Packaging.Tests;

/// <summary>What each packed package carries: its README, symbols with Source Link, links to the repository, no path of the build machine.</summary>
[TestFixture]
public sealed class PackageContentTests
{
    public static IEnumerable<string> Packages() => ConsumerApplicationTests.Packages();

    [TestCaseSource(nameof(Packages))]
    public void The_package_links_to_its_repository_and_commit_and_carries_its_own_readme(string id)
    {
        using var package = ZipFile.OpenRead(PackedPackages.Current.PackagePath(id));
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;

        var repository = metadata.Element(ns + "repository");
        repository.Should().NotBeNull();
        ((string?)repository!.Attribute("url")).Should().StartWith("https://");
        ((string?)repository.Attribute("commit")).Should().MatchRegex("^[0-9a-f]{40}$");
        ((string?)metadata.Element(ns + "projectUrl")).Should().StartWith("https://");
        ((string?)metadata.Element(ns + "readme")).Should().Be("README.md");

        using var readme = new StreamReader(package.GetEntry("README.md")!.Open());
        readme.ReadLine().Should().Be($"# {id}", "the package carries its own README, not the repository's");
    }

    [TestCaseSource(nameof(Packages))]
    public void Its_symbols_package_has_a_pdb_with_source_link_and_no_path_of_the_build_machine(string id)
    {
        var root = TestEnvironment.RepositoryRoot();
        using var symbols = ZipFile.OpenRead(PackedPackages.Current.PackagePath(id, symbols: true));
        var pdb = symbols.Entries.Should().ContainSingle(e => e.FullName == $"lib/net10.0/{id}.pdb").Subject;
        var bytes = Read(pdb);

        Encoding.UTF8.GetString(bytes).Should().Contain("\"documents\":{\"/_/").And.Contain("https://raw.githubusercontent.com/");
        using var package = ZipFile.OpenRead(PackedPackages.Current.PackagePath(id));
        foreach (var file in package.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal)).Append(pdb))
        {
            var content = Read(file);
            Contains(content, Encoding.UTF8.GetBytes(root)).Should().BeFalse($"{file.FullName} should not name the folder it was built in ({root})");
            Contains(content, Encoding.Unicode.GetBytes(root)).Should().BeFalse($"{file.FullName} should not name the folder it was built in ({root})");
        }
    }

    [Test]
    public void Package_sizes()
    {
        var folder = PackedPackages.Current.Folder;
        TestContext.Out.WriteLine("| package | .nupkg bytes | .snupkg bytes |");
        TestContext.Out.WriteLine("|---|---:|---:|");
        foreach (var id in PackedPackages.Current.Ids)
        {
            var size = new FileInfo(PackedPackages.Current.PackagePath(id)).Length;
            var symbols = new FileInfo(PackedPackages.Current.PackagePath(id, symbols: true)).Length;
            TestContext.Out.WriteLine($"| {id} | {size:#,0} | {symbols:#,0} |");
            size.Should().BeGreaterThan(0);
        }

        Directory.GetFiles(folder, "*.nupkg").Should().HaveCount(PackedPackages.Current.Ids.Count, "every library is packed, and nothing else");
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] content, byte[] pattern) => content.AsSpan().IndexOf(pattern) >= 0;
}
