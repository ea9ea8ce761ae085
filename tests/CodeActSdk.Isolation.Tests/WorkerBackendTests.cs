using System.Text.Json;
using CodeActSdk.Isolation;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.V8;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Isolation.Tests;

/// <summary>
/// Isolation knows a backend only by what it announces (its <see cref="WorkerBackend"/>), and the worker loads the
/// backend the host chose from the host's folder without referencing any.
/// </summary>
public sealed class WorkerBackendTests
{
    private static readonly SandboxOptions Isolated = new() { Isolation = SandboxIsolation.Process };

    [Test]
    public void The_worker_references_no_backend()
    {
        var deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "CodeActSdk.Worker.deps.json"));
        using var document = JsonDocument.Parse(deps);
        var libraries = document.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name).ToList();

        libraries.Should().Contain(l => l.StartsWith("CodeActSdk.Isolation/", StringComparison.Ordinal));
        libraries.Should().NotContain(l => l.StartsWith("CodeActSdk.Jint/", StringComparison.Ordinal)
            || l.StartsWith("CodeActSdk.V8/", StringComparison.Ordinal)
            || l.StartsWith("CodeActSdk.Roslyn/", StringComparison.Ordinal)
            || l.StartsWith("Jint/", StringComparison.Ordinal)
            || l.StartsWith("Microsoft.ClearScript", StringComparison.Ordinal)
            || l.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        typeof(IsolatedInterpreter).Assembly.GetReferencedAssemblies().Select(a => a.Name)
            .Should().NotContain(["CodeActSdk.Jint", "CodeActSdk.V8", "CodeActSdk.Roslyn"]);
    }

    [Test]
    public void Each_backend_announces_how_a_worker_runs_it()
    {
        var jint = new JintInterpreter().GetService<WorkerBackend>()!;
        var csharp = new RoslynInterpreter().GetService<WorkerBackend>()!;
        var v8 = new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0 }).GetService<WorkerBackend>()!;

        (jint.Name, jint.InterpreterType, jint.TimeAllowance, jint.NotIsolatableReason).Should().Be(("jint", typeof(JintInterpreter), TimeSpan.Zero, null));
        (csharp.Name, csharp.InterpreterType).Should().Be(("csharp", typeof(RoslynInterpreter)));
        csharp.TimeAllowance.Should().Be(new RoslynInterpreterOptions().MaxCompileTime + TimeSpan.FromSeconds(2));
        (v8.Name, v8.InterpreterType, v8.ReservesAddressSpace).Should().Be(("v8", typeof(V8Interpreter), true));
        new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0, AllowWebAssembly = true }).GetService<WorkerBackend>()!
            .NotIsolatableReason.Should().Contain("V8InterpreterOptions.AllowWebAssembly");
        new JintInterpreter().GetService<WorkerBackend>(serviceKey: "other").Should().BeNull();
    }

    [Test]
    public void Each_backend_announces_its_call_previewer_and_isolation_keeps_it_visible()
    {
        using var jint = new JintInterpreter();
        using var csharp = new RoslynInterpreter();
        using var v8 = new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0 });
        using var isolatedJint = new IsolatedInterpreter(jint);
        using var isolatedCsharp = new IsolatedInterpreter(csharp);

        jint.GetService<ICallPreviewer>().Should().NotBeNull();
        v8.GetService<ICallPreviewer>().Should().BeSameAs(jint.GetService<ICallPreviewer>());
        isolatedJint.GetService<ICallPreviewer>().Should().BeSameAs(jint.GetService<ICallPreviewer>());
        isolatedCsharp.GetService<ICallPreviewer>().Should().BeSameAs(csharp.GetService<ICallPreviewer>());
        csharp.GetService<ICallPreviewer>()!.Preview("tools.Add(1, 2);", [AIFunctionFactory.Create((int a, int b) => a + b, "add")])
            .Calls.Should().ContainSingle(c => c.ToolName == "add");
    }

    [Test]
    public void An_interpreter_that_does_not_say_how_a_worker_runs_it_is_refused_with_what_to_do()
    {
        var wrap = () => new IsolatedInterpreter(new Unannounced());

        wrap.Should().Throw<ArgumentException>().WithMessage("*GetService(typeof(WorkerBackend))*");
    }

    [Test]
    public void A_backend_setting_the_worker_cannot_honour_is_refused()
    {
        var wrap = () => new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0, AllowWebAssembly = true }).WithProcessIsolation();

        wrap.Should().Throw<ArgumentException>().WithMessage("*default settings*V8InterpreterOptions.AllowWebAssembly*in process*");
    }

    [Test]
    public async Task A_decorated_backend_is_still_found_and_runs_in_a_worker()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0 });
        await using var interpreter = new Passthrough(new JintInterpreter()).WithProcessIsolation(pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated);

        var result = await session.ExecuteAsync("6 * 7");

        interpreter.Backend.Should().Be("jint");
        interpreter.GetService<JintInterpreter>().Should().NotBeNull("GetService goes through the isolation decorator to the backend");
        result.Value!.Value.GetRawText().Should().Be("42", result.Error?.Message);
    }

    [Test]
    public async Task The_worker_loads_the_V8_backend_and_its_native_library_from_the_host_folder()
    {
        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Assert.Ignore(reason);
        }

        await using var pool = new WorkerPool(new WorkerPoolOptions { Size = 0 });
        await using var interpreter = new V8Interpreter(new V8InterpreterOptions { WarmIsolates = 0 }).WithProcessIsolation(pool);
        await using var session = await interpreter.CreateSessionAsync(Isolated);

        var result = await session.ExecuteAsync("[1, 2, 3].map(x => x * 2).join(',')");

        session.Should().BeOfType<IsolatedSession>().Which.WorkerProcessId.Should().NotBe(Environment.ProcessId);
        result.Value!.Value.GetString().Should().Be("2,4,6", result.Error?.Message);
    }

    private sealed class Passthrough(ICodeInterpreter inner) : DelegatingCodeInterpreter(inner);

    private sealed class Unannounced : ICodeInterpreter
    {
        public CodeLanguage Language { get; } = new JintInterpreter().Language;

        public string DescribeTools(IReadOnlyList<AIFunction> tools) => "";

        public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
