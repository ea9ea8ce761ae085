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
}
