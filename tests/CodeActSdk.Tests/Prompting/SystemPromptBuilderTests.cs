using CodeActSdk.Jint;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Prompting;

public class SystemPromptBuilderTests
{
    private static readonly CodeLanguage Language = new(
        "Lisp", "Scheme R7RS small, no call/cc", ["scheme", "scm"], "Print with (display x).");

    [Test]
    public void Names_the_language_its_dialect_its_guidance_and_its_fence_tag()
    {
        var prompt = SystemPromptBuilder.Build(Language, "", 4000);

        prompt.Should().Contain("Lisp")
            .And.Contain("Scheme R7RS small, no call/cc")
            .And.Contain("Print with (display x).")
            .And.Contain("```scheme");
    }

    [Test]
    public void States_the_rules_of_the_loop()
    {
        var prompt = SystemPromptBuilder.Build(Language, "", 1234);

        prompt.Should().Contain("final_answer(value)", "the model must know how to finish");
        prompt.Should().Contain("keeps its state between steps");
        prompt.Should().Contain("never in your head");
        prompt.Should().Contain("truncated to about 1234 characters");
        prompt.Should().Contain("Observation:");
    }

    [Test]
    public void Includes_the_tool_documentation()
    {
        var prompt = SystemPromptBuilder.Build(Language, "(define (lookup key) ...) ; finds a key", 4000);

        prompt.Should().Contain("(define (lookup key) ...) ; finds a key");
    }

    [Test]
    public void Says_when_there_are_no_tools()
    {
        SystemPromptBuilder.Build(Language, " ", 4000).Should().Contain("No tools are available");
    }

    [Test]
    public void Appends_the_hosts_instructions_last()
    {
        var prompt = SystemPromptBuilder.Build(Language, "", 4000, "Answer in French.");

        prompt.Should().EndWith("Answer in French.");
    }

    [Test]
    public void The_agent_prompt_uses_the_backend_language_and_its_tool_documentation()
    {
        using var interpreter = new JintInterpreter();
        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add", "Adds two integers.");
        using var agent = new CodeActAgent(interpreter, new ChatClientCodeGenerator(CodeActSdk.Testing.ScriptedChatClient.FromText("## turn\nx")), new CodeActOptions(), [add]);

        agent.SystemPrompt.Should().Contain(interpreter.Language.Dialect)
            .And.Contain("```" + interpreter.Language.FenceTags[0])
            .And.Contain(interpreter.DescribeTools([add]))
            .And.Contain("final_answer(value)");
    }
}
