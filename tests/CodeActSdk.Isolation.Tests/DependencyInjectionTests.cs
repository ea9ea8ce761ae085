using CodeActSdk.Isolation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CodeActSdk.Isolation.Tests;

/// <summary><c>services.AddCodeAct(b =&gt; b.UseJint().UseProcessIsolation())</c>: the agent's sessions run in workers.</summary>
public sealed class DependencyInjectionTests
{
    [Test]
    public async Task UseProcessIsolation_runs_the_agents_code_in_a_worker_and_the_provider_stops_the_workers()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseJint()
            .UseProcessIsolation(new WorkerPoolOptions { Size = 0 })
            .Configure(o => o.Sandbox = new SandboxOptions { Timeout = TimeSpan.FromSeconds(20) }));
        var provider = services.BuildServiceProvider();

        var interpreter = provider.GetRequiredService<ICodeInterpreter>();
        var options = provider.GetRequiredService<IOptions<CodeActOptions>>().Value;
        await using (var session = await interpreter.CreateSessionAsync(options.Sandbox))
        {
            var result = await session.ExecuteAsync("var x = 6 * 7; x");

            interpreter.Should().BeOfType<IsolatedInterpreter>().Which.Backend.Should().Be("jint");
            options.Sandbox.Isolation.Should().Be(SandboxIsolation.Process, "the isolation setting wins over a later Configure");
            options.Sandbox.Timeout.Should().Be(TimeSpan.FromSeconds(20));
            session.Should().BeOfType<IsolatedSession>().Which.WorkerProcessId.Should().NotBe(Environment.ProcessId);
            result.Value!.Value.GetRawText().Should().Be("42");
        }

        await provider.DisposeAsync();

        var afterDispose = async () => await interpreter.CreateSessionAsync(options.Sandbox);
        await afterDispose.Should().ThrowAsync<ObjectDisposedException>("the provider owns the worker pool");
    }

    [Test]
    public async Task Disposing_the_provider_synchronously_closes_the_worker_pool()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b.UseJint().UseProcessIsolation(new WorkerPoolOptions { Size = 1 }));
        var provider = services.BuildServiceProvider();
        var interpreter = (IsolatedInterpreter)provider.GetRequiredService<ICodeInterpreter>();
        var options = provider.GetRequiredService<IOptions<CodeActOptions>>().Value;
        await using (var session = await interpreter.CreateSessionAsync(options.Sandbox))
        {
            (await session.ExecuteAsync("1 + 1")).Status.Should().Be(ExecutionStatus.Completed);
        }

        var dispose = () => provider.Dispose();

        dispose.Should().NotThrow();
        var afterDispose = async () => await interpreter.CreateSessionAsync(options.Sandbox);
        await afterDispose.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public void UseProcessIsolation_before_any_backend_says_what_to_call_first()
    {
        var register = () => new ServiceCollection().AddCodeAct(b => b.UseProcessIsolation());

        register.Should().Throw<InvalidOperationException>().WithMessage("*UseJint()*before*");
    }
}
