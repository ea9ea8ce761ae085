using System.Text.Json.Nodes;
using CodeActSdk.Files;
using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>The <c>files</c> object's calls as the JavaScript backends pass them: JSON in, JSON out.</summary>
public class JavaScriptFilesTests
{
    private SandboxFileSystem _files = null!;

    [SetUp]
    public void CreateFiles() =>
        _files = new SandboxFileSystem(new FileSystemOptions(), new ManualClock(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)));

    /// <summary>Calls the operation named first in <paramref name="json"/> with the rest as its arguments.</summary>
    private JsonNode? Call(string json)
    {
        var call = JsonNode.Parse(json)!.AsArray();
        return JsonNode.Parse(JavaScriptFiles.Invoke(_files, call[0]!.GetValue<string>(), [.. call.Skip(1)]));
    }

    private string Refused(string json) => Refusal(() => Call(json));

    [Test]
    public void Text_is_written_read_described_and_deleted()
    {
        Call("""["writeText", "out/a.txt", "héllo"]""")!.ToJsonString().Should().Be(
            """{"name":"a.txt","path":"out/a.txt","size":6,"isDirectory":false,"readOnly":false,"modified":"2025-01-02T03:04:05.0000000Z"}""");
        Call("""["readText", "out/a.txt"]""")!.GetValue<string>().Should().Be("héllo");
        Call("""["exists", "out/a.txt"]""")!.GetValue<bool>().Should().BeTrue();
        Call("""["stat", "out"]""")!["isDirectory"]!.GetValue<bool>().Should().BeTrue();
        Call("""["delete", "out/a.txt"]""")!.GetValue<bool>().Should().BeTrue();
        Call("""["delete", "out/a.txt"]""")!.GetValue<bool>().Should().BeFalse();
        Call("""["exists", "out/a.txt"]""")!.GetValue<bool>().Should().BeFalse();
    }

    [Test]
    public void Bytes_are_arrays_of_numbers()
    {
        Call("""["writeBytes", "b.bin", [0, 1, 127, 255, 2.0]]""")!["size"]!.GetValue<long>().Should().Be(5);

        Call("""["readBytes", "b.bin"]""")!.ToJsonString().Should().Be("[0,1,127,255,2]");
        _files.ReadBytes("b.bin").Should().Equal(0, 1, 127, 255, 2);
    }

    [Test]
    public void Bytes_built_in_memory_are_accepted_like_parsed_ones_whatever_their_number_type()
    {
        JavaScriptFiles.Invoke(_files, "writeBytes", ["b.bin", new JsonArray(0.0, 1.0, 255.0, 3.0)]);
        JavaScriptFiles.Invoke(_files, "writeBytes", ["c.bin", new JsonArray(0, 1, (byte)255, 3L)]);

        _files.ReadBytes("b.bin").Should().Equal(0, 1, 255, 3);
        _files.ReadBytes("c.bin").Should().Equal(0, 1, 255, 3);
    }

    [Test]
    public void A_typed_array_arrives_as_an_object_keyed_by_index_and_is_accepted()
    {
        Call("""["writeBytes", "t.bin", {"0": 7, "1": 8, "2": 9}]""");

        _files.ReadBytes("t.bin").Should().Equal(7, 8, 9);
    }

    [Test]
    public void Json_is_read_as_the_files_text_once_checked_and_written_indented()
    {
        Call("""["writeJson", "a.json", {"x": [1, 2], "name": "é"}]""");

        _files.ReadText("a.json").Should().Be("{\n  \"x\": [\n    1,\n    2\n  ],\n  \"name\": \"é\"\n}");
        Call("""["readJson", "a.json"]""")!["x"]![1]!.GetValue<int>().Should().Be(2);
        _files.WriteText("bad.json", "{ nope");
        Refused("""["readJson", "bad.json"]""").Should().Contain("'bad.json' is not valid JSON");
    }

    [Test]
    public void Csv_is_written_from_and_read_into_row_objects()
    {
        Call("""["writeCsv", "out/t.csv", [{"region": "north, east", "total": 10}, {"region": "south"}]]""")!["path"]!
            .GetValue<string>().Should().Be("out/t.csv");

        _files.ReadText("out/t.csv").Should().Be("region,total\n\"north, east\",10\nsouth,\n");
        Call("""["readCsv", "out/t.csv"]""")!.ToJsonString().Should().Be("""[{"region":"north, east","total":"10"},{"region":"south","total":""}]""");
    }

    [Test]
    public void List_describes_entries_and_mounts_have_no_modification_time()
    {
        using var host = new TempFolder();
        _files = WithMounts(FileMount.ReadOnly("data", host.Path));
        _files.WriteText("a/b.txt", "x");

        var root = Call("""["list", ""]""")!.AsArray();

        root.Select(e => e!["name"]!.GetValue<string>()).Should().Equal("a", "data", "out");
        root[1]!.ToJsonString().Should().Be("""{"name":"data","path":"data","size":0,"isDirectory":true,"readOnly":true,"modified":null}""");
        Call("""["list", "a"]""")!.AsArray().Single()!["path"]!.GetValue<string>().Should().Be("a/b.txt");
    }

    [TestCase("""["writeText", "a.txt", 5]""", "files.writeText: text must be a string")]
    [TestCase("""["writeText", "a.txt"]""", "files.writeText: text must be a string")]
    [TestCase("""["writeText", "a.txt", null]""", "files.writeText: text must be a string")]
    [TestCase("""["writeText", 3, "x"]""", "files.writeText: path must be a string")]
    [TestCase("""["readText"]""", "files.readText: path must be a string")]
    [TestCase("""["readText", null]""", "files.readText: path must be a string")]
    [TestCase("""["readText", ["a"]]""", "files.readText: path must be a string")]
    [TestCase("""["list", 5]""", "files.list: path must be a string")]
    [TestCase("""["exists", {}]""", "files.exists: path must be a string")]
    [TestCase("""["writeBytes", "b.bin", "abc"]""", "files.writeBytes: bytes must be an array (or typed array) of numbers from 0 to 255")]
    [TestCase("""["writeBytes", "b.bin"]""", "files.writeBytes: bytes must be an array")]
    [TestCase("""["writeBytes", "b.bin", [1, 256]]""", "files.writeBytes: bytes[1] is not a number from 0 to 255")]
    [TestCase("""["writeBytes", "b.bin", [-1]]""", "files.writeBytes: bytes[0] is not a number")]
    [TestCase("""["writeBytes", "b.bin", [1.5]]""", "files.writeBytes: bytes[0] is not a number")]
    [TestCase("""["writeBytes", "b.bin", ["1"]]""", "files.writeBytes: bytes[0] is not a number")]
    [TestCase("""["writeBytes", "b.bin", [null]]""", "files.writeBytes: bytes[0] is not a number")]
    [TestCase("""["writeCsv", "t.csv", {"a": 1}]""", "files.writeCsv: rows must be an array of objects")]
    [TestCase("""["writeCsv", "t.csv", [1]]""", "Row 1 for 't.csv' is not an object")]
    [TestCase("""["chmod", "a.txt"]""", "files has no operation 'chmod'")]
    public void Bad_arguments_are_refused_with_the_operation_named(string call, string message)
    {
        Refused(call).Should().Contain(message);
        _files.List().Select(e => e.Path).Should().Equal("out");
    }

    [Test]
    public void Refusals_from_the_file_system_pass_through()
    {
        Refused("""["readText", "../etc/passwd"]""").Should().Contain("climbs");
        Refused("""["readCsv", "missing.csv"]""").Should().Contain("no file or folder 'missing.csv'");
        _files.WriteBytes("bin.dat", [0xFF, 0xFE]);
        Refused("""["readText", "bin.dat"]""").Should().Contain("read it as bytes");
        _files.WriteText("bad.csv", "a\n1,2\n");
        Refused("""["readCsv", "bad.csv"]""").Should().Contain("'bad.csv' has 2 fields but the header has 1");
    }

    [Test]
    public void The_install_script_gathers_every_operation() =>
        JavaScriptFiles.Operations.Should().OnlyContain(o => JavaScriptFiles.InstallScript.Contains("'" + o.Name + "'", StringComparison.Ordinal));
}
