using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.Shared;

/// <summary>Tools with side effects the tests count: <c>delete_file(path)</c> and <c>send_email(to, body)</c> record what they were asked to do.</summary>
internal sealed class SideEffectTools
{
    /// <summary>The paths <c>delete_file</c> was called with, in order.</summary>
    public List<string> Deleted { get; } = [];

    /// <summary>The recipients <c>send_email</c> was called with, in order.</summary>
    public List<string> Sent { get; } = [];

    /// <summary><c>delete_file(path)</c>, returning <c>deleted PATH</c>.</summary>
    public AIFunction DeleteFile => AIFunctionFactory.Create(
        (string path) =>
        {
            lock (Deleted)
            {
                Deleted.Add(path);
            }

            return "deleted " + path;
        },
        "delete_file",
        "Deletes a file.");

    /// <summary><c>send_email(to, body)</c>, returning <c>sent</c>.</summary>
    public AIFunction SendEmail => AIFunctionFactory.Create(
        (string to, string body) =>
        {
            lock (Sent)
            {
                Sent.Add(to);
            }

            return "sent";
        },
        "send_email",
        "Sends an email.");

    /// <summary>Forgets the calls of the last test.</summary>
    public void Clear()
    {
        Deleted.Clear();
        Sent.Clear();
    }
}
