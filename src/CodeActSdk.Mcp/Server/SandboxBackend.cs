namespace CodeActSdk.Mcp.Server;

/// <summary>
/// A backend that <see cref="SandboxMcpServer"/> can run code in, named as MCP clients name it in
/// <c>execute_code</c>'s <c>backend</c> argument.
/// </summary>
/// <remarks>
/// A backend that cannot run on this machine is still worth registering with <see cref="Unavailable"/>: the tool
/// description then tells the MCP host why it is missing, and a call naming it gets that reason instead of
/// "unknown backend".
/// </remarks>
public sealed record SandboxBackend
{
    /// <summary>A backend that runs code in interpreters made by <paramref name="createInterpreter"/>.</summary>
    /// <param name="name">The name clients pass as <c>backend</c>, for example <c>jint</c>. Matched case-insensitively.</param>
    /// <param name="description">What the language is, for the tool description, for example <c>JavaScript (ECMAScript 2023)</c>.</param>
    /// <param name="createInterpreter">
    /// Creates the interpreter. Called once, on the first execution that needs it; the interpreter then serves every
    /// session of this backend and is disposed with the server when it is <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>.
    /// </param>
    public SandboxBackend(string name, string description, Func<ICodeInterpreter> createInterpreter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(createInterpreter);
        Name = name;
        Description = description;
        CreateInterpreter = createInterpreter;
    }

    private SandboxBackend(string name, string description, string unavailableReason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentException.ThrowIfNullOrWhiteSpace(unavailableReason);
        Name = name;
        Description = description;
        UnavailableReason = unavailableReason;
    }

    /// <summary>The name clients pass as <c>backend</c>.</summary>
    public string Name { get; }

    /// <summary>What the language is, as the tool description shows it.</summary>
    public string Description { get; }

    /// <summary>Creates the interpreter; <see langword="null"/> when the backend is unavailable.</summary>
    public Func<ICodeInterpreter>? CreateInterpreter { get; }

    /// <summary>Why the backend cannot run here; <see langword="null"/> when it can.</summary>
    public string? UnavailableReason { get; }

    /// <summary>Whether code can run in this backend.</summary>
    public bool IsAvailable => UnavailableReason is null;

    /// <summary>
    /// A backend that cannot run on this machine. It is not offered to clients, but the tool description names it
    /// with <paramref name="reason"/>, and so does the error of a call that asks for it.
    /// </summary>
    /// <param name="name">The backend's name, for example <c>v8</c>.</param>
    /// <param name="description">What the language would be.</param>
    /// <param name="reason">Why it is unavailable and, where possible, how to make it available.</param>
    public static SandboxBackend Unavailable(string name, string description, string reason) => new(name, description, reason);
}
