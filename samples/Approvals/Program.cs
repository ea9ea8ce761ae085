using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using CodeActSdk;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

// Run-time approval of a tool call in a durable run, with no model endpoint (a scripted model plays the model):
//   1. host A starts a durable run; its code looks up the customer's open items, then calls send_invoice, a tool
//      marked ApprovalRequiredAIFunction. Nobody can decide in-line, so the run stops: AwaitingApproval.
//   2. a person decides, later and elsewhere; here: approve, with the due date changed from 14 to 30 days.
//   3. host B (a new agent, as after a restart) resumes the session with the decision. The journal serves everything
//      before the approval point (the model is not asked again, open_items is not called again); send_invoice runs
//      once, with the edited arguments, and the run goes on to its final answer.
const string SessionId = "invoice-acme-1";
const string TaskText = "Invoice ACME for its open items.";

// The model's turns: step 1 looks at the data, step 2 invoices (and waits for approval), step 3 answers.
string[] turns =
[
    "I'll look at ACME's open items first.\n```js\nconst items = open_items('ACME');\nconsole.log(items);\n```",
    "I'll add them up and send the invoice, due in 14 days.\n```js\nconst check = open_items('ACME');\n" +
        "const total = Math.round(check.reduce((sum, i) => sum + i.amount, 0) * 100) / 100;\n" +
        "const invoice = send_invoice('ACME', total, 14);\nconsole.log(invoice);\n```",
    "The invoice is sent.\n```js\nfinal_answer(`Invoice ${invoice.number} sent to ACME for ${invoice.amount} EUR, due in ${invoice.dueDays} days.`);\n```",
];

var folder = Directory.CreateTempSubdirectory("codeact-approvals-");
var storePath = Path.Combine(folder.FullName, "sessions.db");
var calls = new ToolCalls();
try
{
    // 1. Host A: the run stops at the call that needs approval.
    AgentResult first;
    using (var storeA = new SqliteCheckpointStore(storePath))
    {
        await using var hostA = Host(storeA, new ScriptedChatClient(turns), calls);
        first = await hostA.GetRequiredService<CodeActAgent>().RunAsync(AgentRunRequest.Durable(SessionId, TaskText));
    }

    Console.WriteLine($"Host A: the run ended {first.Outcome} after {first.Steps.Count} steps.");
    var pending = first.PendingApproval ?? throw new InvalidOperationException("The run should wait for an approval.");
    Console.WriteLine($"Pending approval {pending.Id}: {pending.ToolName}({Json(pending.Arguments)})");
    Console.WriteLine($"  why:  {pending.Reason}");
    Console.WriteLine($"  code: {pending.Code.ReplaceLineEndings(Environment.NewLine + "        ")}");
    Console.WriteLine($"Tool calls so far: open_items {calls.OpenItems}, send_invoice {calls.Invoices}");

    // 2. The decision: approved, with 30 days to pay instead of 14. (ApprovalDecision.Approve approves as is,
    //    ApprovalDecision.Reject makes the call fail in the code with the reason.)
    var edited = pending.Arguments!.Value.Deserialize<Dictionary<string, JsonElement>>()!;
    edited["dueDays"] = JsonSerializer.SerializeToElement(30);
    var decision = ApprovalDecision.ApproveWithArguments("alice@example.com", JsonSerializer.SerializeToElement(edited), "ok, but with 30 days to pay");
    Console.WriteLine($"Decision: approved by {decision.DecidedBy} with {Json(decision.Arguments)} ({decision.Reason})");

    // 3. Host B, after a "restart": a new store object, a new agent. Its model is asked only for what the journal
    //    does not hold, so the scripted one starts after the turns journaled by host A.
    AgentResult second;
    using (var storeB = new SqliteCheckpointStore(storePath))
    {
        var journaled = (await storeB.ReadAsync(SessionId)).Entries.Count(e => e.Kind == JournalEntryKind.ModelTurn);
        await using var hostB = Host(storeB, new ScriptedChatClient(turns.Skip(journaled)), calls);
        second = await hostB.GetRequiredService<CodeActAgent>().RunAsync(AgentRunRequest.Resume(SessionId, decision));
    }

    Console.WriteLine($"Host B: the run ended {second.Outcome}: {second.FinalAnswerText}");
    Console.WriteLine($"  steps replayed from the journal: {second.Steps.Count(s => s.Replayed)}, run live: {second.Steps.Count(s => !s.Replayed)}");
    Console.WriteLine($"Tool calls in all: open_items {calls.OpenItems}, send_invoice {calls.Invoices}");

    var ok = second.Outcome == AgentOutcome.FinalAnswer && calls.Invoices == 1 && calls.OpenItems == 2 && calls.LastDueDays == 30;
    Console.WriteLine(ok
        ? "OK: send_invoice ran exactly once, with the approved arguments; the calls before the approval point were not repeated."
        : "UNEXPECTED: see the counts above.");
    return ok ? 0 : 1;
}
finally
{
    folder.Delete(recursive: true);
}

static ServiceProvider Host(ICheckpointStore store, IChatClient model, ToolCalls calls) => new ServiceCollection()
    .AddCodeAct(codeAct => codeAct
        .UseJint()
        .UseChatClient(model)
        .UseCheckpointStore(store)
        .AddTool(AIFunctionFactory.Create(
            ([Description("The customer's name")] string customer) => calls.OpenItemsOf(customer),
            "open_items",
            "The customer's unpaid order lines: an array of { order, amount } in euros."))

        // Every call of this tool waits for a person's decision.
        .AddTool(new ApprovalRequiredAIFunction(AIFunctionFactory.Create(
            ([Description("The customer's name")] string customer, [Description("The amount in euros")] double amount, [Description("Days to pay")] int dueDays) =>
                calls.SendInvoice(customer, amount, dueDays),
            "send_invoice",
            "Sends the customer an invoice and returns { number, customer, amount, dueDays }."))))
    .BuildServiceProvider();

static string Json(JsonElement? value) => value is { } element ? JsonSerializer.Serialize(element) : "{}";

/// <summary>The demo's tools, counting their calls (the counts span both hosts: they share this process).</summary>
internal sealed class ToolCalls
{
    private int _openItems;
    private int _invoices;

    public int OpenItems => _openItems;

    public int Invoices => _invoices;

    public int LastDueDays { get; private set; }

    public object[] OpenItemsOf(string customer)
    {
        Interlocked.Increment(ref _openItems);
        return customer == "ACME"
            ? [new { order = "A-17", amount = 1200.50 }, new { order = "A-21", amount = 349.25 }]
            : [];
    }

    public object SendInvoice(string customer, double amount, int dueDays)
    {
        var number = Interlocked.Increment(ref _invoices);
        LastDueDays = dueDays;
        return new { number = string.Create(CultureInfo.InvariantCulture, $"INV-{number:0000}"), customer, amount, dueDays };
    }
}
