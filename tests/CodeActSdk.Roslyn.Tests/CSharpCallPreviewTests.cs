using CodeActSdk.Tests.Shared;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// The C# call preview: calls found on the semantic model by symbol (however the receiver is spelled, and never a
/// method of the step's own named like a tool), with their bound parameters, literal arguments and placement, and one
/// test per way of hiding a call that the allow-list would still let through or that the preview must see anyway.
/// </summary>
public class CSharpCallPreviewTests
{
    private static readonly AIFunction[] Tools =
    [
        AIFunctionFactory.Create((string symbol) => 1.0, "get_price", "The price of a stock."),
        AIFunctionFactory.Create((string to, string subject, string body) => true, "send_email", "Sends an email."),
        AIFunctionFactory.Create((string query, int? limit) => Array.Empty<string>(), "search", "Searches the web."),
    ];

    private static readonly RoslynInterpreter Interpreter = new();

    private static ICallPreviewer Previewer => Interpreter.GetService<ICallPreviewer>()!;

    private static IReadOnlyList<string> Preview(string code) => CallPreviewText.Lines(Previewer.Preview(code, Tools));

    [OneTimeTearDown]
    public void DisposeInterpreter() => Interpreter.Dispose();

    [Test]
    public void The_CSharp_backend_announces_its_previewer()
    {
        Interpreter.GetService<ICallPreviewer>().Should().NotBeNull();
        ((ICodeInterpreter)Interpreter).GetService(typeof(ICallPreviewer), "key").Should().BeNull();
    }

    [Test]
    public void Ordinary_code_gives_each_call_with_its_parameters_literals_and_placement()
    {
        const string code = """
            var symbols = new[] { "AAPL", "MSFT" };
            var prices = new Dictionary<string, double>();
            foreach (var s in symbols)
            {
                prices[s] = tools.GetPrice(s);
            }
            var top = tools.GetPrice("NVDA");
            if (top > 100)
                tools.SendEmail("a@b.c", $"Price {top}", body: "hi");
            var cheap = symbols.Where(s => tools.GetPrice(s) < 50).ToList();
            var total = (from s in symbols select tools.GetPrice(s)).Sum();
            Console.WriteLine(total);
            final_answer(top);
            """;

        var preview = Previewer.Preview(code, Tools);

        CallPreviewText.Lines(preview).Should().Equal(
            "call get_price 5:17 InLoop (symbol: ?s)",
            "call get_price 7:11 None (symbol: \"NVDA\")",
            "call send_email 9:5 InConditional (to: \"a@b.c\", subject: ?$\"Price {top}\", body: \"hi\")",
            "call get_price 10:32 InFunction (symbol: ?s)",
            "call get_price 11:39 InFunction (symbol: ?s)");
        preview.IsComplete.Should().BeTrue();
    }

    [Test]
    public void Constant_arguments_are_JSON_bound_to_their_parameters()
    {
        const string code = """
            const string Q = "x";
            tools.Search("rust", 5);
            tools.Search(limit: -1, query: "a" + "b");
            tools.Search(null);
            tools.Search(Q);
            """;

        Preview(code).Should().Equal(
            "call search 2:1 None (query: \"rust\", limit: 5)",
            "call search 3:1 None (limit: -1, query: \"ab\")",
            "call search 4:1 None (query: null)",
            "call search 5:1 None (query: \"x\")");
    }

    [Test]
    public void Calls_are_found_by_symbol_through_an_alias_or_a_parameter()
    {
        const string code = """
            var t = tools; t.GetPrice("a");
            double P(CodeActTools x) => x.GetPrice("b");
            var maybe = tools?.GetPrice("c");
            Func<CodeActTools, double> viaLambda = x => x.GetPrice("d");
            """;

        Preview(code).Should().Equal(
            "call get_price 1:16 None (symbol: \"a\")",
            "call get_price 2:29 InFunction (symbol: \"b\")",
            "call get_price 3:19 InConditional (symbol: \"c\")",
            "call get_price 4:45 InFunction (symbol: \"d\")");
    }

    [Test]
    public void Methods_and_variables_of_the_step_named_like_a_tool_are_not_tools()
    {
        const string code = """
            var tools = new Dictionary<string, int>();
            tools.Add("a", 1);
            double GetPrice(string s) => 1;
            GetPrice("x");
            var n = nameof(CodeActTools.GetPrice);
            """;

        var preview = Previewer.Preview(code, Tools);

        CallPreviewText.Lines(preview).Should().BeEmpty();
        preview.IsComplete.Should().BeTrue();
    }

    [Test]
    public void A_lambda_or_local_function_wrapping_a_tool_is_a_call_inside_a_function()
    {
        const string code = """
            Func<string, double> f = s => tools.GetPrice(s); f("a");
            double P(string s) => tools.GetPrice(s); P("a");
            """;

        Preview(code).Should().Equal(
            "call get_price 1:31 InFunction (symbol: ?s)",
            "call get_price 2:23 InFunction (symbol: ?s)");
    }

    [TestCase("Func<string, double> f = tools.GetPrice; f(\"a\");",
        "dynamic ToolAsValue 1:26 get_price `tools.GetPrice`", TestName = "Trick: a method group converted to a delegate")]
    [TestCase("var f = tools.GetPrice; f(\"a\");",
        "dynamic ToolAsValue 1:9 get_price `tools.GetPrice`", TestName = "Trick: a method group with a natural type")]
    [TestCase("new[] { \"a\" }.Select(tools.GetPrice).ToList();",
        "dynamic ToolAsValue 1:22 get_price `tools.GetPrice`", TestName = "Trick: a method group as a LINQ callback")]
    [TestCase("var ok = true; Func<string, double> f = ok ? tools.GetPrice : null;",
        "dynamic ToolAsValue 1:46 get_price `tools.GetPrice`", TestName = "Trick: a method group in a conditional")]
    [TestCase("var f = new Func<string, double>(tools.GetPrice);",
        "dynamic ToolAsValue 1:34 get_price `tools.GetPrice`", TestName = "Trick: a delegate created from a tool")]
    [TestCase("dynamic d = tools; d.GetPrice(\"a\");",
        "dynamic Reflection 1:20 `d.GetPrice(\"a\")`", TestName = "Trick: dynamic")]
    [TestCase("dynamic d = tools; var f = d.GetPrice;",
        "dynamic Reflection 1:28 `d.GetPrice`", TestName = "Trick: a dynamic member read")]
    [TestCase("Func<int, int> g = FetchAll => FetchAll; FetchAll();",
        "dynamic UnknownCallee 1:42 `FetchAll`", TestName = "Trick: a method of an earlier step, with a parameter of the same name elsewhere")]
    [TestCase("void Outer() { void FetchAll() { } } FetchAll();",
        "dynamic UnknownCallee 1:38 `FetchAll`", TestName = "Trick: a method of an earlier step, with a local function of the same name elsewhere")]
    [TestCase("FetchAll();",
        "dynamic UnknownCallee 1:1 `FetchAll`", TestName = "Trick: a method of an earlier step")]
    [TestCase("var m = typeof(CodeActTools).GetMethod(\"GetPrice\"); m.Invoke(tools, new object[] { \"a\" });",
        "dynamic Reflection 1:30 `GetMethod`", "dynamic Reflection 1:55 `Invoke`", TestName = "Trick: reflection")]
    [TestCase("Func<string, double> f = s => 1; f.DynamicInvoke(\"a\");",
        "dynamic Reflection 1:36 `DynamicInvoke`", TestName = "Trick: DynamicInvoke")]
    [TestCase("CodeActSdk.Roslyn.Runtime.ToolGateway.Call<double>(0, \"a\");",
        "dynamic Reflection 1:39 `Call<double>`", TestName = "Trick: the tool gateway called directly")]
    [TestCase("t.GetPrice(\"a\");",
        "dynamic UnknownCallee 1:1 get_price `t.GetPrice`", TestName = "Trick: an alias of tools kept from an earlier step")]
    [TestCase("t?.GetPrice(\"a\");",
        "dynamic UnknownCallee 1:3 get_price `.GetPrice`", TestName = "Trick: an alias of tools kept from an earlier step, called conditionally")]
    [TestCase("var f = t.GetPrice;",
        "dynamic UnknownCallee 1:9 get_price `t.GetPrice`", TestName = "Trick: a method group of an alias of tools kept from an earlier step")]
    public void Trick_is_reported_as_dynamic(string code, params string[] expected)
    {
        var preview = Previewer.Preview(code, Tools);

        CallPreviewText.Lines(preview).Should().Equal(expected);
        preview.IsComplete.Should().BeFalse();
    }

    [Test]
    public void A_dynamic_argument_still_binds_the_call_to_its_tool()
    {
        Preview("tools.GetPrice((dynamic)\"a\");").Should().Equal("call get_price 1:1 None (symbol: ?(dynamic)\"a\")");
    }

    [Test]
    public void Code_that_does_not_parse_gives_a_syntax_error()
    {
        var preview = Previewer.Preview("tools.GetPrice(\"a\"", Tools);

        preview.SyntaxError.Should().NotBeNull();
        preview.SyntaxError!.Line.Should().Be(1);
        preview.IsComplete.Should().BeFalse();
    }

    [Test]
    public void Without_tools_a_step_previews_no_call()
    {
        Previewer.Preview("var x = 1 + 2; Console.WriteLine(x);", []).IsComplete.Should().BeTrue();
    }
}
