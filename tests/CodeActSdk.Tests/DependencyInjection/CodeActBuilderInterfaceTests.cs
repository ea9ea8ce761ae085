using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.Tests.DependencyInjection;

/// <summary>
/// A backend's registration method (here <c>UseJint()</c>) is written over <see cref="ICodeActBuilder"/>, so that the
/// backend package does not reference the agent: it must keep the caller's builder type and register the interpreter.
/// </summary>
public class CodeActBuilderInterfaceTests
{
    [Test]
    public async Task UseJint_keeps_the_agents_builder_so_the_chain_goes_on()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b.UseJint().UseChatClient(new ScriptedChatClient(["```js\nfinal_answer(6 * 7);\n```"])));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ICodeInterpreter>().Should().BeOfType<JintInterpreter>();
        var result = await provider.GetRequiredService<CodeActAgent>().RunAsync("Multiply 6 by 7.");
        result.FinalAnswer!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task UseJint_registers_the_interpreter_on_any_builder_and_returns_that_builder()
    {
        var builder = new MinimalBuilder(new ServiceCollection());

        var returned = builder.UseJint();

        returned.Should().BeSameAs(builder);
        builder.Calls.Should().Be(1);
        await using var provider = builder.Services.BuildServiceProvider();
        provider.GetRequiredService<ICodeInterpreter>().Should().BeOfType<JintInterpreter>();
    }

    [Test]
    public void The_interface_method_of_CodeActBuilder_is_its_UseInterpreter()
    {
        var services = new ServiceCollection();
        var builder = new CodeActBuilder(services);
        using var first = new JintInterpreter();
        builder.UseInterpreter(first);

        var returned = ((ICodeActBuilder)builder).UseInterpreter(_ => new JintInterpreter());

        returned.Should().BeSameAs(builder);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<ICodeInterpreter>().Should().BeOfType<JintInterpreter>()
            .And.NotBeSameAs(first, "a later registration replaces an earlier one");
        services.Count(d => d.ServiceType == typeof(ICodeInterpreter)).Should().Be(1);
    }

    /// <summary>A builder that is not the agent's: what a host or another package could pass to a backend's method.</summary>
    private sealed class MinimalBuilder(IServiceCollection services) : ICodeActBuilder
    {
        public IServiceCollection Services { get; } = services;

        public int Calls { get; private set; }

        public ICodeActBuilder UseInterpreter(Func<IServiceProvider, ICodeInterpreter> factory)
        {
            Calls++;
            Services.AddSingleton(factory);
            return this;
        }

        public ICodeActBuilder UseInterpreterDecorator(Func<ICodeInterpreter, IServiceProvider, ICodeInterpreter> decorator) =>
            throw new NotSupportedException("Backends' registration methods do not decorate.");

        public ICodeActBuilder ConfigureSandbox(Func<SandboxOptions, SandboxOptions> configure) =>
            throw new NotSupportedException("Backends' registration methods do not change the sandbox options.");
    }
}
