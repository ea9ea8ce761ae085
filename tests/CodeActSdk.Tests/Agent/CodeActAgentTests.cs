using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace CodeActSdk.Tests.Agent;

public class CodeActAgentTests : AgentTestBase
{
    [Test]
    public async Task Reaches_a_final_answer_computed_over_several_steps_with_state_kept_between_them()
    {
        var agent = CreateAgent(
        [
            Js("var xs = [5, 3, 9, 1];\nxs.sort(function (a, b) { return a - b; });\nconsole.log(xs.join(','));", "I sort the numbers first."),
            Js("final_answer(xs[0] + xs[xs.length - 1]);", "The smallest plus the largest."),
        ]);

        var result = await agent.RunAsync("Add the smallest and the largest of 5, 3, 9, 1.");

        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.Succeeded.Should().BeTrue();
        result.FinalAnswer!.Value.GetInt32().Should().Be(10);
        result.FinalAnswerText.Should().Be("10");
        result.Steps.Select(s => s.Number).Should().Equal(1, 2);
        result.Steps[0].Observation.Should().Be("1,3,5,9\n\n[variables]\nxs: Array(4) = [1,3,5,9]", "the output, then the state digest");
        result.Steps[0].Variables.Should().Equal(new VariableSummary("xs", "Array(4)", "[1,3,5,9]"));
        result.Steps[0].Code.Should().Equal(new CodeBlock("js", "var xs = [5, 3, 9, 1];\nxs.sort(function (a, b) { return a - b; });\nconsole.log(xs.join(','));"));
        result.Steps[0].Outcome.Should().BeNull();
        result.Steps[1].FinalAnswer!.Value.GetInt32().Should().Be(10);
        result.Steps[1].Outcome.Should().Be(AgentOutcome.FinalAnswer);
    }

    [Test]
    public async Task Sends_the_system_prompt_the_task_and_each_answer_and_observation_to_the_model()
    {
        var agent = CreateAgent([Js("console.log('seen');"), Js("final_answer('done');")]);

        var result = await agent.RunAsync("Say done.");

        var second = Client.ReceivedMessages[1];
        second.Select(m => m.Role).Should().Equal(ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User);
        second[0].Text.Should().Be(agent.SystemPrompt);
        second[1].Text.Should().Be("Say done.");
        second[2].Text.Should().Be(Js("console.log('seen');"));
        second[3].Text.Should().Be("Observation:\nseen");
        result.Messages.Should().HaveCount(5, "the final answer gets no observation");
        result.FinalAnswerText.Should().Be("done", "a JSON string answer is given as the string itself");
    }

    [Test]
    public async Task An_error_goes_back_to_the_model_which_corrects_it()
    {
        var agent = CreateAgent(
        [
            Js("var total = sum([1, 2, 3]);", "I sum the list."),
            Js("function sum(a) { var s = 0; for (var i = 0; i < a.length; i++) { s += a[i]; } return s; }\nfinal_answer(sum([1, 2, 3]));", "I forgot to define sum."),
        ]);

        var result = await agent.RunAsync("Sum 1, 2 and 3.");

        var failed = result.Steps[0];
        failed.Executions.Should().ContainSingle().Which.Status.Should().Be(ExecutionStatus.RuntimeError);
        failed.Observation.Should().Contain("ReferenceError").And.Contain("sum").And.Contain("(line 1");
        Client.ReceivedMessages[1][^1].Text.Should().Be("Observation:\n" + failed.Observation);
        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.FinalAnswer!.Value.GetInt32().Should().Be(6);
    }

    [Test]
    public async Task A_syntax_error_is_reported_as_an_observation()
    {
        var agent = CreateAgent([Js("var x = ;"), Js("final_answer(1);")]);

        var result = await agent.RunAsync("Anything.");

        result.Steps[0].Executions[0].Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Steps[0].Observation.Should().NotBeNullOrWhiteSpace().And.NotBe(ObservationFormatter.NoOutput);
        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
    }

    [Test]
    public async Task Stops_at_max_steps_and_carries_the_last_observation()
    {
        var agent = CreateAgent(
            [Js("var n = 1; console.log('step ' + n);"), Js("n++; console.log('step ' + n);"), Js("n++; console.log('step ' + n);"), Js("final_answer(n);")],
            o => o.MaxSteps = 3);

        var result = await agent.RunAsync("Count slowly.");

        result.Outcome.Should().Be(AgentOutcome.MaxStepsReached);
        result.Succeeded.Should().BeFalse();
        result.Steps.Should().HaveCount(3);
        result.LastObservation.Should().Be("step 3");
        result.FinalAnswer.Should().BeNull();
        result.FinalAnswerText.Should().BeNull();
        result.Steps[^1].Outcome.Should().Be(AgentOutcome.MaxStepsReached);
        Client.CallCount.Should().Be(3, "the fourth turn is never asked for");
    }

    [Test]
    public async Task Without_code_it_asks_for_code_by_default_and_that_counts_as_a_step()
    {
        var agent = CreateAgent(["The answer is 42.", Js("final_answer(6 * 7);")]);

        var result = await agent.RunAsync("What is 6 times 7?");

        result.Steps.Should().HaveCount(2);
        result.Steps[0].Executions.Should().BeEmpty();
        result.Steps[0].Observation.Should().Contain("no code block").And.Contain("```" + Interpreter.Language.FenceTags[0]).And.Contain("final_answer(value)");
        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.FinalAnswer!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task Without_code_it_can_accept_the_text_as_the_final_answer()
    {
        var agent = CreateAgent(["  The answer is 42.  "], o => o.WhenNoCode = NoCodeBehavior.AcceptAsFinalAnswer);

        var result = await agent.RunAsync("What is 6 times 7?");

        result.Outcome.Should().Be(AgentOutcome.AnsweredWithoutCode);
        result.Succeeded.Should().BeTrue();
        result.FinalAnswerText.Should().Be("The answer is 42.");
        result.FinalAnswer.Should().BeNull();
        result.Steps.Should().ContainSingle().Which.Outcome.Should().Be(AgentOutcome.AnsweredWithoutCode);
    }

    [Test]
    public async Task Code_in_another_language_is_not_run_and_the_model_is_told_which_fence_to_use()
    {
        var language = Interpreter.Language;
        var agent = CreateAgent(["I will use Python.\n```python\nprint(6 * 7)\n```", Js("final_answer(6 * 7);")]);

        var result = await agent.RunAsync("What is 6 times 7?");

        result.Steps[0].Executions.Should().BeEmpty();
        result.Steps[0].Code.Should().BeEmpty();
        result.Steps[0].Observation.Should().Be(
            $"Your code block was tagged 'python'; this sandbox runs only {language.Name} ({language.Dialect}). Write the code in a ```{language.FenceTags[0]} block.");
        result.FinalAnswer!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task Only_the_blocks_in_the_sandbox_language_or_untagged_run()
    {
        var agent = CreateAgent(["```python\nprint('py')\n```\n```javascript\nconsole.log('js');\n```\n```\nconsole.log('untagged');\n```"], o => o.MaxSteps = 1);

        var result = await agent.RunAsync("Print.");

        result.Steps[0].Code.Select(c => c.Tag).Should().Equal("javascript", "");
        result.LastObservation.Should().Be("[code block 1]\njs\n\n[code block 2]\nuntagged");
    }

    [Test]
    public async Task Blocks_of_a_turn_run_in_order_until_one_fails()
    {
        var agent = CreateAgent([Js("console.log('a');") + "\n" + Js("null.x;") + "\n" + Js("console.log('c');")], o => o.MaxSteps = 1);

        var result = await agent.RunAsync("Run three blocks.");

        var step = result.Steps[0];
        step.Executions.Select(e => e.Status).Should().Equal(ExecutionStatus.Completed, ExecutionStatus.RuntimeError);
        step.Code.Should().HaveCount(2);
        step.Observation.Should().StartWith("[code block 1]\na\n\n[code block 2]\nTypeError")
            .And.EndWith("(1 later code block was not run because code block 2 failed.)")
            .And.NotContain("\nc\n");
    }

    [Test]
    public async Task A_final_answer_stops_the_rest_of_the_turn()
    {
        var agent = CreateAgent([Js("final_answer('first');") + "\n" + Js("final_answer('second');")]);

        var result = await agent.RunAsync("Answer.");

        result.FinalAnswerText.Should().Be("first");
        result.Steps[0].Executions.Should().ContainSingle();
    }

    [Test]
    public async Task Shows_the_value_of_the_last_expression()
    {
        var agent = CreateAgent([Js("var o = { a: 1, b: [true, 'x'] };\no;")], o => o.MaxSteps = 1);

        var result = await agent.RunAsync("Show o.");

        result.LastObservation.Should().Be("Value: " + result.Steps[0].Executions[0].Value!.Value.GetRawText());
        JsonSerializer.Serialize(result.Steps[0].Executions[0].Value).Should().Be("{\"a\":1,\"b\":[true,\"x\"]}");
    }

    [Test]
    public async Task A_run_without_output_says_so()
    {
        var agent = CreateAgent([Js("var quiet = 1;")], o => o.MaxSteps = 1);

        var result = await agent.RunAsync("Be quiet.");

        result.LastObservation.Should().Be("(no output; the code ran without printing anything)");
    }

    [Test]
    public async Task Long_output_is_truncated_keeping_head_and_tail_with_a_note()
    {
        var agent = CreateAgent(
            [Js("var s = '';\nfor (var i = 0; i < 1000; i++) { s += 'abcde'; }\nconsole.log('START' + s + 'END');"), Js("final_answer(s.length);")],
            o => { o.MaxObservationChars = 300; o.LargeOutputChars = 0; });

        var result = await agent.RunAsync("Print a lot.");

        var observation = result.Steps[0].Observation;
        observation.Length.Should().BeLessThanOrEqualTo(300);
        observation.Should().StartWith("STARTabcde").And.EndWith("abcdeEND").And.Contain("characters cut");
        Client.ReceivedMessages[1][^1].Text.Should().Be("Observation:\n" + observation);
        result.FinalAnswer!.Value.GetInt32().Should().Be(5000, "the data stays whole in the sandbox");
    }

    [Test]
    public async Task Tool_calls_of_a_step_are_collected()
    {
        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add", "Adds two integers.");
        var agent = CreateAgent([Js("var x = add(2, 3);\nvar y = add(x, 4);\nfinal_answer(y);")], tools: [add]);

        var result = await agent.RunAsync("Add 2, 3 and 4 with the tool.");

        result.FinalAnswer!.Value.GetInt32().Should().Be(9);
        result.Steps[0].ToolCalls.Select(c => c.Name).Should().Equal("add", "add");
        result.Steps[0].ToolCalls[1].Result!.Value.GetInt32().Should().Be(9);
        agent.Tools.Should().ContainSingle().Which.Should().BeSameAs(add);
    }

    [Test]
    public async Task Steps_are_streamed_as_they_finish()
    {
        var agent = CreateAgent([Js("var a = 1;"), Js("a++;"), Js("final_answer(a);")]);

        var numbers = new List<int>();
        await foreach (var step in agent.RunStreamingAsync("Count."))
        {
            Client.CallCount.Should().Be(step.Number, "a step is yielded before the model is asked for the next one");
            numbers.Add(step.Number);
        }

        numbers.Should().Equal(1, 2, 3);
    }

    [Test]
    public async Task The_memory_policy_shapes_what_the_model_is_sent()
    {
        var agent = CreateAgent(
            [Js("var a = 1;"), Js("a++;"), Js("a++;"), Js("final_answer(a);")],
            memoryPolicy: new SlidingWindowMemoryPolicy(1));

        var result = await agent.RunAsync("Count to three.");

        result.FinalAnswer!.Value.GetInt32().Should().Be(3, "the session keeps the state the transcript forgets");
        var last = Client.ReceivedMessages[3];
        last.Should().HaveCount(5);
        last[2].Text.Should().Be("(2 earlier steps omitted)");
        last[3].Text.Should().Be(Js("a++;"));
        result.Messages.Should().HaveCount(2 + 7, "the agent's own history is complete");
    }

    [Test]
    public async Task Usage_is_summed_over_the_steps()
    {
        var agent = CreateAgent([Js("var a = 1;"), Js("final_answer(a);")]);

        var result = await agent.RunAsync("Go.");

        result.Usage!.InputTokenCount.Should().Be(result.Steps.Sum(s => s.Usage!.InputTokenCount));
        result.Usage.OutputTokenCount.Should().Be(result.Steps.Sum(s => s.Usage!.OutputTokenCount));
    }

    [Test]
    public async Task Uses_one_session_per_run_and_disposes_it()
    {
        var counting = new SessionCountingInterpreter(Interpreter);
        var agent = CreateAgent([Js("var a = 1;"), Js("final_answer(a);"), Js("final_answer(typeof a);")], interpreter: counting);

        await agent.RunAsync("First run.");
        var second = await agent.RunAsync("Second run.");

        counting.Created.Should().Be(2);
        counting.Disposed.Should().Be(2);
        second.FinalAnswerText.Should().Be("undefined", "a new run starts with a fresh scope");
    }

    [Test]
    public async Task Cancellation_between_steps_throws_and_disposes_the_session()
    {
        var counting = new SessionCountingInterpreter(Interpreter);
        var agent = CreateAgent([Js("var a = 1;"), Js("final_answer(a);")], interpreter: counting);
        using var cts = new CancellationTokenSource();

        var act = async () =>
        {
            await foreach (var step in agent.RunStreamingAsync("Go.", cts.Token))
            {
                cts.Cancel();
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        Client.CallCount.Should().Be(1);
        counting.Disposed.Should().Be(1);
    }

    [Test]
    public async Task Cancellation_during_an_execution_throws_and_disposes_the_session()
    {
        using var cts = new CancellationTokenSource();
        var cancel = AIFunctionFactory.Create(() => { cts.Cancel(); return "cancelled"; }, "cancel_run", "Cancels the run.");
        var counting = new SessionCountingInterpreter(Interpreter);
        var agent = CreateAgent(
            [Js("cancel_run();\nwhile (true) { }"), Js("final_answer(1);")],
            o => o.Sandbox = new SandboxOptions { Timeout = TimeSpan.FromSeconds(30), MaxOperations = long.MaxValue },
            tools: [cancel],
            interpreter: counting);

        var act = () => agent.RunAsync("Go.", cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        Client.CallCount.Should().Be(1);
        counting.Disposed.Should().Be(1);
    }

    [Test]
    public async Task An_already_cancelled_token_stops_before_the_model_is_called()
    {
        var agent = CreateAgent([Js("final_answer(1);")]);

        var act = () => agent.RunAsync("Go.", new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        Client.CallCount.Should().Be(0);
    }

    [Test]
    public async Task A_model_failure_propagates_as_an_exception()
    {
        var agent = CreateAgent([Js("var a = 1;")], o => o.MaxSteps = 5);

        var act = () => agent.RunAsync("Go.");

        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("The script has no turn 2*");
    }

    [Test]
    public async Task An_empty_task_is_rejected()
    {
        var agent = CreateAgent(["x"]);

        await FluentActions.Invoking(() => agent.RunAsync(" ")).Should().ThrowAsync<ArgumentException>();
        FluentActions.Invoking(() => agent.RunStreamingAsync("")).Should().Throw<ArgumentException>();
    }

    [Test]
    public void Invalid_options_are_rejected_with_the_option_named()
    {
        var act = () => CreateAgent(["x"], o => { o.MaxSteps = 0; o.MaxObservationChars = 10; });

        act.Should().Throw<OptionsValidationException>()
            .Which.Message.Should().Contain("CodeActOptions.MaxSteps").And.Contain("CodeActOptions.MaxObservationChars");
    }

    [Test]
    public void Tools_with_the_same_name_are_rejected()
    {
        var one = AIFunctionFactory.Create(() => 1, "same");
        var two = AIFunctionFactory.Create(() => 2, "same");

        var act = () => CreateAgent(["x"], o => o.Sandbox = new SandboxOptions { Tools = [one] }, tools: [two]);

        act.Should().Throw<ArgumentException>().WithMessage("*same*");
    }

    [Test]
    public async Task The_agent_serves_concurrent_runs_with_separate_sessions()
    {
        var generator = new ChatClientCodeGenerator(new CodeActSdk.Testing.ScriptedChatClient(Enumerable.Repeat(Js("var mine = (typeof mine === 'undefined') ? 1 : mine + 1;\nfinal_answer(mine);"), 8)));
        using var agent = new CodeActAgent(Interpreter, generator, new CodeActOptions());

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => agent.RunAsync($"Run {i}.")));

        results.Should().OnlyContain(r => r.FinalAnswerText == "1");
    }
}
