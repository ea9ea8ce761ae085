namespace CodeActSdk;

/// <summary>How a run ended.</summary>
public enum AgentOutcome
{
    /// <summary>The code called <c>final_answer(...)</c>; <see cref="AgentResult.FinalAnswer"/> holds its value.</summary>
    FinalAnswer,

    /// <summary>
    /// The model answered without code and <see cref="CodeActOptions.WhenNoCode"/> is
    /// <see cref="NoCodeBehavior.AcceptAsFinalAnswer"/>; <see cref="AgentResult.FinalAnswerText"/> holds its text.
    /// </summary>
    AnsweredWithoutCode,

    /// <summary>The run used <see cref="CodeActOptions.MaxSteps"/> steps without a final answer.</summary>
    MaxStepsReached,
}
