using System.Text;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>C# code reads and writes the session's virtual file system through <c>Files</c>, and nothing else of the disk.</summary>
public class FilesTests : RoslynTestBase
{
    [Test]
    public async Task Text_written_to_the_scratch_area_reads_back_and_is_listed()
    {
        var result = await RunAsync("""
            Files.WriteText("notes/a.txt", "héllo\nwörld");
            var listed = new List<string>();
            foreach (SandboxFileInfo entry in Files.List("notes")) listed.Add($"{entry.Path}:{entry.Size}:{entry.IsDirectory}:{entry.ReadOnly}");
            (Files.ReadText("notes/a.txt"), Files.Exists("notes/a.txt"), Files.Exists("notes/b.txt"), Files.Stat("notes").IsDirectory, string.Join(";", listed))
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""{"Item1":"héllo\nwörld","Item2":true,"Item3":false,"Item4":true,"Item5":"notes/a.txt:13:False:False"}""");
        result.Artifacts.Should().BeEmpty("only files under out/ are artifacts");
    }

    [Test]
    public async Task Csv_round_trips_anonymous_objects_records_and_dictionaries()
    {
        var result = await RunAsync("""
            record Sale(string Region, decimal Amount);
            Files.WriteCsv("sales.csv", new[] { new { Region = "north", Units = 2, Note = "a, \"quoted\" note" }, new { Region = "south", Units = 3, Note = (string)null } });
            var rows = Files.ReadCsv("sales.csv");
            Files.WriteCsv("records.csv", new List<Sale> { new("east", 1.5m) });
            Files.WriteCsv("dicts.csv", rows.Select(r => new Dictionary<string, object> { ["region"] = r["Region"].ToUpperInvariant(), ["double"] = int.Parse(r["Units"]) * 2 }));
            (rows.Count, rows[0]["Note"], rows[1]["Note"], rows.Sum(r => int.Parse(r["Units"])), Files.ReadText("records.csv"), Files.ReadText("dicts.csv"))
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        var value = result.Value!.Value;
        value.GetProperty("Item1").GetInt32().Should().Be(2);
        value.GetProperty("Item2").GetString().Should().Be("a, \"quoted\" note");
        value.GetProperty("Item3").GetString().Should().BeEmpty("a null field is written as an empty one");
        value.GetProperty("Item4").GetInt32().Should().Be(5);
        value.GetProperty("Item5").GetString().Should().Be("Region,Amount\neast,1.5\n");
        value.GetProperty("Item6").GetString().Should().Be("region,double\nNORTH,4\nSOUTH,6\n");
    }

    [Test]
    public async Task Json_reads_into_nodes_and_the_code_s_own_types_and_writes_indented()
    {
        var result = await RunAsync("""
            record Order(int Id, double Total, List<string> Tags);
            Files.WriteText("orders.json", "[{\"id\": 1, \"total\": 9.5, \"tags\": [\"a\"]}, {\"id\": 2, \"total\": 20, \"tags\": []},]");
            var orders = Files.ReadJson<List<Order>>("orders.json");
            var node = Files.ReadJson("orders.json");
            Files.WriteJson("out/summary.json", new { Count = orders.Count, Total = orders.Sum(o => o.Total) });
            (orders[0].Tags[0], orders.Sum(o => o.Total), node![1]!["id"]!.GetValue<int>())
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""{"Item1":"a","Item2":29.5,"Item3":2}""");
        result.Artifacts.Single().ReadText().Should().Be("{\n  \"Count\": 2,\n  \"Total\": 29.5\n}");
    }

    [Test]
    public async Task Json_that_is_not_valid_is_a_json_error_naming_the_file()
    {
        var result = await RunAsync("""
            Files.WriteText("broken.json", "{ nope");
            Files.ReadJson("broken.json")
            """);

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Should().Be("JsonException");
        result.Error.Message.Should().Contain("'broken.json' is not valid JSON");
    }

    [Test]
    public async Task Bytes_round_trip()
    {
        var result = await RunAsync("""
            Files.WriteBytes("blob.bin", new byte[] { 0, 255, 7 });
            string.Join(",", Files.ReadBytes("blob.bin")) + " " + Files.Stat("blob.bin").Size
            """);

        result.Value!.Value.GetString().Should().Be("0,255,7 3");
    }

    [Test]
    public async Task A_file_under_out_is_an_artifact_of_the_execution_that_wrote_it_only()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());

        var first = await session.ExecuteAsync("""Files.WriteCsv("out/table.csv", new[] { new { A = 1, B = "x" } }); Files.WriteText("scratch.txt", "not an artifact");""");
        var second = await session.ExecuteAsync("""Files.ReadText("out/table.csv").Length""");

        first.Status.Should().Be(ExecutionStatus.Completed, first.Error?.Message);
        var artifact = first.Artifacts.Should().ContainSingle().Subject;
        artifact.Path.Should().Be("out/table.csv");
        artifact.MediaType.Should().Be("text/csv");
        artifact.ReadText().Should().Be("A,B\n1,x\n");
        second.Artifacts.Should().BeEmpty("reading an artifact does not change it");
        session.Files.Artifacts.Select(a => a.Path).Should().Equal("out/table.csv");
    }

    [Test]
    public async Task Executions_that_fail_or_time_out_still_return_what_they_wrote()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(300) });

        var failed = await session.ExecuteAsync("""Files.WriteText("out/partial.txt", "half"); throw new InvalidOperationException("boom");""");
        var timedOut = await session.ExecuteAsync("""Files.WriteText("out/chart.vl.json", "{}"); while (true) { }""");

        failed.Status.Should().Be(ExecutionStatus.RuntimeError);
        failed.Artifacts.Select(a => a.Path).Should().Equal("out/partial.txt");
        timedOut.Status.Should().Be(ExecutionStatus.Timeout);
        timedOut.Artifacts.Should().ContainSingle().Which.MediaType.Should().Be("application/vnd.vegalite.v5+json");
    }

    [TestCase("../x", "'..'")]
    [TestCase("/etc/passwd", "absolute")]
    public async Task Paths_outside_the_file_system_are_refused_with_an_exception_the_code_can_catch(string path, string reason)
    {
        var result = await RunAsync($$"""
            try { Files.ReadText("{{path}}"); }
            catch (SandboxFileException e) { Console.WriteLine("caught: " + e.Message); }
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Stdout.Should().StartWith("caught: ").And.Contain(path).And.Contain(reason);
    }

    [Test]
    public async Task An_uncaught_file_error_fails_the_execution_with_its_message_and_line()
    {
        var result = await RunAsync("var a = 1;\nFiles.ReadText(\"missing.txt\");");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Should().Be("SandboxFileException");
        result.Error.Message.Should().Contain("There is no file or folder 'missing.txt'");
        result.Error.Line.Should().Be(2);
    }

    [TestCase("System.IO.File.ReadAllText(\"/etc/passwd\")", "System.IO.File")]
    [TestCase("var s = new System.IO.FileStream(\"/etc/passwd\", System.IO.FileMode.Open);", "System.IO.FileStream")]
    [TestCase("System.IO.Directory.GetFiles(\"/\")", "System.IO.Directory")]
    [TestCase("try { Files.ReadText(\"x\"); } catch (System.IO.IOException) { }", "System.IO.IOException")]
    [TestCase("var o = new SandboxOptions();", "CodeActSdk.SandboxOptions")]
    public async Task The_host_s_disk_stays_refused_and_only_the_file_types_of_the_abstractions_are_allowed(string code, string symbol)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.PolicyViolation, result.Error?.Message);
        result.Error!.Message.Should().Contain(symbol);
    }

    [Test]
    public async Task The_policy_points_at_Files_when_System_IO_is_used()
    {
        var result = await RunAsync("System.IO.File.ReadAllText(\"data.csv\")");

        result.Error!.Message.Should().Contain("Files.ReadText");
    }

    [Test]
    public async Task Files_added_by_the_host_can_be_read_by_the_code()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.Files.AddAsync("in/sales.csv", new MemoryStream(Encoding.UTF8.GetBytes("region,amount\nnorth,10\nsouth,32\n")));

        var result = await session.ExecuteAsync("""Files.ReadCsv("in/sales.csv").Sum(r => int.Parse(r["amount"]))""");

        result.Value!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task A_read_only_mount_is_readable_and_not_writable()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-roslyn-files-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "notes.txt"), "mounted");
            var options = new SandboxOptions { Files = new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", folder.FullName)] } };
            await using var session = await Interpreter.CreateSessionAsync(options);

            var result = await session.ExecuteAsync("""
                var text = Files.ReadText("data/notes.txt");
                try { Files.WriteText("data/new.txt", "x"); } catch (SandboxFileException e) { Console.Write(e.Message); }
                text
                """);

            result.Value!.Value.GetString().Should().Be("mounted");
            result.Stdout.Should().Contain("read-only");
            File.Exists(Path.Combine(folder.FullName, "new.txt")).Should().BeFalse();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_mount_whose_folder_does_not_exist_fails_the_session_s_creation()
    {
        var missing = Path.Combine(Path.GetTempPath(), "codeact-missing-" + Guid.NewGuid().ToString("N"));
        var options = new SandboxOptions { Files = new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", missing)] } };

        var create = async () => await Interpreter.CreateSessionAsync(options);

        await create.Should().ThrowAsync<ArgumentException>().WithMessage("*mount 'data'*");
    }

    [Test]
    public async Task The_state_digest_lists_nothing_new_and_its_previews_cannot_use_files()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.Files.AddAsync("secret.txt", new MemoryStream("s3cret"u8.ToArray()));
        await session.ExecuteAsync("""
            class Sneaky { public string Secret => Files.ReadText("secret.txt"); public int Writes { get { Files.WriteText("out/sneaky.txt", "x"); return 1; } } }
            var sneaky = new Sneaky();
            var count = 1;
            """);

        var digest = await session.DescribeVariablesAsync();
        var next = await session.ExecuteAsync("count + 1");

        digest.Select(v => v.Name).Should().BeEquivalentTo("sneaky", "count");
        digest.Single(v => v.Name == "sneaky").Preview.Should().Contain("cannot be shown").And.NotContain("s3cret");
        next.Artifacts.Should().BeEmpty();
        session.Files.Artifacts.Should().BeEmpty("a preview must not write files");
    }

    [Test]
    public async Task A_type_of_the_code_may_share_a_name_with_the_abstractions()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("record Artifact(string Name);");

        var result = await session.ExecuteAsync("new Artifact(\"chart\").Name");

        result.Value!.Value.GetString().Should().Be("chart", result.Error?.Message);
    }

    [Test]
    public void Files_outside_an_execution_are_refused()
    {
        var read = () => Sandbox.Files.ReadText("x.txt");

        read.Should().Throw<InvalidOperationException>().WithMessage("*only be called while the code runs*");
    }

    [Test]
    public void The_model_is_told_about_Files_and_artifacts()
    {
        Interpreter.Language.Guidance.Should().Contain("Files.ReadCsv(path)").And.Contain("out/").And.Contain("*.vl.json").And.Contain("SandboxFileException");
    }
}
