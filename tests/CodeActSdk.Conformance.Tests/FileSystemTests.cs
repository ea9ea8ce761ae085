using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// The virtual file system from the code's side: the same operations and the same refusals in every backend. Each
/// attack is tried from sandboxed code against a real mounted folder, and the host folder is checked afterwards.
/// </summary>
public class FileSystemTests(Backend backend) : ConformanceTest(backend)
{
    private string _root = null!;
    private string _mounted = null!;
    private string _secret = null!;

    [SetUp]
    public void CreateFolders()
    {
        _root = Directory.CreateTempSubdirectory("codeact-conformance-files-").FullName;
        _mounted = Directory.CreateDirectory(Path.Combine(_root, "mounted")).FullName;
        _secret = Path.Combine(_root, "secret.txt");
        File.WriteAllText(_secret, "outside the mount");
        File.WriteAllText(Path.Combine(_mounted, "sales.csv"), "month,amount\n2026-01,100\n2026-02,\"1,250\"\n");
        File.WriteAllBytes(Path.Combine(_mounted, "image.bin"), [0xFF, 0xFE, 0x00, 0xC3, 0x28]);
    }

    [TearDown]
    public void DeleteFolders() => Directory.Delete(_root, recursive: true);

    private SandboxOptions Mounted(MountAccess access = MountAccess.ReadOnly, long scratchQuota = 64L * 1024 * 1024) => new()
    {
        Files = new FileSystemOptions
        {
            Mounts = [new FileMount("data", _mounted, access, QuotaBytes: 4096)],
            ScratchQuotaBytes = scratchQuota,
        },
    };

    /// <summary>Code that tries <paramref name="js"/> / <paramref name="cs"/> and evaluates to the error message, or "no error".</summary>
    private Task<ExecutionResult> CaughtAsync(string js, string cs, SandboxOptions options) => RunAsync(
        $"var m = 'no error'; try {{ {js}; }} catch (e) {{ m = e.message; }} m",
        $"string m = \"no error\"; try {{ {cs}; }} catch (Exception e) {{ m = e.Message; }} m",
        options);

    private static string Message(ExecutionResult result) => JsonSerializer.Deserialize<string>(Json(result))!;

    [Test]
    public async Task Text_CSV_and_JSON_round_trip_through_the_scratch_area()
    {
        var result = await RunAsync(
            """
            var rows = files.readCsv('data/sales.csv');
            files.writeCsv('work/copy.csv', rows);
            files.writeJson('work/rows.json', rows);
            [files.readText('work/copy.csv'), files.readJson('work/rows.json')[1].amount, files.exists('work'), files.list('work').length]
            """,
            """
            var rows = Files.ReadCsv("data/sales.csv");
            Files.WriteCsv("work/copy.csv", rows);
            Files.WriteJson("work/rows.json", rows);
            new object[] { Files.ReadText("work/copy.csv"), Files.ReadJson("work/rows.json")![1]!["amount"]!.GetValue<string>(), Files.Exists("work"), Files.List("work").Count }
            """,
            Mounted());

        // Compared as parsed JSON: backends escape quotes differently (\" or \u0022).
        var expected = JsonNode.Parse("""["month,amount\n2026-01,100\n2026-02,\"1,250\"\n","1,250",true,2]""");
        JsonNode.DeepEquals(JsonNode.Parse(Json(result)), expected).Should().BeTrue(Json(result));
    }

    [Test]
    public async Task Bytes_round_trip_and_binary_data_read_as_text_is_refused()
    {
        var bytes = await RunAsync(
            "files.writeBytes('copy.bin', files.readBytes('data/image.bin')); files.readBytes('copy.bin')",
            "Files.WriteBytes(\"copy.bin\", Files.ReadBytes(\"data/image.bin\")); Files.ReadBytes(\"copy.bin\").Select(b => (int)b).ToArray()",
            Mounted());
        Json(bytes).Should().Be("[255,254,0,195,40]");

        var text = await CaughtAsync("files.readText('data/image.bin')", "Files.ReadText(\"data/image.bin\")", Mounted());
        Message(text).Should().Contain("not UTF-8 text").And.Contain("bytes");
    }

    [Test]
    public async Task Files_written_under_out_come_back_as_artifacts_of_the_execution_that_wrote_them()
    {
        await using var session = await NewSessionAsync();

        var writing = await RunAsync(
            session,
            "files.writeText('out/table.csv', 'a,b\\n1,2\\n'); files.writeText('out/chart.vl.json', '{}'); files.writeText('scratch.txt', 'not an artifact')",
            "Files.WriteText(\"out/table.csv\", \"a,b\\n1,2\\n\"); Files.WriteText(\"out/chart.vl.json\", \"{}\"); Files.WriteText(\"scratch.txt\", \"not an artifact\");");
        var next = await RunAsync(session, "1", "1");

        writing.Status.Should().Be(ExecutionStatus.Completed, writing.Error?.Message);
        writing.Artifacts.Select(a => (a.Path, a.MediaType, a.Size)).Should().Equal(
            ("out/chart.vl.json", "application/vnd.vegalite.v5+json", 2L),
            ("out/table.csv", "text/csv", 8L));
        next.Artifacts.Should().BeEmpty();
        session.Files.Artifacts.Should().HaveCount(2);
    }

    [TestCase("../secret.txt", "..")]
    [TestCase("data/../../secret.txt", "..")]
    [TestCase("/etc/passwd", "absolute")]
    [TestCase("C:/Windows/win.ini", "absolute")]
    [TestCase("~/secret.txt", "absolute")]
    [TestCase("data\\\\..\\\\secret.txt", "backslash")]
    public async Task Paths_that_could_leave_the_file_system_are_refused(string path, string reason)
    {
        var result = await CaughtAsync($"files.readText('{path}')", $"Files.ReadText(\"{path}\")", Mounted());

        Message(result).Should().Contain(reason).And.NotContain(_root);
    }

    [Test]
    public async Task A_name_with_a_NUL_byte_is_refused()
    {
        var result = await CaughtAsync("files.writeText('a\\u0000b', 'x')", "Files.WriteText(\"a\\0b\", \"x\")", Mounted());

        Message(result).Should().Contain("NUL");
    }

    [Test]
    public async Task A_link_out_of_the_mount_is_refused_and_not_listed()
    {
        File.CreateSymbolicLink(Path.Combine(_mounted, "escape.txt"), _secret);
        Directory.CreateSymbolicLink(Path.Combine(_mounted, "etc"), "/etc");

        var file = await CaughtAsync("files.readText('data/escape.txt')", "Files.ReadText(\"data/escape.txt\")", Mounted());
        var folder = await CaughtAsync("files.readText('data/etc/passwd')", "Files.ReadText(\"data/etc/passwd\")", Mounted());
        var listing = await RunAsync(
            "files.list('data').map(function (e) { return e.name; })",
            "Files.List(\"data\").Select(e => e.Path.Split('/').Last()).ToArray()",
            Mounted());

        Message(file).Should().Contain("leads outside the mount");
        Message(folder).Should().Contain("leads outside the mount");
        Json(listing).Should().Be("""["image.bin","sales.csv"]""");
    }

    [Test]
    public async Task A_pipe_in_the_mount_is_refused_without_blocking()
    {
        Assume.That(OperatingSystem.IsLinux(), "mkfifo is Linux-only here");
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(_mounted, "pipe")))
        {
            await mkfifo.WaitForExitAsync();
        }

        var result = await CaughtAsync("files.readText('data/pipe')", "Files.ReadText(\"data/pipe\")", Mounted());

        Message(result).Should().Contain("pipe").And.Contain("not a regular file");
    }

    [Test]
    public async Task A_read_only_mount_refuses_writes_and_deletes_and_the_host_file_is_unchanged()
    {
        var write = await CaughtAsync("files.writeText('data/sales.csv', 'x')", "Files.WriteText(\"data/sales.csv\", \"x\")", Mounted());
        var delete = await CaughtAsync("files['delete']('data/sales.csv')", "Files.Delete(\"data/sales.csv\")", Mounted());

        Message(write).Should().Contain("read-only mount 'data'");
        Message(delete).Should().Contain("read-only mount 'data'");
        File.ReadAllText(Path.Combine(_mounted, "sales.csv")).Should().StartWith("month,amount");
    }

    [Test]
    public async Task Quotas_refuse_the_write_that_would_pass_them_and_keep_what_was_there()
    {
        var scratch = await RunAsync(
            "files.writeText('a.txt', 'kept'); var m = 'no error'; try { files.writeText('b.txt', new Array(2049).join('x')); } catch (e) { m = e.message; } [m, files.readText('a.txt'), files.exists('b.txt')]",
            "Files.WriteText(\"a.txt\", \"kept\"); string m = \"no error\"; try { Files.WriteText(\"b.txt\", new string('x', 2048)); } catch (Exception e) { m = e.Message; } new object[] { m, Files.ReadText(\"a.txt\"), Files.Exists(\"b.txt\") }",
            Mounted(scratchQuota: 1024));
        var mount = await CaughtAsync(
            "files.writeText('data/big.txt', new Array(5001).join('x'))",
            "Files.WriteText(\"data/big.txt\", new string('x', 5000))",
            Mounted(MountAccess.ReadWrite));

        Json(scratch).Should().Contain("quota of 1,024 bytes").And.Contain("\"kept\",false");
        Message(mount).Should().Contain("mount 'data' past its quota");
        File.Exists(Path.Combine(_mounted, "big.txt")).Should().BeFalse();
    }

    [Test]
    public async Task A_read_write_mount_is_written_on_the_host()
    {
        var result = await RunAsync(
            "files.writeText('data/reports/summary.txt', 'total 1350'); files['delete']('data/image.bin')",
            "Files.WriteText(\"data/reports/summary.txt\", \"total 1350\"); Files.Delete(\"data/image.bin\")",
            Mounted(MountAccess.ReadWrite));

        Json(result).Should().Be("true");
        File.ReadAllText(Path.Combine(_mounted, "reports", "summary.txt")).Should().Be("total 1350");
        File.Exists(Path.Combine(_mounted, "image.bin")).Should().BeFalse();
    }

    [Test]
    public async Task A_mount_that_disappears_is_a_clear_error()
    {
        await using var session = await NewSessionAsync(Mounted());
        Directory.Delete(_mounted, recursive: true);

        var result = await RunAsync(
            session,
            "var m = 'no error'; try { files.readText('data/sales.csv'); } catch (e) { m = e.message; } m",
            "string m = \"no error\"; try { Files.ReadText(\"data/sales.csv\"); } catch (Exception e) { m = e.Message; } m");

        Message(result).Should().Contain("mount 'data' is no longer available").And.NotContain(_root);
    }

    [Test]
    public async Task An_upload_is_readable_by_the_code_and_an_endless_one_is_refused_with_nothing_added()
    {
        await using var session = await NewSessionAsync(new SandboxOptions { Files = new FileSystemOptions { MaxFileBytes = 1024 * 1024 } });
        await session.Files.AddAsync("in/notes.txt", new MemoryStream("hello"u8.ToArray()));

        var huge = () => session.Files.AddAsync("huge.bin", new EndlessStream());
        await huge.Should().ThrowAsync<SandboxFileException>().WithMessage("*larger than the 1,048,576 bytes*nothing was added*");
        var result = await RunAsync(session, "[files.readText('in/notes.txt'), files.exists('huge.bin')]", "new object[] { Files.ReadText(\"in/notes.txt\"), Files.Exists(\"huge.bin\") }");

        Json(result).Should().Be("""["hello",false]""");
        session.Files.Uploads.Should().ContainSingle().Which.Path.Should().Be("in/notes.txt");
    }

    [Test]
    public async Task An_uncaught_file_error_is_a_runtime_error_with_the_message_and_the_codes_line()
    {
        var result = await RunAsync("var a = 1;\nfiles.readText('missing.txt');", "var a = 1;\nFiles.ReadText(\"missing.txt\");");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().Contain("There is no file or folder 'missing.txt'");
        result.Error.Line.Should().Be(2);
    }

    [Test]
    public void The_file_API_is_documented_in_the_backends_language()
    {
        Interpreter.Language.Guidance.Should().Contain(Backend.IsCSharp ? "Files.ReadCsv" : "files.readCsv").And.Contain("out/").And.Contain(".vl.json");
    }

    /// <summary>A stream that never ends: a 2 GB (or larger) upload, without the memory.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)'x', offset, count);
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
