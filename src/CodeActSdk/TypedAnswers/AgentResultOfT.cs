using System.Diagnostics.CodeAnalysis;

namespace CodeActSdk;

/// <summary>
/// The result of a typed run (<see cref="CodeActAgent.RunAsync{T}(AgentRunRequest, CancellationToken)"/>): the whole
/// run, as <see cref="AgentResult"/>, and the answer read into <typeparamref name="T"/>.
/// </summary>
/// <typeparam name="T">The answer's type.</typeparam>
public sealed record AgentResult<T> : AgentResult
{
    private readonly T? _answer;

    [SetsRequiredMembers]
    internal AgentResult(AgentResult result, T? answer)
        : base(result)
    {
        _answer = answer;
    }

    /// <summary>
    /// The answer, checked against <typeparamref name="T"/>'s JSON schema and read into it, when <see cref="AgentResult.Succeeded"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The run ended without an answer: its <see cref="AgentResult.Outcome"/> is not <see cref="AgentOutcome.FinalAnswer"/>.
    /// The message says how it ended and, for <see cref="AgentOutcome.AnswerRejected"/>, what did not match.
    /// </exception>
    public T Answer => Outcome == AgentOutcome.FinalAnswer
        ? _answer!
        : throw new InvalidOperationException(Outcome == AgentOutcome.AnswerRejected
            ? $"The run ended without an answer of type {typeof(T).Name}: its last answer did not match ({string.Join("; ", AnswerMismatches)})."
            : $"The run ended without an answer of type {typeof(T).Name}: its outcome is {Outcome}. See LastObservation.");
}
