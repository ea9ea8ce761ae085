using CodeActSdk.Files;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Shared;

/// <summary>
/// How the <c>files</c> object behaves in a JavaScript backend, through real sessions, written once for every engine.
/// Each backend's test project links this file and runs it against its own interpreter by overriding
/// <see cref="JavaScriptBackendTest.CreateInterpreter"/>; what only one engine can do (typed arrays) stays in its own tests.
/// </summary>
public abstract class JavaScriptFilesTests : JavaScriptBackendTest
{
    protected static JsonElement Value(ExecutionResult result)
    {
        result.Error.Should().BeNull();
        return result.Value!.Value;
    }

    /// <summary>The value as JSON text; only for values whose text every backend writes alike (ASCII, no quotes to escape).</summary>
    protected static string Json(ExecutionResult result) => Value(result).GetRawText();

    [Test]
    public async Task Text_written_to_the_scratch_area_reads_back()
    {
        var result = await RunAsync("files.writeText('notes/a.txt', 'h\\u00e9llo\\nworld'); [files.readText('notes/a.txt'), files.exists('notes/a.txt'), files.exists('nope.txt')]");

        // Read as values: the backends escape JSON text differently.
        var value = Value(result);
        value[0].GetString().Should().Be("h\u00e9llo\nworld");
        value[1].GetBoolean().Should().BeTrue();
        value[2].GetBoolean().Should().BeFalse();
    }

    [Test]
    public async Task Csv_rows_round_trip_as_objects_of_strings()
    {
        var result = await RunAsync("""
            files.writeCsv('t.csv', [{ name: 'a', n: 1 }, { name: 'b, "c"', n: 2.5 }]);
            var rows = files.readCsv('t.csv');
            [rows.length, rows[1].name, rows[1].n, Number(rows[0].n) + 1]
            """);

        var value = Value(result);
        value[0].GetInt32().Should().Be(2);
        value[1].GetString().Should().Be("b, \"c\"");
        value[2].GetString().Should().Be("2.5");
        value[3].GetInt32().Should().Be(2);
    }

    [Test]
    public async Task Json_round_trips()
    {
        var result = await RunAsync("files.writeJson('v.json', { a: [1, 2], b: 'x' }); var v = files.readJson('v.json'); [v.a[1], v.b]");

        Json(result).Should().Be("""[2,"x"]""");
    }

    [Test]
    public async Task Bytes_round_trip_as_numbers()
    {
        var result = await RunAsync("files.writeBytes('b.bin', [0, 1, 127, 255]); [files.readBytes('b.bin'), files.stat('b.bin').size]");

        Json(result).Should().Be("[[0,1,127,255],4]");
    }

    [Test]
    public async Task List_and_delete_see_what_the_code_wrote()
    {
        var result = await RunAsync("""
            files.writeText('d/one.txt', '1');
            files.writeText('d/two.txt', '22');
            var names = files.list('d').map(function (f) { return f.name + ':' + f.size; }).sort().join(',');
            [names, files['delete']('d/one.txt'), files.exists('d/one.txt')]
            """);

        Json(result).Should().Be("""["one.txt:1,two.txt:2",true,false]""");
    }

    [Test]
    public async Task A_file_under_out_is_an_artifact_of_the_execution_that_wrote_it_only()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());

        var writing = await session.ExecuteAsync("files.writeCsv('out/table.csv', [{ a: 1 }]); files.writeText('scratch.txt', 'not an artifact'); 1");
        var next = await session.ExecuteAsync("files.readText('out/table.csv').length");

        writing.Status.Should().Be(ExecutionStatus.Completed, writing.Error?.Message);
        var artifact = writing.Artifacts.Should().ContainSingle().Subject;
        artifact.Path.Should().Be("out/table.csv");
        artifact.MediaType.Should().Be("text/csv");
        artifact.ReadText().Should().Be("a\n1\n");
        next.Status.Should().Be(ExecutionStatus.Completed, next.Error?.Message);
        next.Artifacts.Should().BeEmpty();
        session.Files.Artifacts.Select(a => a.Path).Should().Equal("out/table.csv");
    }

    [Test]
    public async Task A_failed_execution_still_returns_what_it_wrote()
    {
        var result = await RunAsync("files.writeText('out/partial.txt', 'so far'); throw new Error('boom');");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Artifacts.Should().ContainSingle().Which.ReadText().Should().Be("so far");
    }

    [Test]
    public async Task A_timed_out_execution_still_returns_what_it_wrote()
    {
        var result = await RunAsync("files.writeText('out/partial.txt', 'so far'); while (true) {}", new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(200) });

        result.Status.Should().Be(ExecutionStatus.Timeout);
        result.Artifacts.Should().ContainSingle().Which.Path.Should().Be("out/partial.txt");
    }

    [TestCase("../x", "'..'")]
    [TestCase("/etc/passwd", "absolute")]
    public async Task A_refused_path_is_an_error_the_code_can_catch(string path, string reason)
    {
        var result = await RunAsync($"try {{ files.readText('{path}'); 'read'; }} catch (e) {{ [e instanceof Error, e.message] }}");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value[0].GetBoolean().Should().BeTrue();
        result.Value!.Value[1].GetString().Should().Contain(reason);
    }

    [Test]
    public async Task An_uncaught_file_error_fails_the_execution_with_its_message()
    {
        var result = await RunAsync("files.readText('missing.txt')");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.Error);
        result.Error.Message.Should().Contain("missing.txt");
    }

    [Test]
    public async Task Files_cannot_be_replaced_or_changed_by_the_code()
    {
        var result = await RunAsync("""
            files = 1;
            files.readText = null;
            var deleted = delete files;
            files.writeText('x.txt', 'still works');
            [typeof files, typeof files.readText, deleted, files.readText('x.txt'), Object.keys(this).indexOf('files')]
            """);

        Json(result).Should().Be("""["object","function",false,"still works",-1]""");
    }

    [Test]
    public async Task The_host_functions_behind_files_are_not_reachable_by_their_own_names()
    {
        var result = await RunAsync("typeof " + JavaScriptFiles.HostFunctionName("readText"));

        Json(result).Should().Be("\"undefined\"");
    }

    [Test]
    public async Task A_file_error_points_at_the_codes_own_line()
    {
        var result = await RunAsync("var a = 1;\nvar b = 2;\nfiles.readText('missing.txt');");

        result.Error!.Line.Should().Be(3);
    }

    [Test]
    public async Task Files_is_left_out_of_the_state_digest()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        (await session.ExecuteAsync("var kept = files.exists('a.txt'); files = 2;")).Error.Should().BeNull();

        var digest = await session.DescribeVariablesAsync();

        digest.Select(v => v.Name).Should().Equal("kept");
    }

    [Test]
    public async Task Getters_run_by_the_state_digest_cannot_write_files()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        (await session.ExecuteAsync("var sneaky = { get x() { files.writeText('out/digest.txt', 'written'); return 1; } };")).Error.Should().BeNull();

        await session.DescribeVariablesAsync();

        session.Files.Artifacts.Should().BeEmpty();
        var next = await session.ExecuteAsync("files.exists('out/digest.txt')");
        Json(next).Should().Be("false");
        next.Artifacts.Should().BeEmpty();
    }

    [Test]
    public async Task A_file_the_host_adds_can_be_read_by_the_code()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.Files.AddAsync("in/sales.csv", new MemoryStream(Encoding.UTF8.GetBytes("region,revenue\nEU,10\nUS,32\n")));

        var result = await session.ExecuteAsync("var rows = files.readCsv('in/sales.csv'); rows.reduce(function (sum, r) { return sum + Number(r.revenue); }, 0)");

        Json(result).Should().Be("42");
        result.Artifacts.Should().BeEmpty();
    }

    [Test]
    public async Task A_read_only_mount_can_be_read_but_not_written()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-files-test-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "notes.txt"), "from the host");
            var options = new SandboxOptions { Files = new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", folder.FullName)] } };

            var result = await RunAsync("""
                var refused;
                try { files.writeText('data/new.txt', 'x'); } catch (e) { refused = e.message; }
                [files.readText('data/notes.txt'), typeof refused]
                """, options);

            Json(result).Should().Be("""["from the host","string"]""");
            File.Exists(Path.Combine(folder.FullName, "new.txt")).Should().BeFalse();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_mount_of_a_missing_folder_is_refused_when_the_session_is_created()
    {
        var missing = Path.Combine(Path.GetTempPath(), "codeact-missing-" + Guid.NewGuid().ToString("N"));
        var options = new SandboxOptions { Files = new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", missing)] } };

        var act = async () => await Interpreter.CreateSessionAsync(options);

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*'data'*");
    }

    [Test]
    public async Task A_tool_named_files_is_refused()
    {
        var tool = AIFunctionFactory.Create(() => 1, "files");

        var act = async () => await Interpreter.CreateSessionAsync(new SandboxOptions { Tools = [tool] });

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*'files' would hide the JavaScript global*");
    }

    [Test]
    public async Task Files_and_tools_work_side_by_side()
    {
        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add");

        var result = await RunAsync("files.writeText('n.txt', String(add(2, 40))); Number(files.readText('n.txt'))", new SandboxOptions { Tools = [add] });

        Json(result).Should().Be("42");
        result.ToolCalls.Should().ContainSingle().Which.Name.Should().Be("add");
    }

    [Test]
    public async Task A_huge_array_like_given_as_bytes_is_refused_or_stopped_at_the_limits()
    {
        var options = new SandboxOptions { Timeout = TimeSpan.FromSeconds(1), MaxOperations = 100_000 };

        var result = await RunAsync("files.writeBytes('big.bin', { length: 1e9 })", options);

        // Jint charges the claimed length before converting it; V8 converts it and the host refuses a non-array.
        result.Status.Should().BeOneOf(ExecutionStatus.Timeout, ExecutionStatus.MemoryLimit, ExecutionStatus.RuntimeError);
        if (result.Status == ExecutionStatus.RuntimeError)
        {
            result.Error!.Message.Should().Contain("bytes must be an array");
        }
    }

    [Test]
    public void The_language_guidance_tells_the_model_about_files() =>
        Interpreter.Language.Guidance.Should().Contain("files.readCsv(path)").And.Contain("out/");
}
