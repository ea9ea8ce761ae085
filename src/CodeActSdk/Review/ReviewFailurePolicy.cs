namespace CodeActSdk;

/// <summary>What <see cref="CodeReview"/> does when a reviewer fails: throws, runs out of time, or answers garbage.</summary>
public enum ReviewFailurePolicy
{
    /// <summary>Reject the code, with an observation naming the reviewer and what went wrong. The default.</summary>
    Reject,

    /// <summary>Let the code run (the decision still records the failure).</summary>
    Approve,
}
