namespace CodeActSdk.Packaging.Tests;

/// <summary>
/// Process isolation without the worker package is a build error with what to add, not a failure at the first isolated
/// run. (That the same application builds and runs isolated with the worker is the CodeActSdk.Worker README's example.)
/// </summary>
[TestFixture]
public sealed class WorkerReferenceTests
{
    private const string Program = """
        using CodeActSdk;
        using CodeActSdk.Isolation;
        using CodeActSdk.Jint;

        using var jint = new JintInterpreter();
        var isolated = new IsolatedInterpreter(jint);
        await using var session = await isolated.CreateSessionAsync(new SandboxOptions { Isolation = SandboxIsolation.Process });
        Console.WriteLine((await session.ExecuteAsync("1 + 1")).Value);
        """;

    [Test]
    public async Task An_application_with_isolation_but_no_worker_fails_to_build_and_says_what_to_add()
    {
        var workspace = new ConsumerWorkspace(PackedPackages.Current, "no-worker");
        workspace.AddApplication("NoWorker", ["CodeActSdk.Isolation", "CodeActSdk.Jint"], Program);

        var build = await workspace.BuildAllAsync();

        build.Succeeded.Should().BeFalse();
        build.Output.Should().Contain("CODEACT0001").And.Contain("dotnet add package CodeActSdk.Worker");
    }

    [Test]
    public async Task An_application_that_deploys_the_worker_itself_can_turn_the_check_off()
    {
        var workspace = new ConsumerWorkspace(PackedPackages.Current, "own-worker");
        workspace.AddApplication("OwnWorker", ["CodeActSdk.Isolation", "CodeActSdk.Jint"], Program, "\n    <CodeActSdkSkipWorkerCheck>true</CodeActSdkSkipWorkerCheck>");

        var build = await workspace.BuildAllAsync();

        build.Succeeded.Should().BeTrue(build.Output);
    }
}
