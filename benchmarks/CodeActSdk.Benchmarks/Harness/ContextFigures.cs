using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CodeActSdk.Jint;
using CodeActSdk.Roslyn;
using CodeActSdk.Testing;
using CodeActSdk.Tools;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Benchmarks.Harness;

/// <summary>
/// Context at scale (issue #23): the system prompt with 200 tools from 5 servers of 40, documented in full and with
/// tool search, in tokens (<see cref="TokenEstimator.Default"/>: four characters a token) for JavaScript and C#; and
/// the latency of a knowledge search over 1,000 Markdown documents, from the source and from code through the sandbox.
/// </summary>
public static class ContextFigures
{
    private static readonly string[] Servers = ["crm", "billing", "github", "calendar", "storage"];
    private static readonly string[] Verbs = ["create", "get", "list", "update", "delete", "search", "archive", "export"];
    private static readonly string[][] Nouns =
    [
        ["contact", "company", "deal", "note", "task"],
        ["invoice", "payment", "refund", "subscription", "customer"],
        ["issue", "pull_request", "branch", "release", "comment"],
        ["event", "calendar", "attendee", "reminder", "room"],
        ["file", "folder", "share_link", "upload", "version"],
    ];

    public static async Task RunAsync(int samples)
    {
        var tools = Catalog();
        Console.WriteLine($"[context] {tools.Count} tools from {Servers.Length} servers");
        using (var jint = new JintInterpreter())
        using (var roslyn = new RoslynInterpreter())
        {
            foreach (var (name, interpreter) in new (string, ICodeInterpreter)[] { ("JavaScript", jint), ("C#", roslyn) })
            {
                var full = Prompt(interpreter, tools, int.MaxValue);
                var searched = Prompt(interpreter, tools, 40);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[context] {name} system prompt: every tool documented {full.Length:N0} chars ≈ {Tokens(full):N0} tokens; with tool search {searched.Length:N0} chars ≈ {Tokens(searched):N0} tokens ({100.0 * Tokens(searched) / Tokens(full):0.0} %)"));
            }
        }

        var source = new MarkdownKnowledgeSource(Documents(1_000));
        string[] queries = ["refund window for annual plans", "who approves a discount above 20 percent", "pipeline stage letter of intent", "how is ARR computed", "on-call escalation for the payments team"];
        for (var i = 0; i < 50; i++)
        {
            _ = await source.SearchAsync(queries[i % queries.Length], 5).ConfigureAwait(false);
        }

        var direct = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            _ = await source.SearchAsync(queries[i % queries.Length], 5).ConfigureAwait(false);
            direct.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        Console.WriteLine($"[context] search of 1,000 documents, from the source (top 5):             {new Samples(direct).Describe()}");

        using var interpreterForCode = new JintInterpreter();
        using var agent = new CodeActAgent(interpreterForCode, new ChatClientCodeGenerator(new ScriptedChatClient(["unused"])), new CodeActOptions(), knowledge: source);
        await using var session = await agent.CreateSessionAsync().ConfigureAwait(false);
        var fromCode = new List<double>();
        for (var i = 0; i < samples + 20; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await session.Session.ExecuteAsync($"search_context('{queries[i % queries.Length]}').length").ConfigureAwait(false);
            if (result.Status != ExecutionStatus.Completed)
            {
                throw new InvalidOperationException("The look-up failed: " + result.Error?.Message);
            }

            if (i >= 20)
            {
                fromCode.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
        }

        Console.WriteLine($"[context] search of 1,000 documents, from JavaScript code (one execution): {new Samples(fromCode).Describe()}");
    }

    private static string Prompt(ICodeInterpreter interpreter, IReadOnlyList<AIFunction> tools, int above)
    {
        using var agent = new CodeActAgent(interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(["unused"])), new CodeActOptions { ToolSearchAbove = above }, tools);
        return agent.SystemPrompt;
    }

    private static int Tokens(string text) => TokenEstimator.Default.Estimate(new ChatMessage(ChatRole.System, text));

    /// <summary>Tools shaped like an MCP server's: a verb and a noun, two sentences of description, three described parameters.</summary>
    private static List<AIFunction> Catalog()
    {
        var tools = new List<AIFunction>();
        for (var s = 0; s < Servers.Length; s++)
        {
            foreach (var verb in Verbs)
            {
                foreach (var noun in Nouns[s])
                {
                    var readable = noun.Replace('_', ' ');
                    tools.Add(AIFunctionFactory.Create(
                        ([Description("The id of the record, as returned by the list and search tools.")] string id,
                         [Description("Fields to set or filter on, as a JSON object; see the server's documentation for the names.")] string? fields,
                         [Description("How many records at most; the server pages the rest.")] int limit) => "ok",
                        new AIFunctionFactoryOptions
                        {
                            Name = $"{Servers[s]}_{verb}_{noun}",
                            Description = $"{char.ToUpperInvariant(verb[0])}{verb[1..]}s a {readable} in {Servers[s]}. Requires the {Servers[s]} scope; returns the {readable} as the server stores it, with its id and timestamps.",
                            AdditionalProperties = new Dictionary<string, object?> { [ToolDescriptor.GroupProperty] = Servers[s] },
                        }));
                }
            }
        }

        return tools;
    }

    /// <summary>Markdown documents of a company handbook's shape: a title, a summary, three sections of prose.</summary>
    private static IEnumerable<KeyValuePair<string, string>> Documents(int count)
    {
        string[] areas = ["billing", "sales", "support", "engineering", "people", "finance", "security", "legal"];
        string[] subjects = ["refund", "discount", "pipeline", "escalation", "on-call", "ARR", "invoice", "onboarding", "expense", "access review", "contract", "incident"];
        var random = new Random(7);
        for (var i = 0; i < count; i++)
        {
            var area = areas[i % areas.Length];
            var subject = subjects[random.Next(subjects.Length)];
            var text = new StringBuilder();
            text.AppendLine($"# {subject} policy {i}").AppendLine().AppendLine($"How the {area} team handles {subject} cases, version {i % 7}.").AppendLine();
            foreach (var section in new[] { "Who decides", "Steps", "Exceptions" })
            {
                text.AppendLine($"## {section}");
                for (var sentence = 0; sentence < 6; sentence++)
                {
                    text.Append($"The {area} lead reviews each {subject} above {random.Next(5, 60)} percent within {random.Next(1, 30)} days of the request; ");
                    text.Append($"annual plans, letters of intent and {subjects[random.Next(subjects.Length)]} notes go to the {areas[random.Next(areas.Length)]} team. ");
                }

                text.AppendLine().AppendLine();
            }

            yield return KeyValuePair.Create($"{area}/{subject.Replace(' ', '-')}-{i}", text.ToString());
        }
    }
}
