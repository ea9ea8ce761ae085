using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CodeActSdk.Tests.DependencyInjection;

public class AddCodeActTests : AgentTestBase
{
    [Test]
    public async Task Resolves_a_working_agent_with_the_configured_parts()
    {
        var add = AIFunctionFactory.Create((int a, int b) => a + b, "add", "Adds two integers.");
        var client = new ScriptedChatClient([Js("final_answer(add(20, 22));")]);
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseInterpreter(Interpreter)
            .UseChatClient(client)
            .AddTools(add)
            .Configure(o => o.MaxSteps = 3));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var agent = provider.GetRequiredService<CodeActAgent>();
        var result = await agent.RunAsync("Add 20 and 22.");

        result.FinalAnswer!.Value.GetInt32().Should().Be(42);
        agent.Tools.Should().ContainSingle().Which.Name.Should().Be("add");
        provider.GetRequiredService<CodeActAgent>().Should().BeSameAs(agent, "the agent is a stateless singleton");
        provider.GetRequiredKeyedService<IChatReducer>(CodeActBuilder.ServiceKey).Should().BeOfType<KeepAllMemoryPolicy>();
        provider.GetRequiredService<ICodeGenerator>().Should().BeOfType<ChatClientCodeGenerator>();
        provider.GetRequiredService<IOptions<CodeActOptions>>().Value.MaxSteps.Should().Be(3);
    }

    [Test]
    public void A_missing_interpreter_says_what_to_call()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b.UseChatClient(new ScriptedChatClient(["x"])));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<CodeActAgent>();

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("No interpreter is registered. Call builder.UseJint() (package CodeActSdk.Jint) or builder.UseInterpreter(...).");
    }

    [Test]
    public void A_missing_chat_client_says_what_to_call()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b.UseInterpreter(Interpreter));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<CodeActAgent>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*No chat client*UseChatClient*");
    }

    [Test]
    public void Falls_back_to_the_applications_chat_client_and_passes_the_chat_options()
    {
        var appClient = new ScriptedChatClient(["x"]);
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(appClient);
        services.AddCodeAct(b => b.UseInterpreter(_ => Interpreter).Configure(o => o.ChatOptions = new ChatOptions { ModelId = "model-y" }));
        using var provider = services.BuildServiceProvider();

        var generator = provider.GetRequiredService<ICodeGenerator>().Should().BeOfType<ChatClientCodeGenerator>().Subject;

        generator.ModelId.Should().Be("model-y");
        provider.GetRequiredService<IChatClient>().Should().BeSameAs(appClient, "UseChatClient never replaces the application's client");
    }

    [Test]
    public void The_builders_chat_client_does_not_replace_the_applications()
    {
        var appClient = new ScriptedChatClient(["app"]);
        var agentClient = new ScriptedChatClient(["agent"]);
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(appClient);
        services.AddCodeAct(b => b.UseInterpreter(Interpreter).UseChatClient(_ => agentClient));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IChatClient>().Should().BeSameAs(appClient);
        provider.GetRequiredKeyedService<IChatClient>(CodeActBuilder.ServiceKey).Should().BeSameAs(agentClient);
    }

    [Test]
    public void Use_methods_replace_earlier_choices()
    {
        var generator = new ChatClientCodeGenerator(new ScriptedChatClient(["x"]));
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseInterpreter(Interpreter)
            .UseCodeGenerator(_ => generator)
            .UseMemoryPolicy(KeepAllMemoryPolicy.Instance)
            .UseSlidingWindow(4));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ICodeGenerator>().Should().BeSameAs(generator);
        provider.GetRequiredKeyedService<IChatReducer>(CodeActBuilder.ServiceKey).Should().BeOfType<SlidingWindowMemoryPolicy>().Which.Turns.Should().Be(4);
        provider.GetKeyedServices<IChatReducer>(CodeActBuilder.ServiceKey).Should().ContainSingle();
        provider.GetRequiredService<CodeActAgent>().Should().NotBeNull();
    }

    [Test]
    public void Tools_can_come_from_a_factory_and_from_several_calls()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new Greeting("hello"));
        services.AddCodeAct(b => b
            .UseInterpreter(Interpreter)
            .UseChatClient(new ScriptedChatClient(["x"]))
            .AddTool(sp => AIFunctionFactory.Create(() => sp.GetRequiredService<Greeting>().Text, "greet"))
            .AddTools(new[] { AIFunctionFactory.Create(() => 1, "one") }.AsEnumerable())
            .AddTool(AIFunctionFactory.Create(() => 2, "two")));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<CodeActAgent>().Tools.Select(t => t.Name).Should().Equal("greet", "one", "two");
    }

    [Test]
    public void Invalid_options_fail_on_resolve_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseInterpreter(Interpreter)
            .UseChatClient(new ScriptedChatClient(["x"]))
            .Configure(o => o.MaxSteps = 0));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<CodeActAgent>();

        act.Should().Throw<OptionsValidationException>().WithMessage("*CodeActOptions.MaxSteps must be between 1 and 1000 (was 0)*");
    }

    [Test]
    public async Task Invalid_sandbox_limits_fail_at_start_naming_the_limit()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseInterpreter(Interpreter)
            .UseChatClient(new ScriptedChatClient(["x"]))
            .Configure(o => o.Sandbox = new SandboxOptions { Timeout = TimeSpan.Zero }));
        using var provider = services.BuildServiceProvider();

        // Microsoft.Extensions.Options 11 runs start validation through IAsyncStartupValidator (IStartupValidator is obsolete).
        var act = () => provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);

        await act.Should().ThrowAsync<OptionsValidationException>().WithMessage("*CodeActOptions.Sandbox is invalid: SandboxOptions.Timeout*");
    }

    [Test]
    public async Task Valid_options_pass_the_start_validation()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b.UseInterpreter(Interpreter).UseChatClient(new ScriptedChatClient(["x"])));
        using var provider = services.BuildServiceProvider();

        await FluentActions.Awaiting(() => provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None))
            .Should().NotThrowAsync();
    }

    private sealed record Greeting(string Text);
}
