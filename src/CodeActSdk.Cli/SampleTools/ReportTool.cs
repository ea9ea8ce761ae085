using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Cli.SampleTools;

/// <summary>
/// The <c>send_report</c> tool that <c>codeact run</c> bridges into the sandbox: a demo of a tool with a side effect,
/// the kind a person approves before it happens (<c>--require-approval send_report</c>). Nothing leaves the machine:
/// the "sent" report gets a receipt whose id is derived from what was sent.
/// </summary>
internal static class ReportTool
{
    /// <summary>The tool's name as the sandboxed code calls it.</summary>
    public const string Name = "send_report";

    /// <summary>Creates the tool.</summary>
    public static AIFunction Create() => AIFunctionFactory.Create(
        Send,
        Name,
        "Sends a short text report by e-mail and returns its receipt { id, to, subject, chars } (a demo: nothing leaves the machine).");

    private static Receipt Send(
        [Description("The recipient's e-mail address, for example cfo@example.com.")] string to,
        [Description("The subject line.")] string subject,
        [Description("The report's text.")] string body)
    {
        if (string.IsNullOrWhiteSpace(to) || !to.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{to}' is not an e-mail address.", nameof(to));
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{to}\n{subject}\n{body}"));
        return new Receipt("R-" + Convert.ToHexString(hash, 0, 4), to, subject, body.Length);
    }

    /// <summary>What the tool returns: the report's id and what was sent.</summary>
    /// <param name="Id">The report's id, the same for the same report.</param>
    /// <param name="To">The recipient.</param>
    /// <param name="Subject">The subject line.</param>
    /// <param name="Chars">The length of the report's text.</param>
    internal sealed record Receipt(string Id, string To, string Subject, int Chars);
}
