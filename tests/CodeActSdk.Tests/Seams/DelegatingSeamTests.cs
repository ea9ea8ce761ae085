using CodeActSdk.Jint;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Seams;

/// <summary>Decorators built on the delegating bases pass every call through, answer GetService through layers, and dispose what they wrap.</summary>
public class DelegatingSeamTests
{
    [Test]
    public async Task A_delegating_interpreter_forwards_every_member_to_the_inner_one()
    {
        var inner = new RecordingInterpreter();
        using var outer = new Layer(inner);
        var tools = new List<AIFunction> { AIFunctionFactory.Create(() => 1, "one") };

        outer.Language.Should().BeSameAs(inner.Language);
        outer.DescribeTools(tools).Should().Be("described 1 tools");
        var session = await outer.CreateSessionAsync(new SandboxOptions());

        session.Should().BeSameAs(inner.LastSession);
        inner.Calls.Should().Equal("DescribeTools", "CreateSessionAsync");
    }

    [Test]
    public async Task A_delegating_session_forwards_every_member_to_the_inner_one()
    {
        var inner = new RecordingSession();
        await using var outer = new SessionLayer(inner);
        using var cancellation = new CancellationTokenSource();

        outer.Id.Should().Be("inner-session");
        outer.Files.Should().BeSameAs(inner.Files);
        var result = await outer.ExecuteAsync("1 + 1", cancellation.Token);
        var variables = await outer.DescribeVariablesAsync();

        result.Stdout.Should().Be("ran 1 + 1");
        variables.Should().ContainSingle().Which.Name.Should().Be("x");
        inner.Calls.Should().Equal("ExecuteAsync", "DescribeVariablesAsync");
        inner.LastToken.Should().Be(cancellation.Token);
    }

    [Test]
    public void GetService_answers_through_two_layers_of_decorators()
    {
        var backend = new JintInterpreter();
        using var inner = new Layer(backend);
        using var outer = new OtherLayer(inner);

        outer.GetService<OtherLayer>().Should().BeSameAs(outer);
        outer.GetService<Layer>().Should().BeSameAs(inner);
        outer.GetService<JintInterpreter>().Should().BeSameAs(backend);
        outer.GetService<WorkerBackend>()!.Name.Should().Be("jint");
        outer.GetService<ICodeInterpreter>().Should().BeSameAs(outer, "the outermost object of the asked type answers first");
        outer.GetService<string>().Should().BeNull();
        outer.GetService<Layer>(serviceKey: "key").Should().BeNull("nothing is offered under a key");
        var withoutType = () => outer.GetService(null!);
        withoutType.Should().Throw<ArgumentNullException>();
    }

    [Test]
    public async Task Session_GetService_answers_through_two_layers_and_the_default_answers_for_the_session_itself()
    {
        var inner = new RecordingSession();
        await using var outer = new OtherSessionLayer(new SessionLayer(inner));

        outer.GetService<OtherSessionLayer>().Should().BeSameAs(outer);
        outer.GetService<SessionLayer>().Should().NotBeNull();
        outer.GetService<RecordingSession>().Should().BeSameAs(inner);
        outer.GetService<RecordingSession>(serviceKey: 1).Should().BeNull();
        ((IInterpreterSession)inner).GetService(typeof(Uri)).Should().BeNull();
    }

    [Test]
    public async Task Disposing_a_delegating_interpreter_disposes_the_inner_one_synchronously_or_asynchronously()
    {
        var first = new RecordingInterpreter();
        new Layer(first).Dispose();
        first.Disposed.Should().Be(1);

        var second = new RecordingInterpreter();
        await new OtherLayer(new Layer(second)).DisposeAsync();
        second.AsyncDisposed.Should().Be(1, "the dispose goes through both layers to the backend");
    }

    [Test]
    public async Task Disposing_a_delegating_session_disposes_the_inner_one()
    {
        var inner = new RecordingSession();
        await new OtherSessionLayer(new SessionLayer(inner)).DisposeAsync();

        inner.Disposed.Should().Be(1);
    }

    [Test]
    public void The_delegating_bases_refuse_a_null_inner_object()
    {
        var interpreter = () => new Layer(null!);
        var session = () => new SessionLayer(null!);

        interpreter.Should().Throw<ArgumentNullException>();
        session.Should().Throw<ArgumentNullException>();
    }

    private sealed class Layer(ICodeInterpreter inner) : DelegatingCodeInterpreter(inner);

    private sealed class OtherLayer(ICodeInterpreter inner) : DelegatingCodeInterpreter(inner);

    private sealed class SessionLayer(IInterpreterSession inner) : DelegatingInterpreterSession(inner);

    private sealed class OtherSessionLayer(IInterpreterSession inner) : DelegatingInterpreterSession(inner);

    private sealed class RecordingInterpreter : ICodeInterpreter, IAsyncDisposable, IDisposable
    {
        public List<string> Calls { get; } = [];

        public IInterpreterSession? LastSession { get; private set; }

        public int Disposed { get; private set; }

        public int AsyncDisposed { get; private set; }

        public CodeLanguage Language { get; } = new JintInterpreter().Language;

        public string DescribeTools(IReadOnlyList<AIFunction> tools)
        {
            Calls.Add(nameof(DescribeTools));
            return $"described {tools.Count} tools";
        }

        public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default)
        {
            Calls.Add(nameof(CreateSessionAsync));
            LastSession = new RecordingSession();
            return ValueTask.FromResult(LastSession);
        }

        public void Dispose() => Disposed++;

        public ValueTask DisposeAsync()
        {
            AsyncDisposed++;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class RecordingSession : IInterpreterSession
    {
        public List<string> Calls { get; } = [];

        public CancellationToken LastToken { get; private set; }

        public int Disposed { get; private set; }

        public string Id => "inner-session";

        public ISessionFiles Files { get; } = new FakeFiles();

        public Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default)
        {
            Calls.Add(nameof(ExecuteAsync));
            LastToken = cancellationToken;
            return Task.FromResult(new ExecutionResult { Status = ExecutionStatus.Completed, Stdout = $"ran {code}" });
        }

        public ValueTask<IReadOnlyList<VariableSummary>> DescribeVariablesAsync(CancellationToken cancellationToken = default)
        {
            Calls.Add(nameof(DescribeVariablesAsync));
            return ValueTask.FromResult<IReadOnlyList<VariableSummary>>([new VariableSummary("x", "number", "2")]);
        }

        public ValueTask DisposeAsync()
        {
            Disposed++;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FakeFiles : ISessionFiles
    {
        public IReadOnlyList<FileMount> Mounts => [];

        public IReadOnlyList<SandboxFileInfo> Uploads => [];

        public IReadOnlyList<Artifact> Artifacts => [];

        public Task<SandboxFileInfo> AddAsync(string path, Stream content, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
