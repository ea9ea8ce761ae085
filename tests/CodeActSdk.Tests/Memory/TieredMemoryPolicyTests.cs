using CodeActSdk.Jint;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.Tests.Memory;

public class TieredMemoryPolicyTests : AgentTestBase
{
    [Test]
    public async Task A_200_step_history_becomes_system_task_one_summary_four_compact_steps_and_the_latest_in_full()
    {
        var summarizer = new FakeSummarizer();
        var history = SyntheticSession.History(200);

        var messages = await new TieredMemoryPolicy(summarizer).ReduceToListAsync(history);

        messages.Should().HaveCount(2 + 1 + 8 + 2);
        messages[0].Should().BeSameAs(history[0]);
        messages[1].Should().BeSameAs(history[1]);
        messages[2].Role.Should().Be(ChatRole.User);
        messages[2].Text.Should().StartWith("Summary of steps 1-195 ").And.EndWith("summary of steps 1-195 for Add up all 200 batches.");
        messages.Skip(3).Take(8).Where(m => m.Role == ChatRole.Assistant).Select(m => m.Text)
            .Should().Equal(Enumerable.Range(196, 4).Select(SyntheticSession.ModelText), "the model's text and code are kept as written");
        messages[^2].Should().BeSameAs(history[^2], "the latest step is kept in full");
        messages[^1].Should().BeSameAs(history[^1]);
        history.Should().HaveCount(402, "the policy never modifies the history");
        summarizer.Calls.Should().Be(1, "all the old steps fell out at once");
    }

    [Test]
    public async Task A_compact_observation_keeps_its_first_and_last_lines_and_cuts_long_lines()
    {
        var history = SyntheticSession.History(3);
        history[^3] = new ChatMessage(ChatRole.User, SyntheticSession.Observation(2, 30).Replace("step 2 line 30: value 2030", "step 2 line 30: " + new string('x', 5000), StringComparison.Ordinal));

        var messages = await new TieredMemoryPolicy(new FakeSummarizer()).ReduceToListAsync(history);

        var compact = messages[5].Text;
        compact.Should().StartWith("Observation:\nstep 2 line 1: value 2001\n");
        compact.Should().Contain("[... 21 lines left out ...]");
        compact.Should().Contain("step 2 line 29: value 2029");
        compact.Should().Contain("more characters]", "a 5,000-character line (a printed payload) is cut");
        compact.Length.Should().BeLessThanOrEqualTo(new TieredMemoryOptions().MaxObservationChars);
        messages[^1].Should().BeSameAs(history[^1], "the latest observation stays in full");
    }

    [Test]
    public async Task Tool_payloads_carried_as_contents_are_replaced_by_a_note_in_the_compact_steps()
    {
        var history = SyntheticSession.History(1);
        history.Add(new ChatMessage(ChatRole.Assistant, [new TextContent("I look the city up."), new FunctionCallContent("c1", "lookup", new Dictionary<string, object?> { ["city"] = "Oslo" })]));
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", new string('p', 10_000))]));
        SyntheticSession.AddStep(history, 3);

        var messages = await new TieredMemoryPolicy(new FakeSummarizer()).ReduceToListAsync(history);

        messages[4].Text.Should().Be("I look the city up.\n[called the tool lookup; the arguments are left out]");
        messages[5].Text.Should().Be("[a tool result was left out]");
        SyntheticSession.Chars(messages).Should().BeLessThan(3000);
    }

    [Test]
    public async Task A_growing_220_step_session_stays_bounded_and_calls_the_summariser_once_per_step_that_falls_out()
    {
        var summarizer = new FakeSummarizer();
        var policy = new TieredMemoryPolicy(summarizer);
        var history = SyntheticSession.Start();
        var sizes = new List<int>();
        for (var step = 1; step <= 220; step++)
        {
            SyntheticSession.AddStep(history, step);
            var messages = await policy.ReduceToListAsync(history);
            await policy.ReduceToListAsync(history); // a second call with nothing new costs no summariser call

            messages[0].Should().BeSameAs(history[0]);
            messages[1].Should().BeSameAs(history[1]);
            messages[^1].Should().BeSameAs(history[^1]);
            summarizer.Calls.Should().Be(Math.Max(0, step - 1 - 4), $"at step {step}, one call per step older than the window");
            if (step > 5)
            {
                messages[2].Text.Should().StartWith($"Summary of steps 1-{step - 5} ");
                summarizer.LastPrompt.Should().Contain($"--- step {step - 5}\n").And.NotContain($"--- step {step - 6}\n", "only the step that just fell out is sent");
                if (step > 6)
                {
                    summarizer.LastPrompt.Should().Contain($"summary of steps 1-{step - 6} for", "the previous summary is extended");
                }
            }

            sizes.Add(SyntheticSession.Chars(messages));
        }

        (sizes[50..].Max() - sizes[50..].Min()).Should().BeLessThan(250, "past the window, every prompt has the same shape (only the numbers in it grow)");
        sizes.Max().Should().BeLessThan(SyntheticSession.Chars(SyntheticSession.History(10)));
    }

    [Test]
    public async Task Summarising_in_batches_calls_the_summariser_once_per_batch()
    {
        var summarizer = new FakeSummarizer();
        var policy = new TieredMemoryPolicy(summarizer, new TieredMemoryOptions { RecentTurns = 3, SummaryBatchSize = 10 });
        var history = SyntheticSession.Start();
        for (var step = 1; step <= 200; step++)
        {
            SyntheticSession.AddStep(history, step);
            var messages = await policy.ReduceToListAsync(history);
            messages.Count(m => m.Role == ChatRole.Assistant).Should().BeInRange(Math.Min(step, 4), 4 + 9);
        }

        summarizer.Calls.Should().Be((200 - 1 - 3) / 10);
    }

    [Test]
    public async Task When_the_summariser_throws_the_summary_lists_the_first_lines_and_says_why()
    {
        var summarizer = new FakeSummarizer { Respond = (_, _) => throw new InvalidOperationException("model offline") };
        var policy = new TieredMemoryPolicy(summarizer);
        var history = SyntheticSession.Start();
        IReadOnlyList<ChatMessage> messages = [];
        for (var step = 1; step <= 200; step++)
        {
            SyntheticSession.AddStep(history, step);
            messages = await policy.ReduceToListAsync(history);
        }

        var summary = messages[2].Text;
        summary.Should().StartWith("Summary of steps 1-195 ");
        summary.Should().Contain("Written without the summariser, because the summariser failed (InvalidOperationException: model offline)");
        summary.Should().Contain("Step 195: Step 195: I add batch 195 to the running total. -> step 195 line 1: value 195001");
        summary.Should().Contain("older lines left out", "the extractive summary stays bounded too");
        summary.Length.Should().BeLessThan(2600);
        summarizer.Calls.Should().Be(195, "the policy keeps trying the summariser for each new step");
    }

    [Test]
    public async Task A_summariser_that_recovers_replaces_the_extractive_summary()
    {
        var fail = true;
        var summarizer = new FakeSummarizer { Respond = (m, _) => fail ? throw new HttpRequestException("503") : Task.FromResult(FakeSummarizer.DefaultAnswer(m)) };
        var policy = new TieredMemoryPolicy(summarizer, new TieredMemoryOptions { RecentTurns = 1 });

        var first = await policy.ReduceToListAsync(SyntheticSession.History(10));
        fail = false;
        var history = SyntheticSession.History(10);
        var second = await policy.ReduceToListAsync(history);
        SyntheticSession.AddStep(history, 11);
        var third = await policy.ReduceToListAsync(history);

        first[2].Text.Should().Contain("Written without the summariser");
        second[2].Text.Should().EndWith("summary of steps 1-8 for Add up all 200 batches.", "a new history is a new conversation");
        third[2].Text.Should().EndWith("summary of steps 1-9 for Add up all 200 batches.");
    }

    [Test]
    public async Task A_summariser_that_does_not_answer_in_time_gets_the_fallback()
    {
        var summarizer = new FakeSummarizer { Respond = async (_, token) => { await Task.Delay(Timeout.Infinite, token); return ""; } };
        var policy = new TieredMemoryPolicy(summarizer, new TieredMemoryOptions { SummaryTimeout = TimeSpan.FromMilliseconds(20) });

        var messages = await policy.ReduceToListAsync(SyntheticSession.History(10));

        messages[2].Text.Should().Contain("the summariser did not answer within 0.02 s").And.Contain("Step 5: Step 5: I add batch 5");
    }

    [Test]
    public async Task An_empty_summary_counts_as_a_failure()
    {
        var policy = new TieredMemoryPolicy(new FakeSummarizer { Respond = (_, _) => Task.FromResult("  ") });

        var messages = await policy.ReduceToListAsync(SyntheticSession.History(10));

        messages[2].Text.Should().Contain("the summariser returned an empty answer");
    }

    [Test]
    public async Task Cancelling_the_run_cancels_the_summary_instead_of_falling_back()
    {
        var summarizer = new FakeSummarizer { Respond = async (_, token) => { await Task.Delay(Timeout.Infinite, token); return ""; } };
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));

        var act = async () => await new TieredMemoryPolicy(summarizer).ReduceToListAsync(SyntheticSession.History(10), cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Test]
    public async Task One_policy_keeps_a_separate_summary_for_each_concurrent_conversation()
    {
        var summarizer = new FakeSummarizer();
        var policy = new TieredMemoryPolicy(summarizer);

        var runs = Enumerable.Range(1, 8).Select(run => Task.Run(async () =>
        {
            var history = SyntheticSession.Start($"Conversation {run}.");
            IReadOnlyList<ChatMessage> messages = [];
            for (var step = 1; step <= 60; step++)
            {
                SyntheticSession.AddStep(history, step);
                messages = await policy.ReduceToListAsync(history);
            }

            return messages[2].Text;
        })).ToList();
        var summaries = await Task.WhenAll(runs);

        summaries.Select((s, i) => s.EndsWith($"summary of steps 1-55 for Conversation {i + 1}.", StringComparison.Ordinal)).Should().AllBeEquivalentTo(true);
        summarizer.Calls.Should().Be(8 * 55);
    }

    [Test]
    public async Task Short_histories_keep_everything_with_the_window_steps_compacted()
    {
        var summarizer = new FakeSummarizer();
        var policy = new TieredMemoryPolicy(summarizer);

        (await policy.ReduceToListAsync(SyntheticSession.Start())).Should().HaveCount(2);
        var one = SyntheticSession.History(1);
        (await policy.ReduceToListAsync(one)).Should().Equal(one);
        var five = await policy.ReduceToListAsync(SyntheticSession.History(5));
        five.Should().HaveCount(12);
        five.Count(m => m.Text.Contains("lines left out", StringComparison.Ordinal)).Should().Be(4);
        summarizer.Calls.Should().Be(0);
    }

    [Test]
    public void Options_out_of_range_are_named()
    {
        var act = () => new TieredMemoryPolicy(new FakeSummarizer(), new TieredMemoryOptions { RecentTurns = -1 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("RecentTurns");
        FluentActions.Invoking(() => new TieredMemoryOptions { SummaryTimeout = TimeSpan.Zero }.Validate())
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("SummaryTimeout");
    }

    [Test]
    public async Task A_210_step_agent_run_on_jint_keeps_every_prompt_bounded_and_summarises_each_old_step_once()
    {
        const int Steps = 210;
        var summarizer = new FakeSummarizer();
        var agent = CreateAgent(SyntheticSession.AgentTurns(Steps), o => o.MaxSteps = Steps, memoryPolicy: new TieredMemoryPolicy(summarizer));

        var result = await agent.RunAsync("Add the numbers from 2 to 209.");

        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.FinalAnswerText.Should().Be(SyntheticSession.AgentAnswer(Steps).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var prompts = Client.ReceivedMessages;
        prompts.Should().HaveCount(Steps);
        prompts.Should().AllSatisfy(p =>
        {
            p[0].Text.Should().Be(agent.SystemPrompt);
            p[1].Text.Should().Be("Add the numbers from 2 to 209.");
        });
        var sizes = prompts.Select(SyntheticSession.Chars).ToList();
        sizes.Skip(20).Max().Should().BeLessThan(sizes[19] + 300, "the prompt stops growing once the window is full");
        sizes[^1].Should().BeLessThan(SyntheticSession.Chars(result.Messages) / 20);
        prompts[^1][2].Text.Should().StartWith($"Summary of steps 1-{Steps - 6} ");
        summarizer.Calls.Should().Be(Steps - 6, "step N sees N-1 finished steps; all but the latest and 4 more are summarised, one new step per call");
    }

    [Test]
    public async Task Add_code_act_can_use_the_agents_chat_client_or_a_given_one_as_summariser()
    {
        var model = new FakeSummarizer();
        var cheap = new FakeSummarizer();

        await using var defaults = new ServiceCollection().AddCodeAct(b => b.UseJint().UseChatClient(model).UseTieredMemory()).BuildServiceProvider();
        await using var given = new ServiceCollection().AddCodeAct(b => b.UseJint().UseChatClient(model).UseTieredMemory(cheap, new TieredMemoryOptions { RecentTurns = 2 })).BuildServiceProvider();
        await using var factory = new ServiceCollection()
            .AddKeyedSingleton<IChatClient>("cheap", cheap)
            .AddCodeAct(b => b.UseJint().UseChatClient(model).UseTieredMemory(s => s.GetRequiredKeyedService<IChatClient>("cheap")))
            .BuildServiceProvider();

        defaults.GetRequiredKeyedService<IChatReducer>(CodeActBuilder.ServiceKey).Should().BeOfType<TieredMemoryPolicy>().Which.Summarizer.Should().BeSameAs(model);
        var policy = given.GetRequiredKeyedService<IChatReducer>(CodeActBuilder.ServiceKey).Should().BeOfType<TieredMemoryPolicy>().Subject;
        policy.Summarizer.Should().BeSameAs(cheap);
        policy.Options.RecentTurns.Should().Be(2);
        factory.GetRequiredKeyedService<IChatReducer>(CodeActBuilder.ServiceKey).Should().BeOfType<TieredMemoryPolicy>().Which.Summarizer.Should().BeSameAs(cheap);
        factory.GetRequiredService<CodeActAgent>().Should().NotBeNull();
    }
}
