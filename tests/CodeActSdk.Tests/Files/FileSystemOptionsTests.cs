namespace CodeActSdk.Tests.Files;

/// <summary>Options and mounts are checked before a session starts.</summary>
public class FileSystemOptionsTests
{
    [Test]
    public void The_defaults_are_valid()
    {
        var options = new FileSystemOptions().Validate();

        options.Mounts.Should().BeEmpty();
        options.ScratchQuotaBytes.Should().Be(64L * 1024 * 1024);
        options.MaxFileBytes.Should().Be(32L * 1024 * 1024);
        options.MaxScratchFiles.Should().Be(10_000);
        FileMount.ReadWrite("data", "/tmp").QuotaBytes.Should().Be(FileMount.DefaultQuotaBytes);
    }

    [TestCase("a/b")]
    [TestCase("a\\b")]
    [TestCase("..")]
    [TestCase(".")]
    [TestCase("")]
    [TestCase("with space")]
    [TestCase("naïve")]
    [TestCase("a:b")]
    public void A_mount_name_that_is_not_a_plain_folder_name_is_refused(string name) =>
        FluentActions.Invoking(() => FileMount.ReadOnly(name, "/tmp").Validate())
            .Should().Throw<ArgumentException>().WithMessage("*not a plain folder name*");

    [Test]
    public void A_mount_name_longer_than_64_is_refused()
    {
        FileMount.ReadOnly(new string('a', 64), "/tmp").Validate();
        FluentActions.Invoking(() => FileMount.ReadOnly(new string('a', 65), "/tmp").Validate()).Should().Throw<ArgumentException>();
    }

    [TestCase("data")]
    [TestCase("my-data_2.v1")]
    [TestCase("...")]
    public void Plain_mount_names_are_accepted(string name) =>
        FileMount.ReadOnly(name, "/tmp").Validate().Name.Should().Be(name);

    [Test]
    public void The_out_folder_is_reserved() =>
        FluentActions.Invoking(() => new FileSystemOptions { Mounts = [FileMount.ReadWrite("out", "/tmp")] }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*'out' is reserved*");

    [Test]
    public void Two_mounts_with_one_name_are_refused() =>
        FluentActions.Invoking(() => new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", "/tmp"), FileMount.ReadWrite("data", "/var")] }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*Two mounts are named 'data'*");

    [TestCase("")]
    [TestCase("   ")]
    public void A_mount_without_a_host_path_is_refused(string hostPath) =>
        FluentActions.Invoking(() => FileMount.ReadOnly("data", hostPath).Validate()).Should().Throw<ArgumentException>();

    [TestCase(0)]
    [TestCase(-1)]
    public void A_non_positive_mount_quota_is_refused(long quota) =>
        FluentActions.Invoking(() => FileMount.ReadWrite("data", "/tmp", quota).Validate())
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*quota of mount 'data' must be positive*");

    [Test]
    public void An_unknown_access_is_refused() =>
        FluentActions.Invoking(() => new FileMount("data", "/tmp", (MountAccess)7).Validate()).Should().Throw<ArgumentOutOfRangeException>();

    [TestCase(nameof(FileSystemOptions.ScratchQuotaBytes), 0)]
    [TestCase(nameof(FileSystemOptions.ScratchQuotaBytes), -5)]
    [TestCase(nameof(FileSystemOptions.MaxFileBytes), 0)]
    [TestCase(nameof(FileSystemOptions.MaxScratchFiles), 0)]
    [TestCase(nameof(FileSystemOptions.MaxScratchFiles), -1)]
    public void A_non_positive_quota_is_refused_by_name(string quota, int value)
    {
        var options = quota switch
        {
            nameof(FileSystemOptions.ScratchQuotaBytes) => new FileSystemOptions { ScratchQuotaBytes = value },
            nameof(FileSystemOptions.MaxFileBytes) => new FileSystemOptions { MaxFileBytes = value },
            _ => new FileSystemOptions { MaxScratchFiles = value },
        };

        FluentActions.Invoking(() => options.Validate()).Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*FileSystemOptions.{quota} must be positive*");
        FluentActions.Invoking(() => new CodeActSdk.Files.SandboxFileSystem(options)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Invalid_mounts_are_refused_when_the_file_system_is_created()
    {
        FluentActions.Invoking(() => new CodeActSdk.Files.SandboxFileSystem(new FileSystemOptions { Mounts = [FileMount.ReadOnly("a/b", "/tmp")] }))
            .Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new CodeActSdk.Files.SandboxFileSystem(new FileSystemOptions { Mounts = [null!] }))
            .Should().Throw<ArgumentNullException>();
    }
}
