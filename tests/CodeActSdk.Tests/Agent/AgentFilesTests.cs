using System.Text;
using FluentAssertions;

namespace CodeActSdk.Tests.Agent;

/// <summary>An agent's runs and the session's files: what the model is told, uploads, artifacts, sessions kept open.</summary>
public sealed class AgentFilesTests : AgentTestBase
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("codeact-agent-files-").FullName;
        File.WriteAllText(Path.Combine(_folder, "sales.csv"), "month,amount\n2026-01,100\n2026-02,150\n");
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task The_model_is_told_the_mounts_and_uploads_and_the_artifacts_come_back()
    {
        var agent = CreateAgent(
            [
                Js("var rows = files.readCsv('data/sales.csv'); var notes = files.readText('notes.txt'); console.log(rows.length, notes);"),
                Js("files.writeCsv('out/table.csv', rows); files.writeJson('out/chart.vl.json', { mark: 'bar', data: { values: rows } }); final_answer(rows.length);"),
            ],
            options => options.Sandbox = new SandboxOptions { Files = new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", _folder)] } });
        await using var session = await agent.CreateSessionAsync();
        await session.Files.AddAsync("notes.txt", new MemoryStream("from the user"u8.ToArray()));

        var result = await agent.RunAsync("Summarise the sales.", session);

        result.FinalAnswerText.Should().Be("2");
        var task = Client.ReceivedMessages[0][1].Text;
        task.Should().Contain("data/: a mounted folder (read-only)").And.Contain("notes.txt: a file the user added");
        result.Steps[0].Observation.Should().Contain("2 from the user");
        result.Artifacts.Select(a => (a.Path, a.MediaType)).Should().Equal(
            ("out/chart.vl.json", "application/vnd.vegalite.v5+json"),
            ("out/table.csv", "text/csv"));
        result.Artifacts[1].ReadText().Should().Be("month,amount\n2026-01,100\n2026-02,150\n");
        result.Steps[1].Executions[0].Artifacts.Should().HaveCount(2);
    }

    [Test]
    public async Task Artifacts_written_in_a_step_are_named_in_its_observation()
    {
        var agent = CreateAgent(
        [
            Js("files.writeText('out/report.md', '# Report');"),
            Js("final_answer('done');"),
        ]);

        var result = await agent.RunAsync("Write a report.");

        result.Steps[0].Observation.Should().Contain("out/report.md: written (text/markdown, 8 bytes)");
        result.Artifacts.Should().ContainSingle(a => a.Path == "out/report.md");
    }

    [Test]
    public async Task A_file_added_between_steps_is_announced_once_in_the_next_observation()
    {
        var agent = CreateAgent(
        [
            Js("console.log('waiting');"),
            Js("console.log(files.readText('late.txt'));"),
            Js("final_answer('ok');"),
        ]);
        await using var session = await agent.CreateSessionAsync();

        var observations = new List<string>();
        await foreach (var step in agent.RunStreamingAsync("Wait for the file.", session))
        {
            observations.Add(step.Observation);
            if (step.Number == 1)
            {
                await session.Files.AddAsync("late.txt", new MemoryStream(Encoding.UTF8.GetBytes("arrived")));
            }
        }

        observations[0].Should().NotContain("late.txt");
        observations[1].Should().Contain("late.txt: added by the user just now").And.Contain("arrived");
        Client.ReceivedMessages[0][1].Text.Should().NotContain("[files]");
    }

    [Test]
    public async Task A_kept_session_carries_variables_and_files_into_the_next_run()
    {
        var agent = CreateAgent(
        [
            Js("var total = 250; files.writeText('out/total.txt', String(total)); final_answer(total);"),
            Js("final_answer(total * 2);"),
        ]);
        await using var session = await agent.CreateSessionAsync();
        await session.Files.AddAsync("figures.txt", new MemoryStream("250"u8.ToArray()));

        var first = await agent.RunAsync("Add up.", session);
        var second = await agent.RunAsync("Double it.", session);

        first.FinalAnswerText.Should().Be("250");
        second.FinalAnswerText.Should().Be("500");
        Client.ReceivedMessages[1][1].Text.Should().Contain("figures.txt: a file the user added", "each run is a new conversation, so it is told again");
        second.Artifacts.Should().ContainSingle(a => a.Path == "out/total.txt");
    }

    [Test]
    public async Task A_session_runs_one_task_at_a_time_and_only_for_its_own_agent()
    {
        var agent = CreateAgent([Js("final_answer(1);")]);
        var other = CreateAgent([Js("final_answer(2);")]);
        await using var session = await agent.CreateSessionAsync();

        var foreign = () => other.RunAsync("Task.", session);
        await foreign.Should().ThrowAsync<ArgumentException>().WithMessage("*created by another agent*");

        await using var steps = agent.RunStreamingAsync("First.", session).GetAsyncEnumerator();
        await steps.MoveNextAsync();
        var second = () => agent.RunAsync("Second.", session);
        await second.Should().ThrowAsync<InvalidOperationException>().WithMessage("*already going on*");
    }

    [Test]
    public async Task A_missing_mount_folder_is_a_clear_error_when_the_session_is_created()
    {
        var agent = CreateAgent(
            [Js("final_answer(1);")],
            options => options.Sandbox = new SandboxOptions { Files = new FileSystemOptions { Mounts = [FileMount.ReadOnly("data", Path.Combine(_folder, "gone"))] } });

        var run = () => agent.RunAsync("Task.");

        await run.Should().ThrowAsync<ArgumentException>().WithMessage("*mount 'data' does not exist*");
    }
}
