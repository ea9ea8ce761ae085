using System.Globalization;
using CodeActSdk.Jint;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.Tests.Memory;

public class TokenBudgetMemoryPolicyTests : AgentTestBase
{
    private static readonly TokenEstimator Estimator = TokenEstimator.Default;

    [Test]
    public void The_estimator_counts_four_characters_per_token_rounded_up_plus_four_per_message()
    {
        Estimator.Estimate("").Should().Be(0);
        Estimator.Estimate("abcd").Should().Be(1);
        Estimator.Estimate("abcde").Should().Be(2);
        Estimator.Estimate(new ChatMessage(ChatRole.User, new string('a', 400))).Should().Be(104);
        Estimator.Estimate([new ChatMessage(ChatRole.User, "abcd"), new ChatMessage(ChatRole.Assistant, "abcdefgh")]).Should().Be(5 + 6);
        new TokenEstimator(charsPerToken: 3, tokensPerMessage: 0).Estimate(new ChatMessage(ChatRole.User, "abcdefg")).Should().Be(3);
        Estimator.CharsFor(100).Should().Be(400);
        FluentActions.Invoking(() => new TokenEstimator(charsPerToken: 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("charsPerToken");
    }

    [Test]
    public async Task At_every_length_of_a_200_step_session_the_prompt_fits_and_keeps_system_task_and_the_newest_steps()
    {
        var policy = new TokenBudgetMemoryPolicy(2000);
        var history = SyntheticSession.Start();
        for (var step = 1; step <= 200; step++)
        {
            SyntheticSession.AddStep(history, step, observationLines: 10);
            var messages = await policy.ReduceToListAsync(history);

            Estimator.Estimate(messages).Should().BeLessThanOrEqualTo(2000, $"at step {step}");
            messages[0].Should().BeSameAs(history[0]);
            messages[1].Should().BeSameAs(history[1]);
            messages.Skip(messages.Count - 2).Should().Equal(history.Skip(history.Count - 2), "the latest step is kept unchanged");
            var keptSteps = messages.Count(m => m.Role == ChatRole.Assistant);
            var dropped = step - keptSteps;
            if (dropped > 0)
            {
                messages[2].Text.Should().Be(dropped == 1 ? "(1 earlier step was left out)" : $"({dropped} earlier steps were left out)");
                messages.Skip(3).Should().Equal(history.Skip(2 + (2 * dropped)), "the kept steps are the newest, unchanged");

                // The window is as wide as the budget allows: one more step would not fit.
                var wider = history.Take(2).Append(messages[2]).Concat(history.Skip(2 * dropped));
                Estimator.Estimate(wider).Should().BeGreaterThan(2000);
            }
            else
            {
                messages.Should().Equal(history);
            }
        }
    }

    [Test]
    public async Task A_history_under_the_budget_is_sent_whole()
    {
        var history = SyntheticSession.History(3);

        var messages = await new TokenBudgetMemoryPolicy(100_000).ReduceToListAsync(history);

        messages.Should().Equal(history);
        messages.Should().NotBeSameAs(history);
    }

    [Test]
    public async Task When_system_task_and_latest_step_exceed_the_budget_the_latest_observation_is_cut_to_fit()
    {
        var history = SyntheticSession.History(50);
        history[^1] = new ChatMessage(ChatRole.User, "Observation:\nFIRST LINE\n" + new string('x', 50_000) + "\nLAST LINE");

        var messages = await new TokenBudgetMemoryPolicy(1000).ReduceToListAsync(history);

        messages.Select(m => m.Role).Should().Equal(ChatRole.System, ChatRole.User, ChatRole.User, ChatRole.Assistant, ChatRole.User);
        messages[0].Should().BeSameAs(history[0]);
        messages[1].Should().BeSameAs(history[1]);
        messages[2].Text.Should().Be("(49 earlier steps were left out)");
        messages[3].Should().BeSameAs(history[^2]);
        messages[4].Text.Should().StartWith("Observation:\nFIRST LINE").And.EndWith("LAST LINE").And.Contain("characters left out");
        Estimator.Estimate(messages).Should().BeInRange(900, 1000);
    }

    [Test]
    public async Task When_even_the_system_prompt_and_task_exceed_the_budget_they_are_kept_and_the_observation_keeps_a_minimum()
    {
        var history = SyntheticSession.Start(new string('t', 2000));
        SyntheticSession.AddStep(history, 1, observationLines: 500);

        var messages = await new TokenBudgetMemoryPolicy(new TokenBudgetMemoryOptions { MaxPromptTokens = 200, MinLatestObservationChars = 300 }).ReduceToListAsync(history);

        messages.Should().HaveCount(4);
        messages[1].Should().BeSameAs(history[1]);
        messages[3].Text.Length.Should().Be(300);
    }

    [Test]
    public async Task With_a_summariser_the_dropped_steps_are_summarised_incrementally_within_the_budget()
    {
        var summarizer = new FakeSummarizer();
        var policy = new TokenBudgetMemoryPolicy(new TokenBudgetMemoryOptions { MaxPromptTokens = 3000, MaxSummaryTokens = 200 }, summarizer);
        var history = SyntheticSession.Start();
        var lastCovered = 0;
        var calls = 0;
        for (var step = 1; step <= 200; step++)
        {
            SyntheticSession.AddStep(history, step, observationLines: 10);
            var messages = await policy.ReduceToListAsync(history);
            await policy.ReduceToListAsync(history);

            Estimator.Estimate(messages).Should().BeLessThanOrEqualTo(3000);
            var kept = messages.Count(m => m.Role == ChatRole.Assistant);
            var covered = step - kept;
            if (covered > 0)
            {
                messages[2].Text.Should().StartWith($"Summary of steps 1-{covered} ").And.EndWith($"summary of steps 1-{covered} for Add up all 200 batches.");
            }

            covered.Should().BeGreaterThanOrEqualTo(lastCovered);
            calls += covered > lastCovered ? 1 : 0;
            lastCovered = covered;
        }

        summarizer.Calls.Should().Be(calls, "the summariser is called only when steps are dropped, once per change");
        calls.Should().BeGreaterThan(150);
    }

    [Test]
    public async Task A_failing_summariser_gives_an_extractive_summary_that_says_so()
    {
        var summarizer = new FakeSummarizer { Respond = (_, _) => throw new TimeoutException("too slow") };
        var policy = new TokenBudgetMemoryPolicy(new TokenBudgetMemoryOptions { MaxPromptTokens = 3000 }, summarizer);

        var messages = await policy.ReduceToListAsync(SyntheticSession.History(200, observationLines: 10));

        messages[2].Text.Should().Contain("Written without the summariser, because the summariser failed (TimeoutException: too slow)");
        Estimator.Estimate(messages).Should().BeLessThanOrEqualTo(3000);
    }

    [Test]
    public async Task A_205_step_agent_run_on_jint_stays_within_the_budget_at_every_step()
    {
        const int Steps = 205;
        var agent = CreateAgent(SyntheticSession.AgentTurns(Steps), o => o.MaxSteps = Steps, memoryPolicy: new TokenBudgetMemoryPolicy(4000));

        var result = await agent.RunAsync("Add the numbers from 2 to 204.");

        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.FinalAnswerText.Should().Be(SyntheticSession.AgentAnswer(Steps).ToString(CultureInfo.InvariantCulture));
        Client.ReceivedMessages.Should().HaveCount(Steps).And.AllSatisfy(prompt =>
        {
            Estimator.Estimate(prompt).Should().BeLessThanOrEqualTo(4000);
            prompt[0].Text.Should().Be(agent.SystemPrompt);
            prompt[1].Text.Should().Be("Add the numbers from 2 to 204.");
        });
        Client.ReceivedMessages[^1][2].Text.Should().MatchRegex(@"^\(\d+ earlier steps were left out\)$");
    }

    [Test]
    public void Options_out_of_range_are_named()
    {
        FluentActions.Invoking(() => new TokenBudgetMemoryPolicy(99)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MaxPromptTokens");
        FluentActions.Invoking(() => new TokenBudgetMemoryPolicy(new TokenBudgetMemoryOptions { MaxSummaryTokens = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MaxSummaryTokens");
    }

    [Test]
    public async Task Add_code_act_can_choose_a_token_budget_with_or_without_a_summariser()
    {
        var model = new FakeSummarizer();
        await using var plain = new ServiceCollection().AddCodeAct(b => b.UseJint().UseChatClient(model).UseTokenBudgetMemory(6000)).BuildServiceProvider();
        await using var summarised = new ServiceCollection()
            .AddCodeAct(b => b.UseJint().UseChatClient(model).UseTokenBudgetMemory(new TokenBudgetMemoryOptions { MaxPromptTokens = 5000 }, _ => model))
            .BuildServiceProvider();

        var first = plain.GetRequiredKeyedService<IChatReducer>(CodeActBuilder.ServiceKey).Should().BeOfType<TokenBudgetMemoryPolicy>().Subject;
        first.Options.MaxPromptTokens.Should().Be(6000);
        first.Summarizer.Should().BeNull();
        var second = summarised.GetRequiredKeyedService<IChatReducer>(CodeActBuilder.ServiceKey).Should().BeOfType<TokenBudgetMemoryPolicy>().Subject;
        second.Summarizer.Should().BeSameAs(model);
        summarised.GetRequiredService<CodeActAgent>().Should().NotBeNull();
    }
}
