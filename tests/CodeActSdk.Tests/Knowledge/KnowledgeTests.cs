using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Knowledge;

/// <summary>
/// Knowledge looked up from code: the Markdown source and its BM25 ranking, the topics listed with the task, the
/// look-ups from JavaScript on the real Jint interpreter, and sources that fail or answer with megabytes.
/// </summary>
public sealed class KnowledgeTests : AgentTestBase
{
    private string _folder = null!;

    [SetUp]
    public void WriteDocuments()
    {
        _folder = Directory.CreateTempSubdirectory("codeact-knowledge-").FullName;
        Directory.CreateDirectory(Path.Combine(_folder, "billing"));
        File.WriteAllText(Path.Combine(_folder, "billing", "refunds.md"), """
            # Refunds
            How refunds are granted and booked.

            ## Refund window
            Customers may ask for a refund within 30 days of delivery. After that, only store credit is offered.

            ## Booking
            A refund is booked as a negative invoice line with the code RF.
            """);
        File.WriteAllText(Path.Combine(_folder, "sales-pipeline.md"), """
            # Pipeline
            What "pipeline" means in this company: every open opportunity with a signed letter of intent.

            ## Stages
            Lead, qualified, proposal, letter of intent, won. Only the last two count as pipeline.
            """);
        File.WriteAllText(Path.Combine(_folder, "glossary.md"), """
            ARR is annual recurring revenue: twelve times the monthly recurring revenue of active subscriptions.
            """);
    }

    [TearDown]
    public void DeleteDocuments() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task The_markdown_source_names_topics_by_path_and_summarises_them_with_their_first_line_of_prose()
    {
        var source = new MarkdownKnowledgeSource(_folder);

        var topics = await source.ListTopicsAsync();

        topics.Should().Equal(
            new KnowledgeTopic("billing/refunds", "How refunds are granted and booked."),
            new KnowledgeTopic("glossary", "ARR is annual recurring revenue: twelve times the monthly recurring revenue of active subscriptions."),
            new KnowledgeTopic("sales-pipeline", "What \"pipeline\" means in this company: every open opportunity with a signed letter of intent."));
        (await source.ReadAsync("glossary")).Should().Contain("ARR is annual recurring revenue");
        (await source.ReadAsync("nope")).Should().BeNull();
    }

    [TestCase("refund window days", "billing/refunds", "Refund window")]
    [TestCase("how do I book refunds", "billing/refunds", "Booking")]
    [TestCase("which stages count as pipeline", "sales-pipeline", "Stages")]
    [TestCase("ARR", "glossary", "")]
    public async Task A_search_ranks_the_section_that_answers_first(string query, string topic, string section)
    {
        var hits = await new MarkdownKnowledgeSource(_folder).SearchAsync(query, 3);

        hits.Should().NotBeEmpty();
        hits[0].Should().Match<KnowledgeHit>(h => h.Topic == topic && h.Section == section);
        hits.Select(h => h.Score).Should().BeInDescendingOrder();
    }

    [Test]
    public async Task A_search_without_a_matching_word_finds_nothing()
    {
        (await new MarkdownKnowledgeSource(_folder).SearchAsync("zebra xylophone", 5)).Should().BeEmpty();
    }

    [Test]
    public void A_missing_or_empty_folder_is_a_clear_error()
    {
        var missing = () => new MarkdownKnowledgeSource(Path.Combine(_folder, "missing"));
        missing.Should().Throw<DirectoryNotFoundException>().WithMessage("*knowledge folder*does not exist*");

        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;
        var none = () => new MarkdownKnowledgeSource(empty);
        none.Should().Throw<ArgumentException>().WithMessage("*holds no Markdown*");
    }

    [Test]
    public async Task The_task_lists_the_topics_and_the_code_looks_them_up()
    {
        using var agent = Agent(new MarkdownKnowledgeSource(_folder),
        [
            Js("const hits = search_context('refund window'); console.log(hits[0].topic, '|', hits[0].text);"),
            Js("const days = Number(/within (\\d+) days/.exec(hits[0].text)[1]); const glossary = read_context('glossary'); final_answer({ days, arr: glossary.includes('twelve times') });"),
        ]);

        var result = await agent.RunAsync("How many days do customers have to ask for a refund?");

        result.FinalAnswer!.Value.GetRawText().Should().Be("""{"days":30,"arr":true}""");
        var task = Client.ReceivedMessages[0].Single(m => m.Role == ChatRole.User).Text;
        task.Should().Contain("search_context(query)").And.Contain("- billing/refunds: How refunds are granted and booked.").And.Contain("- sales-pipeline:");
        task.Should().NotContain("30 days", "the prompt lists topics, not their contents");
        agent.SystemPrompt.Should().Contain("function search_context(query, max_results)").And.Contain("function read_context(topic)");
        result.Steps[0].ToolCalls.Should().ContainSingle().Which.Name.Should().Be("search_context");
    }

    [Test]
    public async Task An_unknown_topic_is_an_error_the_code_can_fix()
    {
        using var agent = Agent(new MarkdownKnowledgeSource(_folder), [Js("read_context('pipeline')"), Js("final_answer(read_context('sales-pipeline').length > 0)")]);

        var result = await agent.RunAsync("What counts as pipeline?");

        result.Steps[0].Observation.Should().Contain("There is no topic 'pipeline'");
        result.FinalAnswerText.Should().Be("true");
    }

    [Test]
    public async Task A_failing_source_is_a_failed_look_up_in_the_observation_and_the_run_goes_on()
    {
        using var agent = Agent(new BrokenSource(), [Js("search_context('anything')"), Js("final_answer('without it')")]);

        var result = await agent.RunAsync("Look something up.");

        result.Steps[0].Observation.Should().Contain("the knowledge source failed (IOException: the index is offline)");
        result.FinalAnswerText.Should().Be("without it");
        Client.ReceivedMessages[0].Single(m => m.Role == ChatRole.User).Text.Should().Contain("the topics could not be listed (IOException: the index is offline)");
    }

    [Test]
    public async Task A_source_that_answers_with_megabytes_is_cut_with_a_note()
    {
        using var agent = Agent(new FloodingSource(), [Js("const hits = search_context('x', 100); const doc = read_context('huge'); final_answer({ hits: hits.length, longest: Math.max(...hits.map(h => h.text.length)), doc: doc.length, note: doc.includes('the topic was cut') });")]);

        var result = await agent.RunAsync("Read everything.");

        var answer = result.FinalAnswer!.Value;
        answer.GetProperty("hits").GetInt32().Should().Be(10);
        answer.GetProperty("longest").GetInt32().Should().BeLessThan(1_600);
        answer.GetProperty("doc").GetInt32().Should().BeLessThan(12_200);
        answer.GetProperty("note").GetBoolean().Should().BeTrue();
        Client.ReceivedMessages[0].Single(m => m.Role == ChatRole.User).Text.Length.Should().BeLessThan(30_000, "the topic list is bounded too");
    }

    private CodeActAgent Agent(IKnowledgeSource source, IEnumerable<string> turns)
    {
        Client = new ScriptedChatClient(turns);
        return new CodeActAgent(Interpreter, new ChatClientCodeGenerator(Client), new CodeActOptions { MaxSteps = 3 }, knowledge: source);
    }

    private new ScriptedChatClient Client { get; set; } = null!;

    private sealed class BrokenSource : IKnowledgeSource
    {
        public ValueTask<IReadOnlyList<KnowledgeTopic>> ListTopicsAsync(CancellationToken cancellationToken = default) => throw new IOException("the index is offline");

        public ValueTask<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default) => throw new IOException("the index is offline");

        public ValueTask<string?> ReadAsync(string topic, CancellationToken cancellationToken = default) => throw new IOException("the index is offline");
    }

    /// <summary>A source that ignores every bound: 1,000 topics, 1,000 hits of 100,000 characters, a 5 MB document.</summary>
    private sealed class FloodingSource : IKnowledgeSource
    {
        public ValueTask<IReadOnlyList<KnowledgeTopic>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<KnowledgeTopic>>([.. Enumerable.Range(0, 1_000).Select(i => new KnowledgeTopic($"topic-{i}", new string('s', 5_000)))]);

        public ValueTask<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<KnowledgeHit>>([.. Enumerable.Range(0, 1_000).Select(i => new KnowledgeHit("huge", "", new string('x', 100_000), 1))]);

        public ValueTask<string?> ReadAsync(string topic, CancellationToken cancellationToken = default) => ValueTask.FromResult<string?>(new string('y', 5_000_000));
    }
}
