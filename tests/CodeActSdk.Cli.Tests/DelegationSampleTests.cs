namespace CodeActSdk.Cli.Tests;

/// <summary>The samples/Delegation program: a planner agent hands data work to a specialist agent, offline.</summary>
public sealed class DelegationSampleTests
{
    [Test]
    public async Task The_planner_delegates_to_the_analyst_and_recommends_from_its_answer()
    {
        var run = await SampleProcess.RunAsync("Delegation");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain("    [analyst step 1]").And.Contain("    [analyst step 2]").And.Contain("[planner step 1]")
            .And.Contain("Answer: Invest in APAC: revenue grew 67.2 % over four months (next: EMEA, 24.9 %).")
            .And.Contain("delegated to 'analyst', which took 2 steps");
        run.Stdout.IndexOf("[analyst step 2]", StringComparison.Ordinal).Should().BeLessThan(run.Stdout.IndexOf("[planner step 1]", StringComparison.Ordinal), "nested steps stream before the step that called the analyst");
        run.Stderr.Should().BeEmpty();
    }
}
