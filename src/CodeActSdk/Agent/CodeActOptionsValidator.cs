using Microsoft.Extensions.Options;

namespace CodeActSdk;

/// <summary>Checks <see cref="CodeActOptions"/>; every failure message names the option and the accepted range.</summary>
/// <remarks>Registered by <c>AddCodeAct</c> with <c>ValidateOnStart</c>; the agent also runs it on the options it is given. Stateless and thread-safe.</remarks>
public sealed class CodeActOptionsValidator : IValidateOptions<CodeActOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CodeActOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = GetFailures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Returns why <paramref name="options"/> is invalid, one message per bad option; empty when it is valid.</summary>
    internal static List<string> GetFailures(CodeActOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            failures.Add("CodeActOptions.Name must not be empty.");
        }

        if (options.MaxSteps is < 1 or > CodeActOptions.MaxStepsLimit)
        {
            failures.Add($"CodeActOptions.MaxSteps must be between 1 and {CodeActOptions.MaxStepsLimit} (was {options.MaxSteps}).");
        }

        if (options.MaxObservationChars < CodeActOptions.MinObservationChars)
        {
            failures.Add($"CodeActOptions.MaxObservationChars must be at least {CodeActOptions.MinObservationChars} (was {options.MaxObservationChars}).");
        }

        if (options.ToolSearchAbove is < 0 or (> 10_000 and < int.MaxValue))
        {
            failures.Add($"CodeActOptions.ToolSearchAbove must be between 0 and 10,000, or int.MaxValue to turn tool search off (was {options.ToolSearchAbove}).");
        }

        if (options.StateDigestEntries is < 1 or > 500)
        {
            failures.Add($"CodeActOptions.StateDigestEntries must be between 1 and 500 (was {options.StateDigestEntries}).");
        }

        if (options.LargeOutputChars < 0)
        {
            failures.Add($"CodeActOptions.LargeOutputChars must be 0 (off) or positive (was {options.LargeOutputChars}).");
        }

        if (options.MaxAnswerRetries is < 0 or > 20)
        {
            failures.Add($"CodeActOptions.MaxAnswerRetries must be between 0 and 20 (was {options.MaxAnswerRetries}).");
        }

        if (!Enum.IsDefined(options.CodeFormat))
        {
            failures.Add($"CodeActOptions.CodeFormat must be Fenced, Json or ToolCall (was {(int)options.CodeFormat}).");
        }

        if (!Enum.IsDefined(options.WhenNoCode))
        {
            failures.Add($"CodeActOptions.WhenNoCode must be AskForCode or AcceptAsFinalAnswer (was {(int)options.WhenNoCode}).");
        }

        if (options.Sandbox is null)
        {
            failures.Add("CodeActOptions.Sandbox must not be null.");
        }
        else
        {
            try
            {
                options.Sandbox.Validate();
            }
            catch (ArgumentException e)
            {
                failures.Add($"CodeActOptions.Sandbox is invalid: {FirstLine(e.Message)}");
            }
        }

        return failures;
    }

    /// <summary>Throws when <paramref name="options"/> is invalid; used when the agent is built by hand.</summary>
    internal static void ThrowIfInvalid(CodeActOptions options)
    {
        var failures = GetFailures(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(CodeActOptions), failures);
        }
    }

    // ArgumentException appends " (Parameter 'x')" and, for out-of-range values, the actual value on a new line.
    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).TrimEnd();
    }
}
