namespace CodeActSdk.Cli.Tests;

/// <summary><c>--mount</c>, <c>--upload</c> and <c>--out</c> of <c>codeact exec</c> and <c>codeact run</c>.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class FilesOptionsTests
{
    [Test]
    public async Task Exec_reads_a_mount_and_saves_its_artifacts_into_the_out_folder()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "sales.csv"), "month,amount\n2026-01,100\n2026-02,150\n");
        var results = Path.Combine(folder.Path, "results");

        var run = await CodeActProcess.RunAsync(
            ["exec", "--backend", "jint", "--mount", $"data={folder.Path}", "--out", results, "-"],
            stdin: "var rows = files.readCsv('data/sales.csv'); files.writeCsv('out/copy.csv', rows); rows.length");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain("\"value\":2").And.Contain("\"artifacts\":[{\"path\":\"out/copy.csv\",\"mediaType\":\"text/csv\",\"size\":");
        run.Stderr.Should().Contain("artifact: ").And.Contain("copy.csv (text/csv");
        File.ReadAllText(Path.Combine(results, "copy.csv")).Should().Be("month,amount\n2026-01,100\n2026-02,150\n");
    }

    [Test]
    public async Task A_read_only_mount_refuses_writes_and_nothing_on_the_host_changes()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "keep.txt"), "original");

        var run = await CodeActProcess.RunAsync(
            ["exec", "--backend", "jint", "--mount", $"data={folder.Path}:ro", "-"],
            stdin: "files.writeText('data/keep.txt', 'changed')");

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stdout.Should().Contain("read-only mount 'data'");
        run.Stdout.Should().NotContain(folder.Path, "messages never name host paths");
        File.ReadAllText(Path.Combine(folder.Path, "keep.txt")).Should().Be("original");
    }

    [Test]
    public async Task Run_uploads_a_file_tells_the_model_and_saves_the_artifacts()
    {
        using var folder = new TempFolder();
        var upload = Path.Combine(folder.Path, "notes.txt");
        File.WriteAllText(upload, "three words here");
        var script = Path.Combine(folder.Path, "script.md");
        File.WriteAllText(script, "## turn\n```js\nvar n = files.readText('notes.txt').split(' ').length;\nfiles.writeJson('out/count.json', { words: n });\nfinal_answer(n);\n```\n");
        var results = Path.Combine(folder.Path, "results");

        var run = await CodeActProcess.RunAsync("run", "--script", script, "--upload", upload, "--out", results, "Count the words.");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain("notes.txt").And.Contain("Final answer: 3").And.Contain("artifact: ");
        File.ReadAllText(Path.Combine(results, "count.json")).Should().Contain("\"words\": 3");
    }

    [TestCase("--mount", "data", "is not NAME=DIR")]
    [TestCase("--mount", "data=/no/such/folder", "does not exist")]
    [TestCase("--mount", "a/b=.", "not a plain folder name")]
    [TestCase("--mount", "out=.", "reserved")]
    [TestCase("--upload", "/no/such/file.csv", "does not exist")]
    public async Task A_bad_files_option_is_a_usage_error(string option, string value, string message)
    {
        var run = await CodeActProcess.RunAsync("run", option, value, "Task.");

        run.ExitCode.Should().Be(2, run.ToString());
        run.Stderr.Should().Contain(message).And.NotContain("Exception");
    }
}
