using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using CodeActSdk.Sandboxing;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// Says in the host's words why an execution ended with an exception: a limit, <c>final_answer</c>, or an exception
/// the code threw.
/// </summary>
/// <remarks>
/// Any member of a thrown exception may run the code's own code: a type of the code can override <c>Message</c>, and
/// framework exceptions format values and inner exceptions of the code's types into theirs
/// (<c>ArgumentOutOfRangeException</c> its actual value's <c>ToString</c>, <c>AggregateException</c> every inner
/// <c>Message</c>). So the host reads by itself only what runs none of it: the exception's type, its stack trace and
/// the inner exceptions of the framework's wrappers. The message is read by <see cref="Describe"/>, which runs while
/// the execution is still entered on its sandbox thread with its budget live, so that the guards stop a getter that
/// loops; a getter that throws or is stopped gives a message the host writes. Nothing else of the exception is ever
/// read (<c>ToString</c>, <c>StackTrace</c>, <c>Source</c>, <c>Data</c>), and the exception does not outlive the
/// execution.
/// </remarks>
internal static class ExecutionFailure
{
    /// <summary>
    /// The status and error of an execution that <paramref name="exception"/> ended; <see cref="ExecutionStatus.Completed"/>
    /// without an error when the code called <c>final_answer</c> (possibly while its message was read).
    /// </summary>
    /// <remarks>Call it on the sandbox thread, with <paramref name="execution"/> entered and its budget not yet disposed.</remarks>
    public static (ExecutionStatus Status, ExecutionError? Error) Describe(Exception exception, ScriptExecution execution, string path)
    {
        Debug.Assert(ScriptExecution.Current == execution, "The code's exception must be described inside its execution.");
        var error = Unwrap(exception);
        var line = LineOf(error, path);
        if (Ended(execution, error as SandboxStopException, line, cause: null) is { } ended)
        {
            return ended;
        }

        var options = execution.Options;
        switch (error)
        {
            case OutOfMemoryException:
                return (ExecutionStatus.MemoryLimit, new ExecutionError(ErrorKind.MemoryLimit,
                    $"The code tried to allocate more memory than the sandbox allows ({options.MemoryLimitBytes / (1024.0 * 1024):0.#} MiB). Work on smaller pieces of data.", line));
            case InsufficientExecutionStackException:
                return (ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.RecursionLimit,
                    "The code nested too deeply (recursion or deeply nested data) and ran out of stack space. Use a loop or flatten the data.", line));
            case RegexMatchTimeoutException:
                return (ExecutionStatus.Timeout, new ExecutionError(ErrorKind.Timeout, ExecutionBudget.RegexTimeoutMessage(options.Timeout), line));
            case ValueConversionException conversion:
                // The sandbox's own exception (sealed): its message is the host's.
                return (ExecutionStatus.RuntimeError, new ExecutionError(ErrorKind.ValueError, conversion.Message, line));
        }

        var type = error.GetType().Name;
        var unreadable = $"The code threw {Article(type)} {type} whose Message could not be read";
        var message = ReadMessage(error, unreadable);
        return Ended(execution, null, line, unreadable) ?? (ExecutionStatus.RuntimeError, new ExecutionError(new ErrorKind(type), message, line));
    }

    /// <summary>
    /// The result when the execution has already ended otherwise: <c>final_answer</c> was called, or a limit stopped the
    /// code (<paramref name="cause"/> says what the host was doing when it did).
    /// </summary>
    private static (ExecutionStatus Status, ExecutionError? Error)? Ended(ScriptExecution execution, SandboxStopException? thrown, int? line, string? cause)
    {
        if (execution.HasFinalAnswer)
        {
            return (ExecutionStatus.Completed, null);
        }

        if ((execution.Budget.Stop ?? thrown) is not { } stop)
        {
            return null;
        }

        return stop.Error is not { } error
            ? (stop.Status, null)
            : (stop.Status, error with { Message = cause is null ? error.Message : $"{cause}: {error.Message}", Line = error.Line ?? line });
    }

    /// <summary>Reads the message, which may be the code's own getter; whatever that getter throws is not read in turn.</summary>
    private static string ReadMessage(Exception error, string unreadable)
    {
        try
        {
            return error.Message ?? "";
        }
        catch (Exception failure)
        {
            return $"{unreadable} ({failure.GetType().Name}). Give exceptions plain string messages.";
        }
    }

    /// <summary>
    /// The exception the code threw, out of the framework's wrappers. Only sealed wrappers and non-virtual members
    /// (<see cref="Exception.InnerException"/>, <see cref="AggregateException.InnerExceptions"/>): none runs code of the code's.
    /// </summary>
    private static Exception Unwrap(Exception exception)
    {
        while (true)
        {
            switch (exception)
            {
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    exception = aggregate.InnerExceptions[0];
                    break;
                case TargetInvocationException { InnerException: { } inner }:
                    exception = inner;
                    break;
                case TypeInitializationException { InnerException: { } inner }:
                    exception = inner;
                    break;
                default:
                    return exception;
            }
        }
    }

    /// <summary>
    /// The line of the submission's own code closest to where <paramref name="exception"/> was thrown, from the stack
    /// trace the runtime captured (the overridable <see cref="Exception.StackTrace"/> is not read).
    /// </summary>
    private static int? LineOf(Exception exception, string path)
    {
        if (exception is SandboxStopException { Error.Message: SandboxGuard.LibraryRecursionMessage })
        {
            // Tens of thousands of library frames deep: reading them all would take longer than the execution did.
            return null;
        }

        foreach (var frame in new StackTrace(exception, fNeedFileInfo: true).GetFrames())
        {
            if (frame.GetFileLineNumber() is > 0 and var line && string.Equals(frame.GetFileName(), path, StringComparison.Ordinal))
            {
                return line;
            }
        }

        return null;
    }

    private static string Article(string noun) => noun.Length > 0 && "AEIOUaeiou".Contains(noun[0]) ? "an" : "a";
}
