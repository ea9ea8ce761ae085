namespace CodeActSdk.Cli.Commands;

/// <summary>The command line asks for something that cannot be done; the message is shown as is and the exit code is 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
