using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>One item of the plan the code keeps with the <c>plan</c> tool.</summary>
/// <param name="Number">Its number, from 1.</param>
/// <param name="Text">What is to be done.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Notes">Notes added to it, in order.</param>
public sealed record PlanItem(int Number, string Text, PlanItemStatus Status, IReadOnlyList<string> Notes);

/// <summary>Where a plan item stands.</summary>
public enum PlanItemStatus
{
    /// <summary>Not done yet.</summary>
    Open,

    /// <summary>Done.</summary>
    Done,

    /// <summary>Given up, or it did not work.</summary>
    Failed,
}

/// <summary>
/// The plan of one run, kept by the code through the <c>plan</c> tool (when <see cref="CodeActOptions.EnablePlan"/> is
/// on), shown to the model after every step and returned with each <see cref="AgentStep"/>. Thread-safe.
/// </summary>
internal sealed class PlanBoard
{
    public const string ToolName = "plan";
    private const int MaxItems = 50;
    private const int MaxTextChars = 500;

    private readonly Lock _gate = new();
    private readonly List<Item> _items = [];

    public PlanBoard() => Tool = AIFunctionFactory.Create(Apply, ToolName, "Keeps your plan for this task, shown to you after every step. action: 'create' (items: the steps, replacing any plan), 'done' or 'failed' (item: its number), 'note' (item and note), 'show'. Returns the plan.");

    /// <summary>The <c>plan</c> tool bound to this board.</summary>
    public AIFunction Tool { get; }

    public IReadOnlyList<PlanItem> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items.Select((item, i) => new PlanItem(i + 1, item.Text, item.Status, [.. item.Notes]))];
        }
    }

    /// <summary>The plan as the model reads it, or null when there is none.</summary>
    public string? Render()
    {
        var items = Snapshot();
        if (items.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder("[plan]");
        foreach (var item in items)
        {
            var mark = item.Status switch { PlanItemStatus.Done => "x", PlanItemStatus.Failed => "!", _ => " " };
            text.Append(CultureInfo.InvariantCulture, $"\n{item.Number}. [{mark}] {item.Text}");
            foreach (var note in item.Notes)
            {
                text.Append("\n   note: ").Append(note);
            }
        }

        return text.ToString();
    }

    private IReadOnlyList<PlanItem> Apply(
        [Description("create, done, failed, note or show")] string action,
        [Description("For create: the steps of the plan, in order.")] string[]? items = null,
        [Description("For done, failed and note: the item's number, from 1.")] int? item = null,
        [Description("For note: the note to add to the item.")] string? note = null)
    {
        lock (_gate)
        {
            switch (action.Trim().ToLowerInvariant())
            {
                case "create":
                    if (items is not { Length: > 0 and <= MaxItems } || items.Any(string.IsNullOrWhiteSpace))
                    {
                        throw new ArgumentException($"plan('create') needs items: 1 to {MaxItems} non-empty steps.");
                    }

                    _items.Clear();
                    _items.AddRange(items.Select(i => new Item(Cut(i.Trim()))));
                    break;
                case "done":
                    Find(item).Status = PlanItemStatus.Done;
                    break;
                case "failed":
                    Find(item).Status = PlanItemStatus.Failed;
                    break;
                case "note":
                    Find(item).Notes.Add(string.IsNullOrWhiteSpace(note) ? throw new ArgumentException("plan('note') needs a note.") : Cut(note.Trim()));
                    break;
                case "show":
                    break;
                default:
                    throw new ArgumentException($"Unknown plan action '{action}'; use create, done, failed, note or show.");
            }
        }

        return Snapshot();
    }

    private Item Find(int? number) =>
        number is { } n && n >= 1 && n <= _items.Count
            ? _items[n - 1]
            : throw new ArgumentException(_items.Count == 0
                ? "There is no plan yet; create one with plan('create', [...])."
                : $"The plan has items 1 to {_items.Count}; pass item: a number in that range.");

    private static string Cut(string text) => text.Length <= MaxTextChars ? text : text[..MaxTextChars] + "…";

    private sealed class Item(string text)
    {
        public string Text { get; } = text;

        public PlanItemStatus Status { get; set; }

        public List<string> Notes { get; } = [];
    }
}
