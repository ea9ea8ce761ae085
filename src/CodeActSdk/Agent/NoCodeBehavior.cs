namespace CodeActSdk;

/// <summary>What the agent does when the model answers without any code block.</summary>
public enum NoCodeBehavior
{
    /// <summary>Reply to the model asking it to write code; the reply counts as a step. The default.</summary>
    AskForCode,

    /// <summary>End the run and take the model's text as the answer (<see cref="AgentOutcome.AnsweredWithoutCode"/>).</summary>
    AcceptAsFinalAnswer,
}
