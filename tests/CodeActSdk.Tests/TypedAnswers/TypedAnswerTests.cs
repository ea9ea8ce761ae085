using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.TypedAnswers;

/// <summary>Typed final answers against the real Jint interpreter: the prompt's typedef, the check, retries, the typed result, streaming and durable runs.</summary>
public sealed class TypedAnswerTests : AgentTestBase
{
    public sealed record OrderLine(string Sku, int Quantity);

    public sealed record Order(string Customer, int Total, List<OrderLine> Lines, string? Note);

    private const string Good = "final_answer({ customer: 'Ada', total: 12, lines: [{ sku: 'A1', quantity: 2 }], note: null });";

    private const string Bad = "final_answer({ total: '12', lines: [{ sku: 'A1' }], note: 3 });";

    [Test]
    public async Task A_matching_answer_is_read_into_the_type_and_the_model_is_shown_a_jsdoc_typedef()
    {
        var result = await CreateAgent([Js(Good)]).RunAsync<Order>("Summarise the order.");

        result.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        result.Answer.Should().BeEquivalentTo(new Order("Ada", 12, [new OrderLine("A1", 2)], null));
        result.Steps[^1].Answer.Should().BeOfType<Order>();
        var task = Client.ReceivedMessages[0][1].Text;
        task.Should().StartWith("Summarise the order.\n\n[answer type] Pass the answer to final_answer(...) as a value of type Order.");
        task.Should().Contain("""
            /**
             * @typedef {Object} Order
             * @property {string} customer
             * @property {integer} total
             * @property {{sku: string, quantity: integer}[]} lines
             * @property {string|null} note
             * (integer: a number without a fractional part)
             */
            """.ReplaceLineEndings("\n"));
    }

    [Test]
    public async Task A_mismatch_goes_back_to_the_model_saying_what_is_wrong_and_the_fixed_answer_is_taken()
    {
        var result = await CreateAgent([Js(Bad), Js(Good)]).RunAsync<Order>("Summarise the order.");

        result.Answer.Customer.Should().Be("Ada");
        result.Steps.Should().HaveCount(2);
        var rejected = result.Steps[0];
        rejected.Outcome.Should().BeNull();
        rejected.FinalAnswer.Should().BeNull("a rejected value is not the run's answer");
        rejected.AnswerMismatches.Select(m => m.ToString()).Should().Equal(
            "$.total: expected integer, got string \"12\"",
            "$.lines[0]: missing required property 'quantity' (integer)",
            "$.note: expected string or null, got number 3",
            "$: missing required property 'customer' (string)");
        rejected.Observation.Should().StartWith("Your final answer does not match the type Order (attempt 1 of 3), so the run has not ended:\n- $.total: expected integer")
            .And.Contain("Fix the value and call final_answer again").And.Contain("@typedef {Object} Order");
        Client.ReceivedMessages[1][^1].Text.Should().StartWith("Observation:\nYour final answer does not match the type Order");
    }

    [Test]
    public async Task When_the_retries_are_used_up_the_run_ends_saying_what_did_not_match()
    {
        var result = await CreateAgent([Js(Bad), Js("final_answer('Ada ordered 2 of A1');")], o => o.MaxAnswerRetries = 1).RunAsync<Order>("Summarise the order.");

        result.Outcome.Should().Be(AgentOutcome.AnswerRejected);
        result.Succeeded.Should().BeFalse();
        result.FinalAnswer.Should().BeNull();
        result.AnswerMismatches.Select(m => m.ToString()).Should().Equal("$: expected object, got string \"Ada ordered 2 of A1\"");
        result.LastObservation.Should().Contain("(attempt 2 of 2); the run ends without an answer:");
        var answer = () => result.Answer;
        answer.Should().Throw<InvalidOperationException>().WithMessage("The run ended without an answer of type Order: its last answer did not match ($: expected object, got string \"Ada ordered 2 of A1\").");
    }

    [Test]
    public async Task The_default_allows_two_retries_and_the_options_check_the_range()
    {
        new CodeActOptions().MaxAnswerRetries.Should().Be(2);
        var invalid = () => CreateAgent([Js(Good)], o => o.MaxAnswerRetries = -1);
        invalid.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*MaxAnswerRetries must be between 0 and 20 (was -1)*");

        var result = await CreateAgent([Js(Bad), Js(Bad), Js(Bad)]).RunAsync<Order>("Summarise the order.");

        result.Outcome.Should().Be(AgentOutcome.AnswerRejected);
        result.Steps.Should().HaveCount(3);
    }

    [Test]
    public async Task Streaming_a_typed_run_yields_the_typed_answer_on_the_last_step()
    {
        var steps = new List<AgentStep>();
        await foreach (var step in CreateAgent([Js("var n = 6 * 2;"), Js(Bad.Replace("'12'", "n", StringComparison.Ordinal)), Js(Good)]).RunStreamingAsync<Order>("Summarise the order."))
        {
            steps.Add(step);
        }

        steps.Select(s => s.Outcome).Should().Equal(null, null, AgentOutcome.FinalAnswer);
        steps[1].AnswerMismatches.Should().NotBeEmpty();
        steps[^1].Answer.Should().BeOfType<Order>().Which.Total.Should().Be(12);
    }

    [Test]
    public async Task An_answer_passed_as_its_json_text_is_read_as_the_value()
    {
        var result = await CreateAgent([Js(Good.Replace("final_answer(", "final_answer(JSON.stringify(", StringComparison.Ordinal).Replace(");", "));", StringComparison.Ordinal))]).RunAsync<Order>("Summarise the order.");

        result.Answer.Customer.Should().Be("Ada");
    }

    [Test]
    public async Task A_durable_typed_run_resumed_without_its_type_says_how_to_resume_it()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-typed-").FullName;
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));
            var crashed = () => CreateAgent([Js(Bad)], checkpoints: store).RunAsync<Order>(AgentRunRequest.Durable("typed-3", "Summarise the order."));
            await crashed.Should().ThrowAsync<InvalidOperationException>();
            (await store.ReadAsync("typed-3")).Entries.Single(e => e.Kind == JournalEntryKind.StepCompleted).Completed!.AnswerMismatches
                .Should().Equal("$.total: expected integer, got string \"12\"", "$.lines[0]: missing required property 'quantity' (integer)", "$.note: expected string or null, got number 3", "$: missing required property 'customer' (string)");

            var untyped = () => CreateAgent([Js(Good)], checkpoints: store).RunAsync(AgentRunRequest.Resume("typed-3"));

            await untyped.Should().ThrowAsync<JournalDivergenceException>().WithMessage("Session 'typed-3' asked for a typed answer, and step 1's answer was sent back as not matching it ($.total: expected integer, got string \"12\"). Resume it with the same answer type*");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task A_plain_value_type_is_checked_too()
    {
        var result = await CreateAgent([Js("final_answer(2.5);"), Js("final_answer(385);")]).RunAsync<int>("Sum the squares of 1 to 10.");

        result.Answer.Should().Be(385);
        result.Steps[0].Observation.Should().Contain("$: expected integer, got number 2.5");
    }

    [Test]
    public async Task A_request_with_another_types_schema_is_refused()
    {
        var request = new AgentRunRequest("x") { AnswerSchema = AnswerSchema.For<int>() };
        var run = () => CreateAgent([Js(Good)]).RunAsync<Order>(request);
        await run.Should().ThrowAsync<ArgumentException>().WithMessage("The request's AnswerSchema is for Int32, but the run asks for Order.*");
    }

    [TestCase(CodeFormat.Json)]
    [TestCase(CodeFormat.ToolCall)]
    public async Task Typed_answers_work_with_every_code_format(CodeFormat format)
    {
        Client = new ScriptedChatClient([Js(Bad), Js(Good)]);
        var agent = new CodeActAgent(Interpreter, new ChatClientCodeGenerator(Client, format), new CodeActOptions());

        var result = await agent.RunAsync<Order>("Summarise the order.");

        result.Answer.Lines.Should().ContainSingle().Which.Quantity.Should().Be(2);
        result.Steps[0].AnswerMismatches.Should().HaveCount(4);
    }

    [Test]
    public async Task A_durable_typed_run_resumes_and_counts_the_journaled_rejections()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-typed-").FullName;
        try
        {
            using var store = new SqliteCheckpointStore(Path.Combine(folder, "sessions.db"));

            // Step 1 is rejected, step 2 works; then the model "crashes" (the script has no third turn).
            var crashed = () => CreateAgent([Js(Bad), Js("var total = 6 * 2;")], o => o.MaxAnswerRetries = 1, checkpoints: store)
                .RunAsync<Order>(AgentRunRequest.Durable("typed-1", "Summarise the order."));
            await crashed.Should().ThrowAsync<InvalidOperationException>();
            var journal = await store.ReadAsync("typed-1");
            journal.Entries.First(e => e.Kind == JournalEntryKind.StepCompleted).Completed!.Observation.Should().Contain("does not match the type Order");

            var resumed = await CreateAgent([Js(Good.Replace("total: 12", "total", StringComparison.Ordinal))], o => o.MaxAnswerRetries = 1, checkpoints: store)
                .RunAsync<Order>(AgentRunRequest.Resume("typed-1"));

            resumed.Answer.Total.Should().Be(12);
            resumed.Steps.Select(s => s.Replayed).Should().Equal(true, true, false);
            resumed.Steps[0].AnswerMismatches.Should().HaveCount(4, "the replayed step is checked again, as it was");

            // The same crash, resumed with a second wrong answer: with one retry, the replayed rejection counts.
            await CreateAgent([Js(Bad), Js("var total = 6 * 2;")], o => o.MaxAnswerRetries = 1, checkpoints: store)
                .Invoking(a => a.RunAsync<Order>(AgentRunRequest.Durable("typed-2", "Summarise the order."))).Should().ThrowAsync<InvalidOperationException>();
            var ended = await CreateAgent([Js(Bad)], o => o.MaxAnswerRetries = 1, checkpoints: store).RunAsync<Order>(AgentRunRequest.Resume("typed-2"));
            ended.Outcome.Should().Be(AgentOutcome.AnswerRejected);
            (await store.ReadAsync("typed-2")).Session.Finished.Should().BeTrue();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
