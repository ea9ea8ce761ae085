namespace CodeActSdk;

/// <summary>A reviewer's failure to decide: it ran out of time or answered something that is not a decision.</summary>
public sealed class CodeReviewException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CodeReviewException()
    {
    }

    /// <summary>Creates the exception with a message saying what went wrong.</summary>
    /// <param name="message">What went wrong.</param>
    public CodeReviewException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public CodeReviewException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
