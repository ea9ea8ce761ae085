namespace CodeActSdk.Tests.Memory;

/// <summary>Policies compose: each applies to what the previous one returned.</summary>
public class ChainedMemoryPolicyTests
{
    [Test]
    public async Task A_tiered_policy_capped_by_a_token_budget_keeps_both_promises_over_200_steps()
    {
        var tiered = new TieredMemoryPolicy(new FakeSummarizer());
        var budget = new TokenBudgetMemoryPolicy(1500);
        var chained = new ChainedMemoryPolicy(tiered, budget);
        var history = SyntheticSession.Start();
        var largest = 0;
        for (var step = 1; step <= 210; step++)
        {
            SyntheticSession.AddStep(history, step);
            var prompt = await chained.ReduceToListAsync(history);

            prompt[0].Should().BeSameAs(history[0]);
            prompt[1].Should().BeSameAs(history[1]);
            largest = Math.Max(largest, TokenEstimator.Default.Estimate(prompt));
        }

        largest.Should().BeLessThanOrEqualTo(1500);
    }

    [Test]
    public void An_empty_chain_is_refused() =>
        FluentActions.Invoking(() => new ChainedMemoryPolicy()).Should().Throw<ArgumentException>().WithMessage("*at least one*");
}
