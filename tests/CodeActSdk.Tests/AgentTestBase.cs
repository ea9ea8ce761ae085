using CodeActSdk.Jint;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests;

/// <summary>A real Jint interpreter per fixture and helpers to script the model.</summary>
public abstract class AgentTestBase
{
    protected JintInterpreter Interpreter { get; private set; } = null!;

    protected ScriptedChatClient Client { get; set; } = null!;

    [OneTimeSetUp]
    public void CreateInterpreter() => Interpreter = new JintInterpreter();

    [OneTimeTearDown]
    public void DisposeInterpreter() => Interpreter.Dispose();

    /// <summary>A model turn: some prose and one <c>```js</c> block.</summary>
    protected static string Js(string code, string prose = "Next step.") => $"{prose}\n```js\n{code}\n```";

    /// <summary>An agent over the real interpreter, driven by <paramref name="turns"/>; the client is kept in <see cref="Client"/>.</summary>
    protected CodeActAgent CreateAgent(
        IEnumerable<string> turns,
        Action<CodeActOptions>? configure = null,
        IEnumerable<AIFunction>? tools = null,
        IChatReducer? memoryPolicy = null,
        ICodeInterpreter? interpreter = null,
        ISkillStore? skills = null,
        ICheckpointStore? checkpoints = null)
    {
        Client = new ScriptedChatClient(turns);
        var options = new CodeActOptions();
        configure?.Invoke(options);
        return new CodeActAgent(interpreter ?? Interpreter, new ChatClientCodeGenerator(Client), options, tools, memoryPolicy, skills: skills, checkpoints: checkpoints);
    }
}

/// <summary>Wraps the real interpreter to count the sessions it creates and disposes; the code still runs in Jint.</summary>
internal sealed class SessionCountingInterpreter(ICodeInterpreter inner) : ICodeInterpreter
{
    private int _created;
    private int _disposed;

    public int Created => Volatile.Read(ref _created);

    public int Disposed => Volatile.Read(ref _disposed);

    public CodeLanguage Language => inner.Language;

    public string DescribeTools(IReadOnlyList<AIFunction> tools) => inner.DescribeTools(tools);

    public async ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        var session = await inner.CreateSessionAsync(options, cancellationToken);
        Interlocked.Increment(ref _created);
        return new Session(session, this);
    }

    private sealed class Session(IInterpreterSession inner, SessionCountingInterpreter owner) : IInterpreterSession
    {
        public string Id => inner.Id;

        public ISessionFiles Files => inner.Files;

        public Task<ExecutionResult> ExecuteAsync(string code, CancellationToken cancellationToken = default) => inner.ExecuteAsync(code, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            Interlocked.Increment(ref owner._disposed);
        }
    }
}
