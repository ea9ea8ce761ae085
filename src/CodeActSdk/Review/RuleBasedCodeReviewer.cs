using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// A reviewer that judges a step by its static call preview against rules: sensitive tools, argument patterns and
/// call limits. Configure it with its fluent methods before the first review; it is thread-safe after that.
/// </summary>
/// <remarks>
/// <para>
/// Every rule that matches adds a finding; the decision is <see cref="ReviewVerdict.Reject"/> when any finding rejects,
/// else <see cref="ReviewVerdict.AskHuman"/> when any asks a human, else <see cref="ReviewVerdict.Approve"/>. The
/// reason lists the findings with their lines.
/// </para>
/// <para>
/// Where the preview cannot tell, the rules assume the worst: a place where the code may reach a tool dynamically
/// (<see cref="CallPreview.Dynamic"/>) counts as a call of a sensitive tool when it names that tool or names none; a
/// computed argument cannot be checked against a pattern, so it asks a human; a call in a loop or a function may run
/// any number of times, so it breaks every <see cref="MaxCalls"/> limit; a dynamic reach of a limited tool asks a
/// human. Code that does not parse is approved: it cannot run, and its execution reports the syntax error.
/// </para>
/// </remarks>
public sealed class RuleBasedCodeReviewer : ICodeReviewer
{
    private readonly List<(string Tool, ReviewVerdict Verdict)> _sensitive = [];
    private readonly List<ArgumentRule> _arguments = [];
    private readonly List<(string Tool, int Max, ReviewVerdict Verdict)> _limits = [];

    /// <summary>Creates a reviewer with no rules (it approves everything until rules are added).</summary>
    /// <param name="name">The reviewer's name in decisions.</param>
    public RuleBasedCodeReviewer(string name = "rules")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The reviewer's name in decisions.</summary>
    public string Name { get; }

    /// <summary>Marks <paramref name="tool"/> sensitive: code that calls it, or may reach it dynamically, gets <paramref name="verdict"/>.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <param name="verdict">The decision for such code; <see cref="ReviewVerdict.AskHuman"/> by default.</param>
    /// <returns>This reviewer.</returns>
    public RuleBasedCodeReviewer Sensitive(string tool, ReviewVerdict verdict = ReviewVerdict.AskHuman)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        _sensitive.Add((tool, CheckNotApprove(verdict)));
        return this;
    }

    /// <summary>
    /// Gives <paramref name="verdict"/> to calls of <paramref name="tool"/> whose argument <paramref name="argument"/>
    /// matches <paramref name="pattern"/> (a string argument's text, any other argument's JSON).
    /// </summary>
    /// <param name="tool">The tool's name.</param>
    /// <param name="argument">The parameter's name (found by name, in a JavaScript named-arguments object, or by its position in the tool's schema).</param>
    /// <param name="pattern">The pattern that makes the call suspect.</param>
    /// <param name="verdict">The decision for a matching call; <see cref="ReviewVerdict.Reject"/> by default.</param>
    /// <returns>This reviewer.</returns>
    public RuleBasedCodeReviewer Argument(string tool, string argument, Regex pattern, ReviewVerdict verdict = ReviewVerdict.Reject)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return Argument(tool, argument, value => pattern.IsMatch(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()), $"matches /{pattern}/", verdict);
    }

    /// <summary>Gives <paramref name="verdict"/> to calls of <paramref name="tool"/> whose literal argument <paramref name="argument"/> satisfies <paramref name="predicate"/>.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <param name="argument">The parameter's name (see <see cref="Argument(string, string, Regex, ReviewVerdict)"/>).</param>
    /// <param name="predicate">Whether the argument's JSON makes the call suspect.</param>
    /// <param name="description">What the predicate checks, for the reason (for example "is outside /tmp").</param>
    /// <param name="verdict">The decision for a matching call; <see cref="ReviewVerdict.Reject"/> by default.</param>
    /// <returns>This reviewer.</returns>
    public RuleBasedCodeReviewer Argument(string tool, string argument, Func<JsonElement, bool> predicate, string description, ReviewVerdict verdict = ReviewVerdict.Reject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        ArgumentException.ThrowIfNullOrWhiteSpace(argument);
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        _arguments.Add(new ArgumentRule(tool, argument, predicate, description, CheckNotApprove(verdict)));
        return this;
    }

    /// <summary>Allows at most <paramref name="max"/> calls of <paramref name="tool"/> per code block; a call in a loop or function counts as unbounded.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <param name="max">The most calls allowed, 0 or more.</param>
    /// <param name="verdict">The decision for code over the limit; <see cref="ReviewVerdict.Reject"/> by default.</param>
    /// <returns>This reviewer.</returns>
    public RuleBasedCodeReviewer MaxCalls(string tool, int max, ReviewVerdict verdict = ReviewVerdict.Reject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        _limits.Add((tool, max, CheckNotApprove(verdict)));
        return this;
    }

    /// <inheritdoc/>
    public ValueTask<ReviewDecision> ReviewAsync(CodeReviewRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var preview = request.Preview;
        if (preview.SyntaxError is not null)
        {
            return ValueTask.FromResult(ReviewDecision.Approve(Name, "the code does not parse, so nothing can run"));
        }

        var findings = new List<(ReviewVerdict Verdict, string Text)>();
        foreach (var (tool, verdict) in _sensitive)
        {
            findings.AddRange(preview.Calls.Where(c => c.ToolName == tool).Select(c => (verdict, $"calls the sensitive tool {tool} (line {c.Line})")));
            findings.AddRange(Reaching(preview, tool).Select(d => (verdict, $"may reach the sensitive tool {tool} dynamically at line {d.Line}: {d.Reason}")));
        }

        foreach (var rule in _arguments)
        {
            var schema = request.Tools.FirstOrDefault(t => t.Name == rule.Tool);
            foreach (var call in preview.Calls.Where(c => c.ToolName == rule.Tool))
            {
                var argument = Find(call, rule.Argument, schema);
                if (argument is null)
                {
                    continue;
                }

                if (argument.Value is not { } literal)
                {
                    findings.Add((ReviewVerdict.AskHuman, $"{rule.Tool}'s argument {rule.Argument} is computed ({argument.Source}) at line {call.Line}, so it cannot be checked"));
                }
                else if (rule.Predicate(literal))
                {
                    findings.Add((rule.Verdict, $"{rule.Tool}'s argument {rule.Argument} {rule.Description} at line {call.Line}"));
                }
            }
        }

        foreach (var (tool, max, verdict) in _limits)
        {
            var calls = preview.Calls.Where(c => c.ToolName == tool).ToList();
            if (calls.FirstOrDefault(c => (c.Placement & (CallPlacement.InLoop | CallPlacement.InFunction)) != 0) is { } repeated)
            {
                findings.Add((verdict, $"calls {tool} in a {((repeated.Placement & CallPlacement.InLoop) != 0 ? "loop" : "function")} at line {repeated.Line}, so it may run more than the {max} time(s) allowed"));
            }
            else if (calls.Count > max)
            {
                findings.Add((verdict, $"calls {tool} {calls.Count} times; at most {max} allowed"));
            }

            findings.AddRange(Reaching(preview, tool).Select(d => (ReviewVerdict.AskHuman, $"may reach {tool} dynamically at line {d.Line}, so its calls cannot be counted: {d.Reason}")));
        }

        var decision = findings.Count == 0
            ? ReviewDecision.Approve(Name, "no rule matched")
            : new ReviewDecision(
                findings.Any(f => f.Verdict == ReviewVerdict.Reject) ? ReviewVerdict.Reject : ReviewVerdict.AskHuman,
                "the code " + string.Join("; ", findings.Select(f => f.Text).Distinct(StringComparer.Ordinal)),
                Name);
        return ValueTask.FromResult(decision);
    }

    private static IEnumerable<DynamicReach> Reaching(CallPreview preview, string tool) =>
        preview.Dynamic.Where(d => d.ToolName is null || d.ToolName == tool);

    /// <summary>The argument of <paramref name="call"/> bound to <paramref name="name"/>: named, in a named-arguments object, or by the schema's position.</summary>
    private static PreviewedArgument? Find(PreviewedCall call, string name, AIFunction? tool)
    {
        if (call.Arguments.FirstOrDefault(a => a.Name == name) is { } named)
        {
            return named;
        }

        if (call.Arguments is [{ Name: null, Value: { ValueKind: JsonValueKind.Object } options }] && options.TryGetProperty(name, out var property))
        {
            return new PreviewedArgument(name, property.Clone(), property.GetRawText());
        }

        if (tool is not null && tool.JsonSchema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            var position = properties.EnumerateObject().Select(p => p.Name).ToList().IndexOf(name);
            if (position >= 0 && position < call.Arguments.Count && call.Arguments[position].Name is null)
            {
                return call.Arguments[position];
            }
        }

        return null;
    }

    private static ReviewVerdict CheckNotApprove(ReviewVerdict verdict) =>
        verdict is ReviewVerdict.Reject or ReviewVerdict.AskHuman ? verdict : throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "A rule's verdict is Reject or AskHuman.");

    private sealed record ArgumentRule(string Tool, string Argument, Func<JsonElement, bool> Predicate, string Description, ReviewVerdict Verdict);
}
