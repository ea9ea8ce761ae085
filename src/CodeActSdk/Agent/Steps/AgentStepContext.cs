using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// What one step of a run works with, handed down the step pipeline: the conversation so far, the session, and the
/// seams the innermost step uses (the model and the interpreter session), which a middleware may wrap for this step.
/// </summary>
/// <remarks>
/// A context belongs to one step of one run and is used from one flow of control at a time; it is not thread-safe.
/// The innermost step reads <see cref="History"/> (through the memory policy), asks <see cref="Generator"/> for the
/// model's turn unless <see cref="Turn"/> is already set, and runs the turn's code in <see cref="Interpreter"/>.
/// </remarks>
public sealed class AgentStepContext
{
    private ICodeGenerator _generator;
    private IInterpreterSession _interpreter;

    internal AgentStepContext(AgentSession session, IReadOnlyList<ChatMessage> history, int number, int maxSteps, ICodeGenerator generator, DurableRun? durable, ActivityContext runActivity, StepScope scope, TypedAnswerRun? typedAnswer = null)
    {
        TypedAnswer = typedAnswer;
        Scope = scope;
        Session = session;
        History = history;
        Number = number;
        IsLastStep = number == maxSteps;
        _generator = generator;
        _interpreter = session.Session;
        Durable = durable;
        RunActivity = runActivity;
        Replaying = durable?.JournaledTurn(number) is not null;
    }

    /// <summary>The step's number, from 1.</summary>
    public int Number { get; }

    /// <summary>Whether this is the last step the run's budget allows; a step that ends without an answer ends the run.</summary>
    public bool IsLastStep { get; }

    /// <summary>
    /// Whether this step is being replayed from a durable run's journal: the model's turn comes from the journal, and
    /// tools' results are served from it. A middleware that would ask a person or another model should not ask again.
    /// </summary>
    public bool Replaying { get; }

    /// <summary>The conversation before this step: the system prompt, the task, and each earlier turn and observation.</summary>
    public IReadOnlyList<ChatMessage> History { get; }

    /// <summary>The run's session: its interpreter session, files and plan.</summary>
    public AgentSession Session { get; }

    /// <summary>The model that writes this step's turn. A middleware may wrap it (for example to record or review the turn).</summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public ICodeGenerator Generator
    {
        get => _generator;
        set => _generator = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Where this step's code runs: the session's interpreter session, unless a middleware wrapped it (for example to
    /// record executions, or to ask for approval before code runs).
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public IInterpreterSession Interpreter
    {
        get => _interpreter;
        set => _interpreter = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// The model's turn, when a middleware supplies it before the innermost step runs (the journal does when it replays
    /// a step); the model is then not asked and the memory policy not applied. <see langword="null"/> otherwise.
    /// </summary>
    public ModelTurn? Turn { get; set; }

    /// <summary>The type the run's final answer must have (<see cref="AgentRunRequest.AnswerSchema"/>); <see langword="null"/> when any answer is accepted.</summary>
    public AnswerSchema? AnswerSchema => TypedAnswer?.Schema;

    /// <summary>The typed run's answer check, or null.</summary>
    internal TypedAnswerRun? TypedAnswer { get; }

    /// <summary>What the step's tools reach: its approvals (and the request it stopped at) and its sub-agents' runs.</summary>
    internal StepScope Scope { get; }

    /// <summary>The journal of a durable run; <see langword="null"/> for other runs.</summary>
    internal DurableRun? Durable { get; }

    /// <summary>The run's activity, the parent of the step's (an async iterator loses <see cref="Activity.Current"/> between steps).</summary>
    internal ActivityContext RunActivity { get; }
}
