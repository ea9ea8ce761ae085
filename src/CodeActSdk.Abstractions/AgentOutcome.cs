namespace CodeActSdk;

/// <summary>How an agent run ended; also journaled with the step that ended it (<see cref="JournaledStep.Outcome"/>).</summary>
public enum AgentOutcome
{
    /// <summary>The code called <c>final_answer(...)</c>; <c>AgentResult.FinalAnswer</c> holds its value.</summary>
    FinalAnswer,

    /// <summary>
    /// The model answered without code and <c>CodeActOptions.WhenNoCode</c> is
    /// <c>NoCodeBehavior.AcceptAsFinalAnswer</c>; <c>AgentResult.FinalAnswerText</c> holds its text.
    /// </summary>
    AnsweredWithoutCode,

    /// <summary>The run used <c>CodeActOptions.MaxSteps</c> steps without a final answer.</summary>
    MaxStepsReached,

    /// <summary>
    /// A durable run stopped at a tool call (or a code block) that needs a person's approval and that nobody decided
    /// in time: the run is suspended, not failed. <c>AgentResult.PendingApproval</c> says what waits; resume the session
    /// with the decision (<c>AgentRunRequest.Resume(sessionId, decision)</c>) and it continues from its journal.
    /// </summary>
    AwaitingApproval,

    /// <summary>
    /// The run asked for a typed answer (<c>RunAsync&lt;T&gt;</c>) and the code's answer did not match the type's JSON
    /// schema more times than <c>CodeActOptions.MaxAnswerRetries</c> allows; <c>AgentResult.AnswerMismatches</c> says what
    /// did not match, and the last step's observation says it in words.
    /// </summary>
    AnswerRejected,
}
