using System.Globalization;
using System.Text.RegularExpressions;
using CodeActSdk.Cli.SampleTools;

namespace CodeActSdk.Cli.Tests;

/// <summary><c>codeact run</c>: the configuration help without an endpoint, and the scripted gross-margin demo.</summary>
[Parallelizable(ParallelScope.All)]
public sealed partial class RunCommandTests
{
    private const string Task = "What is the average gross margin across all orders?";

    private static string Script => Path.Combine(CodeActProcess.RepositoryRoot, "samples", "scripts", "gross-margin.md");

    [Test]
    public async Task Without_an_endpoint_it_prints_the_configuration_help_on_stderr_and_exits_2()
    {
        // The child's environment has no OPENAI_* or CODEACT_MODEL variables (CodeActProcess removes them).
        var run = await CodeActProcess.RunAsync("run", Task);

        run.ExitCode.Should().Be(2, run.ToString());
        run.Stdout.Should().BeEmpty();
        run.Stderr.Should().Contain("OPENAI_BASE_URL").And.Contain("OPENAI_API_KEY").And.Contain("CODEACT_MODEL").And.Contain("--script");
        run.Stderr.Should().NotContain("Exception");
    }

    [Test]
    public async Task The_scripted_demo_ends_with_the_average_gross_margin_computed_in_the_sandbox()
    {
        var run = await CodeActProcess.RunAsync("run", "--script", Script, Task);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stderr.Should().BeEmpty();
        var firstLine = run.Stdout.Split('\n')[0];
        firstLine.Should().Contain("scripted test double").And.Contain("gross-margin.md");

        // Each step is shown: the data look, the wrong field name (a NaN average) and its correction, then the answer.
        run.Stdout.Should().Contain("Step 1").And.Contain("Step 4").And.NotContain("Step 5");
        run.Stdout.Should().Contain("orders: 47");
        run.Stdout.Should().Contain("average gross margin: NaN", "the first attempt reads a field the orders do not have");
        run.Stdout.Should().Contain("fields: id, region, revenue, cost").And.Contain($"orders used: {OrderData.Count} of {OrderData.Count}");
        run.Stdout.Should().Contain($"orders() → array of {OrderData.Count}");

        var answer = FinalAnswer().Match(run.Stdout);
        answer.Success.Should().BeTrue(run.Stdout);
        double.Parse(answer.Groups[1].Value, CultureInfo.InvariantCulture).Should().Be(ExpectedAverageMargin());
        run.Stdout.TrimEnd().Split('\n')[^2].Should().StartWith("Final answer: ", "the answer closes the output, before the totals");
    }

    [Test]
    public async Task When_the_step_budget_runs_out_it_says_so_and_exits_1()
    {
        var run = await CodeActProcess.RunAsync("run", "--max-steps", "2", "--script", Script, Task);

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stdout.Should().Contain("Step 2").And.NotContain("Step 3").And.NotContain("Final answer");
        run.Stdout.Should().Contain("Stopped: no final answer after 2 steps").And.Contain("--max-steps");
    }

    [Test]
    public async Task An_unreachable_endpoint_is_one_line_on_stderr_and_exit_1()
    {
        var run = await CodeActProcess.RunAsync(
            ["run", Task],
            stdin: null,
            new Dictionary<string, string> { ["OPENAI_BASE_URL"] = "http://127.0.0.1:1/v1", ["CODEACT_MODEL"] = "test-model" });

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stdout.Should().Contain("test-model at http://127.0.0.1:1/v1");
        run.Stderr.TrimEnd().Should().NotContain("\n").And.Contain("codeact run: the model endpoint failed").And.Contain("127.0.0.1:1");
        run.Stderr.Should().NotContain("   at ");
    }

    [Test]
    public void The_script_does_not_contain_the_answer_it_leads_to()
    {
        var expected = ExpectedAverageMargin().ToString(CultureInfo.InvariantCulture);

        File.ReadAllText(Script).Should().NotContain(expected[1..], "the number must come from the sandbox, not from the script");
    }

    [Test]
    public void The_demo_data_has_47_orders_with_positive_revenue_and_cost_below_it()
    {
        OrderData.All.Should().HaveCount(47);
        OrderData.All.Select(o => o.Id).Should().OnlyHaveUniqueItems();
        OrderData.All.Should().OnlyContain(o => o.Revenue > 0 && o.Cost > 0 && o.Cost < o.Revenue);
        OrderData.All.Select(o => o.Region).Distinct().Should().BeEquivalentTo(OrderData.Regions);
    }

    /// <summary>
    /// The average of (revenue - cost) / revenue over all orders, in doubles parsed from the same decimal text the
    /// sandbox received, rounded to four decimals half up as JavaScript's Math.round does.
    /// </summary>
    private static double ExpectedAverageMargin()
    {
        var sum = 0.0;
        foreach (var order in OrderData.All)
        {
            var revenue = double.Parse(order.Revenue.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            var cost = double.Parse(order.Cost.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            sum += (revenue - cost) / revenue;
        }

        var average = sum / OrderData.All.Count;
        return Math.Floor((average * 10000) + 0.5) / 10000;
    }

    [GeneratedRegex(@"^Final answer: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex FinalAnswer();
}
