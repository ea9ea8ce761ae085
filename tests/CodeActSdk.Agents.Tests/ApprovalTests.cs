using System.Text.Json;
using CodeActSdk.Jint;
using CodeActSdk.Sqlite;
using CodeActSdk.Testing;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Agents.Tests;

/// <summary>
/// The durable pause for approval through the framework's approval contents: a CodeAct run that waits for a person
/// answers with a <see cref="ToolApprovalRequestContent"/>; the host's <see cref="ToolApprovalResponseContent"/> resumes
/// it, on a new host if need be, with no tool call repeated.
/// </summary>
public sealed class ApprovalTests
{
    private JintInterpreter _interpreter = null!;
    private string _folder = null!;
    private List<string> _sent = null!;

    [SetUp]
    public void SetUp()
    {
        _interpreter = new JintInterpreter();
        _folder = Directory.CreateTempSubdirectory("codeact-agents-approval-").FullName;
        _sent = [];
    }

    [TearDown]
    public void TearDown()
    {
        _interpreter.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static readonly string[] Turns =
    [
        "```js\nvar total = [120, 80].reduce((a, b) => a + b);\n```",
        "```js\nvar receipt = send_invoice('ACME', total);\n```",
        "```js\nfinal_answer(receipt);\n```",
    ];

    private CodeActAIAgent Agent(IEnumerable<string> turns, ICheckpointStore store)
    {
        var invoice = new ApprovalRequiredAIFunction(AIFunctionFactory.Create(
            (string customer, double amount) =>
            {
                lock (_sent)
                {
                    _sent.Add($"{customer}:{amount}");
                }

                return $"invoiced {customer} {amount}";
            },
            "send_invoice",
            "Sends an invoice."));
        var codeAct = new CodeActAgent(_interpreter, new ChatClientCodeGenerator(new ScriptedChatClient(turns)), new CodeActOptions { MaxSteps = 4 }, [invoice], checkpoints: store);
        return new CodeActAIAgent(codeAct, name: "billing");
    }

    [Test]
    public async Task A_waiting_run_asks_with_the_frameworks_request_and_an_approval_on_a_new_host_finishes_it()
    {
        var path = Path.Combine(_folder, "journal.db");
        JsonElement saved;
        ToolApprovalRequestContent request;
        using (var store = new SqliteCheckpointStore(path))
        {
            var agent = Agent(Turns, store);
            var session = await agent.CreateSessionAsync("billing-7");
            var asking = await agent.RunAsync("Invoice ACME for both orders.", session);

            request = asking.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Should().ContainSingle().Subject;
            var call = request.ToolCall.Should().BeOfType<FunctionCallContent>().Subject;
            call.Name.Should().Be("send_invoice");
            call.Arguments!["customer"].Should().BeOfType<JsonElement>().Which.GetString().Should().Be("ACME");
            asking.Text.Should().Contain("Waiting for approval").And.Contain("send_invoice");
            ((AgentResult)asking.RawRepresentation!).Outcome.Should().Be(AgentOutcome.AwaitingApproval);
            _sent.Should().BeEmpty();
            saved = await agent.SerializeSessionAsync(session);
        }

        using (var store = new SqliteCheckpointStore(path))
        {
            var agent = Agent(Turns.Skip(2), store);
            var session = await agent.DeserializeSessionAsync(saved);

            var answered = await agent.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(approved: true, reason: "checked")]) { AuthorName = "alice" }, session);

            answered.Text.Should().Be("invoiced ACME 200");
            _sent.Should().Equal("ACME:200");
            var result = (AgentResult)answered.RawRepresentation!;
            result.Steps[1].Approvals.Should().ContainSingle().Which.Decision.Should().Match<ApprovalDecision>(d => d.Approved && d.DecidedBy == "alice" && d.Reason == "checked");
        }
    }

    [Test]
    public async Task A_rejection_reaches_the_code_and_the_model_goes_on()
    {
        using var store = new SqliteCheckpointStore(Path.Combine(_folder, "journal.db"));
        var agent = Agent(
            [
                "```js\nvar receipt;\ntry { receipt = send_invoice('ACME', 200); } catch (e) { receipt = 'not sent: ' + e.message; }\n```",
                "```js\nfinal_answer(receipt);\n```",
            ],
            store);
        var session = await agent.CreateSessionAsync();
        var request = (await agent.RunAsync("Invoice ACME.", session)).Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();

        var answered = await agent.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(approved: false, reason: "ACME paid already")]), session);

        answered.Text.Should().Contain("not sent").And.Contain("ACME paid already");
        _sent.Should().BeEmpty();
    }

    [Test]
    public async Task Arguments_edited_in_the_answer_are_what_the_tool_is_called_with()
    {
        using var store = new SqliteCheckpointStore(Path.Combine(_folder, "journal.db"));
        var agent = Agent(Turns, store);
        var session = await agent.CreateSessionAsync();
        var request = (await agent.RunAsync("Invoice ACME.", session)).Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        var edited = new FunctionCallContent(request.ToolCall.CallId, "send_invoice", new Dictionary<string, object?> { ["customer"] = "ACME Ltd", ["amount"] = 180 });

        var answered = await agent.RunAsync(new ChatMessage(ChatRole.User, [new ToolApprovalResponseContent(request.RequestId, true, edited)]), session);

        _sent.Should().Equal("ACME Ltd:180");
        answered.Text.Should().Be("invoiced ACME Ltd 180");
    }

    [Test]
    public async Task An_answer_to_another_sessions_request_is_refused()
    {
        using var store = new SqliteCheckpointStore(Path.Combine(_folder, "journal.db"));
        var agent = Agent(Turns, store);
        var first = await agent.CreateSessionAsync();
        var request = (await agent.RunAsync("Invoice ACME.", first)).Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        var other = await agent.CreateSessionAsync();

        var answer = () => agent.RunAsync(new ChatMessage(ChatRole.User, [request.CreateResponse(approved: true)]), other);

        await answer.Should().ThrowAsync<ArgumentException>().WithMessage("*was not asked by this CodeAct session*");
        _sent.Should().BeEmpty();
    }
}
