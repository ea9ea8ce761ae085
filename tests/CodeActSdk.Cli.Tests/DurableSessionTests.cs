using CodeActSdk.Testing;

namespace CodeActSdk.Cli.Tests;

/// <summary><c>codeact run --session</c>, <c>--resume</c> and <c>codeact sessions</c>, on a SQLite journal in a temp folder.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class DurableSessionTests
{
    private const string Task = "What is the average gross margin across all orders?";

    private static string Script => Path.Combine(CodeActProcess.RepositoryRoot, "samples", "scripts", "gross-margin.md");

    [Test]
    public async Task A_run_cut_short_is_resumed_from_its_journal_in_a_new_process()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");
        var firstTwoTurns = Path.Combine(folder.Path, "two-turns.md");
        var turns = ScriptedChatClient.Parse(File.ReadAllText(Script));
        File.WriteAllText(firstTwoTurns, string.Concat(turns.Take(2).Select(t => "## turn\n" + t + "\n")));

        var cut = await CodeActProcess.RunAsync("run", "--script", firstTwoTurns, "--session", "margin-1", "--store", store, Task);
        cut.ExitCode.Should().Be(1, cut.ToString());
        cut.Stderr.Should().Contain("scripted model stopped");

        var resumed = await CodeActProcess.RunAsync("run", "--script", Script, "--session", "margin-1", "--resume", "--store", store);

        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Stdout.Should().Contain("margin-1, resumed from").And.Contain(Task);
        resumed.Stdout.Split("replayed from the journal").Should().HaveCount(3, "the two journaled steps are replayed");
        resumed.Stdout.Should().Contain("Final answer: ");
        var list = await CodeActProcess.RunAsync("sessions", "list", "--store", store);
        list.Stdout.Should().Contain("margin-1  finished");
    }

    [Test]
    public async Task Sessions_are_listed_shown_and_deleted()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");
        (await CodeActProcess.RunAsync("run", "--script", Script, "--session", "margin-2", "--store", store, Task)).ExitCode.Should().Be(0);

        var show = await CodeActProcess.RunAsync("sessions", "show", "margin-2", "--store", store);
        var delete = await CodeActProcess.RunAsync("sessions", "delete", "margin-2", "--store", store);
        var gone = await CodeActProcess.RunAsync("sessions", "show", "margin-2", "--store", store);

        show.ExitCode.Should().Be(0, show.ToString());
        show.Stdout.Should().Contain("session margin-2 · JavaScript · finished").And.Contain("tool: orders(").And.Contain("outcome: FinalAnswer");
        delete.Stdout.Should().Contain("Deleted session 'margin-2'");
        gone.ExitCode.Should().Be(1);
        gone.Stderr.Should().Contain("no durable session 'margin-2'").And.NotContain("Exception");
    }

    [Test]
    public async Task A_damaged_store_file_is_one_clear_line()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "garbage.db");
        File.WriteAllText(store, "this is not a database, just text long enough to have a header page.................................");

        var run = await CodeActProcess.RunAsync("sessions", "list", "--store", store);

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stderr.Trim().Split('\n').Should().ContainSingle().Which.Should().Contain("garbage.db");
        File.ReadAllText(store).Should().StartWith("this is not a database", "nothing is written to a file that is not a journal");
    }

    [TestCase("--resume", "needs --session")]
    [TestCase("--session", "bad/id", "not valid")]
    [TestCase("--store", "x.db", "only used with --session")]
    public async Task A_bad_durable_option_is_a_usage_error(params string[] argumentsThenMessage)
    {
        var arguments = argumentsThenMessage[..^1];
        var run = await CodeActProcess.RunAsync(["run", .. arguments, Task], stdin: null);

        run.ExitCode.Should().Be(2, run.ToString());
        run.Stderr.Should().Contain(argumentsThenMessage[^1]).And.NotContain("Exception");
    }

    [Test]
    public async Task Resume_takes_no_task()
    {
        var run = await CodeActProcess.RunAsync("run", "--session", "s", "--resume", Task);

        run.ExitCode.Should().Be(2, run.ToString());
        run.Stderr.Should().Contain("give no task");
    }
}
