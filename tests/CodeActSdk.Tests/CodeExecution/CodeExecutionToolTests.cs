using System.Text.Json;
using CodeActSdk.CodeExecution;
using CodeActSdk.Jint;
using CodeActSdk.Testing;
using FluentAssertions;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Tests.CodeExecution;

public sealed class CodeExecutionToolTests
{
    private JintInterpreter _interpreter = null!;

    [OneTimeSetUp]
    public void CreateInterpreter() => _interpreter = new JintInterpreter();

    [OneTimeTearDown]
    public void DisposeInterpreter() => _interpreter.Dispose();

    [Test]
    public void A_tool_that_needs_approval_is_refused_with_what_to_do_instead()
    {
        var send = new ApprovalRequiredAIFunction(AIFunctionFactory.Create((string to) => "sent", "send_email", "Sends an email."));

        var create = () => new CodeExecutionTool(_interpreter, new SandboxOptions { Tools = [send] });

        create.Should().Throw<ArgumentException>().WithMessage("*'send_email' needs a person's approval*cannot stop in the middle*CodeActAgent*");
    }

    [Test]
    public async Task Variables_persist_from_one_call_to_the_next()
    {
        await using var tool = new CodeExecutionTool(_interpreter);

        await Invoke(tool, "const xs = [3, 4, 5];");
        var result = await Invoke(tool, "xs.map(x => x * x).reduce((a, b) => a + b)");

        result.GetProperty("ok").GetBoolean().Should().BeTrue();
        result.GetProperty("value").GetInt32().Should().Be(50);
    }

    [Test]
    public async Task Failed_code_is_a_result_the_model_reads_not_an_exception()
    {
        await using var tool = new CodeExecutionTool(_interpreter);

        var result = await Invoke(tool, "const = 1");

        result.GetProperty("ok").GetBoolean().Should().BeFalse();
        result.GetProperty("error").GetProperty("kind").GetString().Should().Be(ErrorKind.SyntaxError.ToString());
    }

    [TestCase(null)]
    [TestCase(42)]
    public async Task A_call_without_string_code_says_what_is_missing(object? code)
    {
        await using var tool = new CodeExecutionTool(_interpreter);

        var result = (JsonElement)(await tool.InvokeAsync(new AIFunctionArguments { ["code"] = code }))!;

        result.GetProperty("ok").GetBoolean().Should().BeFalse();
        result.GetProperty("error").GetProperty("message").GetString().Should().Contain("\"code\"");
    }

    [Test]
    public async Task The_description_names_the_language_and_documents_the_tools_the_code_can_call()
    {
        var price = AIFunctionFactory.Create((string sku) => sku.Length * 10.0, "get_price", "The price of a product.");
        await using var tool = new CodeExecutionTool(_interpreter, new SandboxOptions { Tools = [price] });

        tool.Name.Should().Be("execute_code");
        tool.Description.Should().Contain("JavaScript").And.Contain("get_price").And.Contain("The price of a product.");
        tool.JsonSchema.GetProperty("required")[0].GetString().Should().Be("code");
    }

    [Test]
    public async Task A_chat_client_with_function_invocation_answers_through_the_sandbox_and_its_tools()
    {
        var price = AIFunctionFactory.Create((string sku) => sku == "A" ? 2.5 : 4.0, "get_price");
        await using var tool = new CodeExecutionTool(_interpreter, new SandboxOptions { Tools = [price] });
        var model = new ScriptedChatClient(
        [
            ScriptedChatClient.CallTool("execute_code", new Dictionary<string, object?> { ["code"] = "let total = 0; for (const s of ['A', 'B', 'A']) total += get_price(s); total" }),
            new ChatMessage(ChatRole.Assistant, "The total is 9."),
        ]);
        using var client = new FunctionInvokingChatClient(model);

        var response = await client.GetResponseAsync("What do A, B and A cost together?", new ChatOptions { Tools = [tool] });

        response.Text.Should().Be("The total is 9.");
        var toolResult = model.ReceivedMessages[1].SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        ((JsonElement)toolResult.Result!).GetProperty("value").GetDouble().Should().Be(9);
        ((JsonElement)toolResult.Result!).GetProperty("ok").GetBoolean().Should().BeTrue();
    }

    [Test]
    public async Task A_disposed_tool_refuses_calls_and_disposes_its_session_once()
    {
        var tool = new CodeExecutionTool(_interpreter);
        var session = await tool.GetSessionAsync();
        await tool.DisposeAsync();
        await tool.DisposeAsync();

        var call = async () => await tool.ExecuteAsync("1");

        await call.Should().ThrowAsync<ObjectDisposedException>();
        var reuse = async () => await session.ExecuteAsync("1");
        await reuse.Should().ThrowAsync<ObjectDisposedException>();
    }

    private static async Task<JsonElement> Invoke(CodeExecutionTool tool, string code) =>
        (JsonElement)(await tool.InvokeAsync(new AIFunctionArguments { ["code"] = code }))!;
}
