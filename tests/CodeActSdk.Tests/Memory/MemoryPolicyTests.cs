using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Memory;

public class MemoryPolicyTests
{
    private static List<ChatMessage> History(int steps, bool lastObservation = true)
    {
        var history = new List<ChatMessage>
        {
            new(ChatRole.System, "system prompt"),
            new(ChatRole.User, "the task"),
        };
        for (var i = 1; i <= steps; i++)
        {
            history.Add(new ChatMessage(ChatRole.Assistant, $"step {i}"));
            if (i < steps || lastObservation)
            {
                history.Add(new ChatMessage(ChatRole.User, $"Observation:\n{i}"));
            }
        }

        return history;
    }

    [Test]
    public async Task Keep_all_sends_the_whole_200_step_history()
    {
        var history = History(200);

        var messages = await KeepAllMemoryPolicy.Instance.ReduceToListAsync(history);

        messages.Should().Equal(history);
        messages.Should().NotBeSameAs(history, "the agent appends to its history after the call");
    }

    [Test]
    public async Task Sliding_window_keeps_system_task_a_note_and_the_last_steps_of_200()
    {
        var history = History(200);

        var messages = await new SlidingWindowMemoryPolicy(5).ReduceToListAsync(history);

        messages.Should().HaveCount(2 + 1 + 10);
        messages[0].Should().BeSameAs(history[0]);
        messages[1].Should().BeSameAs(history[1]);
        messages[2].Role.Should().Be(ChatRole.User);
        messages[2].Text.Should().Be("(195 earlier steps omitted)");
        messages.Skip(3).Select(m => m.Text).Should().Equal(
            "step 196", "Observation:\n196", "step 197", "Observation:\n197", "step 198", "Observation:\n198",
            "step 199", "Observation:\n199", "step 200", "Observation:\n200");
        history.Should().HaveCount(402, "the policy never modifies the history");
    }

    [Test]
    public async Task Sliding_window_at_every_length_of_a_200_step_run_keeps_the_prefix_and_at_most_n_steps()
    {
        var policy = new SlidingWindowMemoryPolicy(3);
        for (var steps = 0; steps <= 200; steps++)
        {
            var messages = await policy.ReduceToListAsync(History(steps));

            messages[0].Text.Should().Be("system prompt");
            messages[1].Text.Should().Be("the task");
            messages.Count(m => m.Role == ChatRole.Assistant).Should().Be(Math.Min(steps, 3));
            if (steps > 3)
            {
                messages[2].Text.Should().Be($"({steps - 3} earlier step{(steps - 3 == 1 ? "" : "s")} omitted)");
                messages[^2].Text.Should().Be($"step {steps}");
            }
            else
            {
                messages.Should().HaveCount(2 + (2 * steps));
            }
        }
    }

    [Test]
    public async Task Sliding_window_says_one_step_in_the_singular()
    {
        var messages = await new SlidingWindowMemoryPolicy(2).ReduceToListAsync(History(3));

        messages[2].Text.Should().Be("(1 earlier step omitted)");
    }

    [Test]
    public async Task Sliding_window_counts_a_final_answer_without_observation_as_a_step()
    {
        var messages = await new SlidingWindowMemoryPolicy(2).ReduceToListAsync(History(200, lastObservation: false));

        messages.Select(m => m.Text).Should().Equal(
            "system prompt", "the task", "(198 earlier steps omitted)", "step 199", "Observation:\n199", "step 200");
    }

    [Test]
    public async Task Sliding_window_wider_than_the_history_changes_nothing()
    {
        var history = History(200);

        var messages = await new SlidingWindowMemoryPolicy(500).ReduceToListAsync(history);

        messages.Should().Equal(history);
    }

    [Test]
    public void Sliding_window_needs_at_least_one_turn()
    {
        var act = () => new SlidingWindowMemoryPolicy(0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("turns");
    }
}
