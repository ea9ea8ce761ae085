namespace CodeActSdk.Tests.Skills;

/// <summary>Skills are saved, listed per language, loaded into new sessions and listed for the model; bad ones are refused or left out clearly.</summary>
public class SkillTests : AgentTestBase
{
    private static readonly Skill Margin = new("grossMargin", "JavaScript", "grossMargin(order)", "The gross margin of an order (0..1).",
        "function grossMargin(order) { return (order.price - order.cost) / order.price; }");

    private DirectoryInfo _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("skills-");

    [TearDown]
    public void DeleteFolder() => _folder.Delete(recursive: true);

    [Test]
    public async Task Both_stores_save_list_replace_and_delete_per_language()
    {
        foreach (ISkillStore store in new ISkillStore[] { new InMemorySkillStore(), new FileSystemSkillStore(_folder.FullName) })
        {
            await store.SaveAsync(Margin);
            await store.SaveAsync(Margin with { Description = "Replaced." });
            await store.SaveAsync(Margin with { Language = "C#", Code = "double grossMargin(double price, double cost) => (price - cost) / price;" });

            (await store.ListAsync("JavaScript")).Should().ContainSingle().Which.Description.Should().Be("Replaced.");
            (await store.ListAsync("C#")).Should().ContainSingle();
            (await store.DeleteAsync("JavaScript", "grossMargin")).Should().BeTrue();
            (await store.ListAsync("JavaScript")).Should().BeEmpty();
        }
    }

    [TestCase("../escape")]
    [TestCase("a/b")]
    [TestCase("1st")]
    [TestCase("")]
    public async Task A_name_that_is_not_an_identifier_is_refused(string name)
    {
        var store = new FileSystemSkillStore(_folder.FullName);

        await FluentActions.Awaiting(async () => await store.SaveAsync(Margin with { Name = name })).Should().ThrowAsync<ArgumentException>().WithMessage("*plain identifier*");
        _folder.GetFiles("*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [TestCase("{ not json", "not valid skill JSON")]
    [TestCase("""{"Name":"grossMargin","Language":"JavaScript","Signature":"x","Description":"","Code":"x"}""", "needs a language, a signature, a description and code")]
    [TestCase("""{"Name":"other","Language":"JavaScript","Signature":"x","Description":"x","Code":"x"}""", "does not match its file name")]
    public async Task A_corrupt_or_tampered_file_is_a_clear_error_naming_it(string content, string expected)
    {
        var store = new FileSystemSkillStore(_folder.FullName);
        Directory.CreateDirectory(Path.Combine(_folder.FullName, "javascript"));
        var file = Path.Combine(_folder.FullName, "javascript", "grossMargin.json");
        await File.WriteAllTextAsync(file, content);

        await FluentActions.Awaiting(async () => await store.ListAsync("JavaScript")).Should().ThrowAsync<SkillStoreException>()
            .Where(e => e.Message.Contains(file) && e.Message.Contains(expected));
    }

    [Test]
    public async Task An_agent_loads_the_skills_into_its_session_and_lists_them_for_the_model()
    {
        var store = new FileSystemSkillStore(_folder.FullName);
        await store.SaveAsync(Margin);
        var agent = CreateAgent([Js("final_answer(grossMargin({ price: 10, cost: 6 }));")], skills: store);

        var result = await agent.RunAsync("What is the margin of an order sold at 10 that cost 6?");

        result.FinalAnswer!.Value.GetDouble().Should().Be(0.4);
        result.Messages[1].Text.Should().Contain("[saved skills: these functions are already defined in the session]\n- grossMargin(order): The gross margin of an order (0..1).");
    }

    [Test]
    public async Task A_skill_that_fails_or_loops_is_left_out_and_the_run_goes_on()
    {
        var store = new InMemorySkillStore();
        await store.SaveAsync(Margin);
        await store.SaveAsync(new Skill("spin", "JavaScript", "spin()", "Never returns.", "while (true) { }"));
        await store.SaveAsync(new Skill("broken", "JavaScript", "broken()", "Does not parse.", "function broken( {"));
        var agent = CreateAgent(
            [Js("final_answer(typeof spin + ',' + typeof broken + ',' + typeof grossMargin);")],
            o => o.Sandbox = new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(300) },
            skills: store);

        var result = await agent.RunAsync("Which skills are there?");

        result.FinalAnswerText.Should().Be("undefined,undefined,function");
        result.Messages[1].Text.Should().Contain("grossMargin(order)").And.NotContain("spin()").And.NotContain("broken()");
    }
}
