using System.Text.RegularExpressions;
using CodeActSdk.Cli.Commands;
using CodeActSdk.Sqlite;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Cli.Tests;

/// <summary>
/// Run-time approval from the command line: <c>codeact run --require-approval TOOL [--approve]</c>, exit code 3 for a
/// durable run that waits, <c>codeact sessions approve</c>, and the samples/Approvals program.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class ApprovalCommandTests
{
    private const string Task = "Send the CFO the revenue per region.";

    private static string Script => Path.Combine(CodeActProcess.RepositoryRoot, "samples", "scripts", "approval.md");

    private static string GrossMarginScript => Path.Combine(CodeActProcess.RepositoryRoot, "samples", "scripts", "gross-margin.md");

    [Test]
    public void The_exit_code_for_a_run_awaiting_approval_is_its_own()
    {
        ExitCodes.AwaitingApproval.Should().Be(3).And.NotBe(ExitCodes.Ok).And.NotBe(ExitCodes.Failed).And.NotBe(ExitCodes.Usage);
    }

    [Test]
    public async Task A_durable_run_stops_for_approval_is_approved_and_resumed_and_the_tool_runs_once()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");

        var stopped = await StartAsync("report-1", store);

        stopped.ExitCode.Should().Be(ExitCodes.AwaitingApproval, stopped.ToString());
        stopped.Stdout.Should().Contain("Waiting for approval").And.Contain("request   2.call1").And.Contain("tool      send_report")
            .And.Contain("\"to\":\"cfo@example.com\"");
        stopped.Stdout.Should().Contain($"codeact sessions approve report-1 --store {store}")
            .And.Contain($"codeact run --session report-1 --resume --script {Script} --store {store} --require-approval send_report");
        stopped.Stdout.Should().NotContain("Final answer").And.NotContain("sent: report R-");

        var list = await CodeActProcess.RunAsync("sessions", "list", "--store", store);
        list.Stdout.Should().Contain("report-1  awaiting approval 2.call1 (send_report)");

        var approve = await CodeActProcess.RunAsync("sessions", "approve", "report-1", "--by", "alice", "--reason", "numbers checked", "--store", store);
        approve.ExitCode.Should().Be(0, approve.ToString());
        approve.Stdout.Should().Contain("Approved: request 2.call1 of session 'report-1'").And.Contain("decided by alice").And.Contain("--resume");

        var resumed = await CodeActProcess.RunAsync("run", "--session", "report-1", "--resume", "--script", Script, "--store", store, "--require-approval", "send_report");
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Stdout.Should().Contain("sent: report R-").And.Contain("2.call1 send_report: approved by alice (numbers checked)");
        FinalAnswer().Match(resumed.Stdout).Groups[1].Value.Should().StartWith("Report R-").And.EndWith("sent to cfo@example.com.");

        var show = await CodeActProcess.RunAsync("sessions", "show", "report-1", "--store", store);
        show.ExitCode.Should().Be(0, show.ToString());
        Count(show.Stdout, "tool: send_report(").Should().Be(1, "the approved call ran once:\n" + show.Stdout);
        Count(show.Stdout, "tool: orders(").Should().Be(1, "the call before the approval point was not repeated");
        show.Stdout.Should().Contain("approval requested: 2.call1, a call to send_report({\"to\":\"cfo@example.com\"")
            .And.Contain("why: 'send_report' needs a person's approval")
            .And.MatchRegex(@"decision on 2\.call1: approved by alice at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ")
            .And.Contain("why: numbers checked");
        (await CodeActProcess.RunAsync("sessions", "list", "--store", store)).Stdout.Should().Contain("report-1  finished");
    }

    [Test]
    public async Task A_rejection_is_what_the_code_sees()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");
        (await StartAsync("report-2", store)).ExitCode.Should().Be(ExitCodes.AwaitingApproval);

        var reject = await CodeActProcess.RunAsync("sessions", "approve", "report-2", "--reject", "not before the audit", "--by", "bob", "--store", store);
        var resumed = await CodeActProcess.RunAsync("run", "--session", "report-2", "--resume", "--script", Script, "--store", store);
        var show = await CodeActProcess.RunAsync("sessions", "show", "report-2", "--store", store);

        reject.ExitCode.Should().Be(0, reject.ToString());
        reject.Stdout.Should().Contain("Rejected (not before the audit)");
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Stdout.Should().Contain("not sent: ").And.Contain("rejected by bob: not before the audit");
        resumed.Stdout.Should().Contain("Final answer: The report was not sent");
        show.Stdout.Should().NotContain("tool: send_report(", "a rejected call does not run")
            .And.MatchRegex(@"decision on 2\.call1: rejected by bob at ")
            .And.Contain("why: not before the audit");
    }

    [Test]
    public async Task An_approval_with_edited_arguments_calls_the_tool_with_them()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");
        (await StartAsync("report-3", store)).ExitCode.Should().Be(ExitCodes.AwaitingApproval);

        var approve = await CodeActProcess.RunAsync(
            "sessions", "approve", "report-3", "--arguments", """{"to":"finance@example.com","subject":"Revenue","body":"see the dashboard"}""", "--store", store);
        var resumed = await CodeActProcess.RunAsync("run", "--session", "report-3", "--resume", "--script", Script, "--store", store);

        approve.ExitCode.Should().Be(0, approve.ToString());
        approve.Stdout.Should().Contain("Approved with the arguments {\"to\":\"finance@example.com\"");
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Stdout.Should().Contain("sent to finance@example.com.").And.Contain("approved with arguments");
    }

    [Test]
    public async Task A_resume_keeps_asking_for_the_tools_the_journal_shows_waiting()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");
        (await StartAsync("report-4", store)).ExitCode.Should().Be(ExitCodes.AwaitingApproval);

        // Resumed without a decision and without --require-approval: the call still waits, it does not just run.
        var again = await CodeActProcess.RunAsync("run", "--session", "report-4", "--resume", "--script", Script, "--store", store);

        again.ExitCode.Should().Be(ExitCodes.AwaitingApproval, again.ToString());
        again.Stdout.Should().Contain("Waiting for approval").And.NotContain("sent: report R-");
    }

    [TestCase("y\n", "sent: report R-", "→ approved")]
    [TestCase("n wrong recipient\n", "rejected by", "→ rejected: wrong recipient")]
    [TestCase("e {\"to\":\"ops@example.com\",\"subject\":\"S\",\"body\":\"B\"}\n", "sent: report R-", "approved with arguments {\"to\":\"ops@example.com\"")]
    public async Task Approve_asks_on_the_terminal_and_reads_the_answer_from_stdin(string answer, string inStdout, string inStderr)
    {
        var run = await CodeActProcess.RunAsync(["run", "--script", Script, "--require-approval", "send_report", "--approve", Task], answer);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stderr.Should().Contain("approval needed").And.Contain("request   2.call1").And.Contain("tool      send_report")
            .And.Contain("send_report(\"cfo@example.com\"", "the code is shown").And.Contain(inStderr);
        run.Stdout.Should().Contain(inStdout);
        run.Stdout.Should().Contain("Final answer: ");
    }

    [Test]
    public async Task Approve_with_no_answer_suspends_a_durable_run()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");

        var run = await CodeActProcess.RunAsync(
            ["run", "--script", Script, "--session", "report-5", "--store", store, "--require-approval", "send_report", "--approve", Task], stdin: "");
        var unreadable = await CodeActProcess.RunAsync(
            ["run", "--script", Script, "--require-approval", "send_report", "--approve", Task], stdin: "maybe\n");

        run.ExitCode.Should().Be(ExitCodes.AwaitingApproval, run.ToString());
        run.Stderr.Should().Contain("no answer (end of input); request 2.call1 stays undecided");
        run.Stdout.Should().Contain("--resume").And.Contain("--approve", "the resume asks on the terminal again");
        unreadable.ExitCode.Should().Be(0, unreadable.ToString());
        unreadable.Stderr.Should().Contain("cannot read the answer 'maybe'");
        unreadable.Stdout.Should().Contain("not sent: ", "a run that is not durable cannot wait, so the undecided call is rejected");
    }

    private static IEnumerable<TestCaseData> UsageCases()
    {
        yield return Case("an unknown tool", "--require-approval: there is no tool 'send_mail'; the tools are orders, send_report", "run", "--script", Script, "--require-approval", "send_mail", Task);
        yield return Case("--approve without a tool", "name them with --require-approval TOOL", "run", "--script", Script, "--approve", Task);
        yield return Case("bad JSON in --arguments", "--arguments is not valid JSON", "sessions", "approve", "s1", "--arguments", "{\"to\":", "--store", "x.db");
        yield return Case("--arguments not an object", "--arguments must be a JSON object", "sessions", "approve", "s1", "--arguments", "[1]", "--store", "x.db");
        yield return Case("--arguments with --reject", "cannot be combined with --reject", "sessions", "approve", "s1", "--reject", "no", "--arguments", "{}", "--store", "x.db");
        yield return Case("--reason with --reject", "--reject takes the reason itself", "sessions", "approve", "s1", "--reject", "no", "--reason", "why", "--store", "x.db");
        yield return Case("approve without an id", "Required argument missing", "sessions", "approve", "--store", "x.db");

        static TestCaseData Case(string name, string expected, params string[] args) => new TestCaseData(args, expected).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(UsageCases))]
    public async Task A_wrong_command_line_exits_2_with_one_line_on_stderr(string[] args, string expected)
    {
        var run = await CodeActProcess.RunAsync(args, stdin: null);

        run.ExitCode.Should().Be(ExitCodes.Usage, run.ToString());
        run.Stdout.Should().BeEmpty();
        run.Stderr.TrimEnd().Should().NotContain("\n").And.Contain(expected).And.NotContain("Exception");
    }

    [Test]
    public async Task Approving_a_session_that_waits_for_nothing_is_a_clear_error()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");
        (await CodeActProcess.RunAsync("run", "--script", GrossMarginScript, "--session", "margin-1", "--store", store, "What is the average gross margin?")).ExitCode.Should().Be(0);

        var finished = await CodeActProcess.RunAsync("sessions", "approve", "margin-1", "--store", store);
        var missing = await CodeActProcess.RunAsync("sessions", "approve", "no-such-session", "--store", store);

        finished.ExitCode.Should().Be(ExitCodes.Failed, finished.ToString());
        finished.Stderr.Should().Contain("codeact sessions approve: Session 'margin-1' is not waiting for an approval").And.NotContain("   at ");
        finished.Stdout.Should().BeEmpty();
        missing.ExitCode.Should().Be(ExitCodes.Failed, missing.ToString());
        missing.Stderr.Should().Contain("no durable session 'no-such-session'").And.NotContain("Exception");
    }

    [Test]
    public async Task Approving_a_session_running_elsewhere_is_refused()
    {
        using var folder = new TempFolder();
        var store = Path.Combine(folder.Path, "sessions.db");
        (await StartAsync("report-6", store)).ExitCode.Should().Be(ExitCodes.AwaitingApproval);

        CliRun run;
        using (var journal = new SqliteCheckpointStore(store))
        {
            // Another machine's run holds the session's lease.
            await using var lease = await journal.AcquireLeaseAsync("report-6", "other-host:4242:run", TimeSpan.FromMinutes(10));
            run = await CodeActProcess.RunAsync("sessions", "approve", "report-6", "--store", store);
        }

        var list = await CodeActProcess.RunAsync("sessions", "list", "--store", store);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.ToString());
        run.Stderr.Should().Contain("nothing was decided").And.Contain("being run by other-host:4242:run").And.NotContain("   at ");
        list.Stdout.Should().Contain("report-6  awaiting approval 2.call1", "nothing was decided");
    }

    [Test]
    public async Task The_approvals_sample_stops_for_approval_and_a_new_agent_finishes_with_one_call()
    {
        var run = await SampleProcess.RunAsync("Approvals");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain("Host A: the run ended AwaitingApproval")
            .And.Contain("Pending approval 2.call1: send_invoice({\"customer\":\"ACME\",\"amount\":1549.75,\"dueDays\":14})")
            .And.Contain("Tool calls so far: open_items 2, send_invoice 0")
            .And.Contain("Decision: approved by alice@example.com with {\"customer\":\"ACME\",\"amount\":1549.75,\"dueDays\":30}")
            .And.Contain("Host B: the run ended FinalAnswer: Invoice INV-0001 sent to ACME for 1549.75 EUR, due in 30 days.")
            .And.Contain("Tool calls in all: open_items 2, send_invoice 1")
            .And.Contain("OK: send_invoice ran exactly once");
        run.Stderr.Should().BeEmpty();
    }

    private static Task<CliRun> StartAsync(string session, string store) =>
        CodeActProcess.RunAsync("run", "--script", Script, "--session", session, "--store", store, "--require-approval", "send_report", Task);

    private static int Count(string text, string part) => text.Split(part).Length - 1;

    [GeneratedRegex(@"Final answer: (.+)")]
    private static partial Regex FinalAnswer();
}
