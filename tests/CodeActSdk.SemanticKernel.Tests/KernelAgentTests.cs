using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CodeActSdk.SemanticKernel.Tests;

public sealed class KernelAgentTests
{
    private readonly Jint.JintInterpreter _interpreter = new();

    [OneTimeTearDown]
    public void TearDown() => _interpreter.Dispose();

    [Test]
    public async Task UseKernel_takes_the_kernels_chat_service_as_the_model_and_its_plugins_as_tools()
    {
        var model = new ScriptedChatClient([
            "```js\nconst temps = Weather_temperatures('Oslo', 4);\nconsole.log(temps);\n```",
            "```js\nfinal_answer(temps.reduce((a, b) => a + b, 0) / temps.length);\n```",
        ]);
        var kernel = WeatherPlugin.KernelWithPlugin(out var plugin, b => b.Services.AddSingleton(model.AsChatCompletionService()));
        await using var services = new ServiceCollection().AddCodeAct(b => b.UseJint().UseKernel(kernel)).BuildServiceProvider();
        var agent = services.GetRequiredService<CodeActAgent>();

        var result = await agent.RunAsync("What is the average of the last four days in Oslo?");

        result.Succeeded.Should().BeTrue(result.LastObservation);
        result.FinalAnswerText.Should().Be("5.75");
        plugin.Calls.Should().Equal("Oslo/4");
        agent.Tools.Select(t => t.Name).Should().Equal("Weather_temperatures", "Weather_fail");
        agent.SystemPrompt.Should().Contain("@param {string} city - The city, for example Oslo");
        model.CallCount.Should().Be(2);
    }

    [Test]
    public void UseKernel_on_a_kernel_without_a_chat_model_says_what_to_add()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out _);

        var act = () => new ServiceCollection().AddCodeAct(b => b.UseJint().UseKernel(kernel));

        act.Should().Throw<ArgumentException>().WithParameterName("kernel")
            .WithMessage("*no chat model*IChatCompletionService*IChatClient*");
    }

    [Test]
    public async Task The_agent_as_a_kernel_function_answers_a_task()
    {
        using var agent = Agent(
            "```js\nlet total = 0;\nfor (let i = 1; i <= 100; i++) total += i * i;\nfinal_answer(total);\n```");
        var kernel = new Kernel();
        kernel.Plugins.Add(agent.AsKernelPlugin());

        var answer = await kernel.InvokeAsync<string>("codeact", "solve_with_code", new KernelArguments { ["task"] = "Sum the squares of 1 to 100." });

        answer.Should().Be("338350");
    }

    [Test]
    public void The_agent_function_documents_its_task_parameter_and_its_answer()
    {
        using var agent = Agent("```js\nfinal_answer(1);\n```");

        var function = agent.AsKernelFunction();

        function.Name.Should().Be("solve_with_code");
        function.Description.Should().Contain("writing and running code");
        function.Metadata.Parameters.Should().ContainSingle().Which.Should().Match<KernelParameterMetadata>(p => p.Name == "task" && p.IsRequired && p.Description!.Contains("self-contained"));
        function.Metadata.ReturnParameter.Description.Should().Contain("answer");
    }

    [Test]
    public async Task A_model_calling_the_agent_function_through_automatic_function_calling_gets_the_agents_answer()
    {
        using var agent = Agent("```js\nfinal_answer(6 * 7);\n```");
        var outer = new ScriptedChatClient([
            ScriptedChatClient.CallTool("codeact_solve_with_code", new Dictionary<string, object?> { ["task"] = "What is 6 times 7?" }),
            new ChatMessage(ChatRole.Assistant, "The answer is 42."),
        ]);
        var kernel = new Kernel();
        kernel.Plugins.Add(agent.AsKernelPlugin());
        var chat = outer.AsBuilder().UseKernelFunctionInvocation().Build().AsChatCompletionService();
        var history = new ChatHistory();
        history.AddUserMessage("What is 6 times 7?");

        var reply = await chat.GetChatMessageContentAsync(history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);

        reply.Content.Should().Be("The answer is 42.");
        FunctionResults(history).Should().ContainSingle().Which.Should().Be("42");
    }

    [Test]
    public async Task An_agent_that_finds_no_answer_says_so_instead_of_failing()
    {
        using var agent = Agent(maxSteps: 1, "```js\nconsole.log('still thinking');\n```");

        var answer = await agent.AsKernelFunction().InvokeAsync<string>(new Kernel(), new KernelArguments { ["task"] = "Think." });

        answer.Should().StartWith("No answer within 1 step.").And.Contain("still thinking");
    }

    [Test]
    public async Task An_empty_task_is_answered_with_what_to_do()
    {
        using var agent = Agent("```js\nfinal_answer(1);\n```");

        var answer = await agent.AsKernelFunction().InvokeAsync<string>(new Kernel(), new KernelArguments { ["task"] = " " });

        answer.Should().Contain("No task was given");
    }

    [Test]
    public void An_invalid_function_or_plugin_name_is_refused_with_the_parameter_named()
    {
        using var agent = Agent("```js\nfinal_answer(1);\n```");

        agent.Invoking(a => a.AsKernelFunction("solve with code")).Should().Throw<ArgumentException>().WithParameterName("functionName");
        agent.Invoking(a => a.AsKernelPlugin("code-act")).Should().Throw<ArgumentException>().WithParameterName("pluginName");
    }

    internal static IEnumerable<string?> FunctionResults(ChatHistory history) =>
        history.SelectMany(m => m.Items.OfType<Microsoft.SemanticKernel.FunctionResultContent>()).Select(r => r.Result?.ToString());

    private CodeActAgent Agent(params string[] turns) => Agent(maxSteps: 5, turns);

    private CodeActAgent Agent(int maxSteps, params string[] turns) =>
        new(_interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), new CodeActOptions { MaxSteps = maxSteps });
}
