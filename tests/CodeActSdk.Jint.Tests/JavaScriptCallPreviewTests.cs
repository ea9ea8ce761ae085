using CodeActSdk.Preview;
using CodeActSdk.Tests.Shared;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Jint.Tests;

/// <summary>
/// The JavaScript call preview (shared by Jint and V8): the calls a model's ordinary code makes, with their literal
/// arguments and placement, and one test per way of hiding a call from it, each asserting the whole preview.
/// </summary>
public class JavaScriptCallPreviewTests
{
    private static readonly AIFunction[] Tools =
    [
        AIFunctionFactory.Create((string symbol) => 1.0, "get_price", "The price of a stock."),
        AIFunctionFactory.Create((string to, string subject, string body) => true, "send_email", "Sends an email."),
        AIFunctionFactory.Create((string query, int? limit) => Array.Empty<string>(), "search", "Searches the web."),
    ];

    private static IReadOnlyList<string> Preview(string code) => CallPreviewText.Lines(JavaScriptCallPreviewer.Instance.Preview(code, Tools));

    [Test]
    public void Both_JavaScript_backends_announce_the_previewer()
    {
        using var interpreter = new JintInterpreter();
        interpreter.GetService<ICallPreviewer>().Should().BeSameAs(JavaScriptCallPreviewer.Instance);
        ((ICodeInterpreter)interpreter).GetService(typeof(ICallPreviewer), "key").Should().BeNull();
    }

    [Test]
    public void Ordinary_code_gives_each_call_with_its_literal_arguments_and_placement()
    {
        const string code = """
            const symbols = ["AAPL", "MSFT"];
            const prices = {};
            for (const s of symbols) {
              prices[s] = get_price(s);
            }
            const top = get_price("NVDA");
            if (top > 100) {
              send_email({ to: "a@b.c", subject: `Price ${top}`, body: "hi" });
            }
            console.log(prices, top);
            final_answer(top);
            """;

        var preview = JavaScriptCallPreviewer.Instance.Preview(code, Tools);

        CallPreviewText.Lines(preview).Should().Equal(
            "call get_price 4:15 InLoop (?s)",
            "call get_price 6:13 None (\"NVDA\")",
            "call send_email 8:3 InConditional (?{ to: \"a@b.c\", subject: `Price ${top}`, body: \"hi\" })");
        preview.IsComplete.Should().BeTrue();
        preview.Calls[1].RunsOnce.Should().BeTrue();
        preview.Calls[0].RunsOnce.Should().BeFalse();
    }

    [Test]
    public void Literal_arguments_are_JSON_and_computed_ones_keep_their_source()
    {
        const string code = """
            search({ query: "rust", limit: 5 });
            search(`q-${n}`, -1);
            search(`plain`, [1, "a", true, null]);
            search(...args);
            search({ query, limit: 1 });
            """;

        Preview(code).Should().Equal(
            "call search 1:1 None ({\"query\":\"rust\",\"limit\":5})",
            "call search 2:1 None (?`q-${n}`, -1)",
            "call search 3:1 None (\"plain\", [1,\"a\",true,null])",
            "call search 4:1 None (?...args)",
            "call search 5:1 None (?{ query, limit: 1 })");
    }

    [Test]
    public void Calls_in_callbacks_functions_branches_loops_and_optional_chains_are_placed()
    {
        const string code = """
            const results = ids.map(id => get_price(id));
            function f(x) { return x && get_price(x); }
            const v = ok ? get_price("a") : null;
            let n = 0; while (n < 3) { n += get_price("c"); }
            const q = get_price("d")?.price ?? get_price("e");
            x?.push(get_price("f"));
            """;

        Preview(code).Should().Equal(
            "call get_price 1:31 InFunction (?id)",
            "call get_price 2:29 InConditional|InFunction (?x)",
            "call get_price 3:16 InConditional (\"a\")",
            "call get_price 4:33 InLoop (\"c\")",
            "call get_price 5:11 None (\"d\")",
            "call get_price 5:36 InConditional (\"e\")",
            "call get_price 6:9 InConditional (\"f\")");
    }

    [Test]
    public void Local_declarations_named_like_a_tool_shadow_it()
    {
        const string code = """
            {
              const get_price = (s) => s.length;
              get_price("x");
            }
            function helper() { function send_email(m) { return m; } return send_email("y"); }
            helper();
            const g = function search(q) { return q ? search(q.slice(1)) : 0; };
            typeof get_price === "function";
            class A { m() { return this.x; } }
            """;

        var preview = JavaScriptCallPreviewer.Instance.Preview(code, Tools);

        CallPreviewText.Lines(preview).Should().BeEmpty();
        preview.IsComplete.Should().BeTrue();
    }

    [Test]
    public void A_block_binding_does_not_shadow_the_tool_outside_its_block()
    {
        Preview("{ let get_price = 1; }\nget_price(\"z\");").Should().Equal("call get_price 2:1 None (\"z\")");
    }

    [Test]
    public void A_parameter_named_like_a_tool_is_not_the_tool_but_what_it_holds_is_unknown()
    {
        Preview("function lookup(get_price) { return get_price(\"x\"); }").Should().Equal(
            "dynamic UnknownCallee 1:37 `get_price`");
    }

    [Test]
    public void Trick_a_function_declared_in_a_dead_branch_at_the_top_level_leaves_the_tool_in_place()
    {
        // Sloppy-mode Annex B: the block's function also declares a global var, which keeps the tool's value.
        Preview("if (false) { function get_price() { return 0; } }\nget_price(\"z\");").Should().Equal(
            "call get_price 2:1 None (\"z\")",
            "dynamic ToolRebound 1:23 get_price `get_price`");
    }

    [TestCase("const f = get_price; f(\"AAPL\");",
        "dynamic ToolAsValue 1:11 get_price `get_price`", "dynamic UnknownCallee 1:22 `f`", TestName = "Trick: an alias")]
    [TestCase("[\"a\"].map(get_price);",
        "dynamic ToolAsValue 1:11 get_price `get_price`", TestName = "Trick: a tool passed as a callback")]
    [TestCase("get_price.call(null, \"a\");",
        "dynamic ToolAsValue 1:1 get_price `get_price`", TestName = "Trick: call")]
    [TestCase("get_price.apply(null, [\"a\"]);",
        "dynamic ToolAsValue 1:1 get_price `get_price`", TestName = "Trick: apply")]
    [TestCase("const g = get_price.bind(null); g(\"a\");",
        "dynamic ToolAsValue 1:11 get_price `get_price`", "dynamic UnknownCallee 1:33 `g`", TestName = "Trick: bind")]
    [TestCase("const o = { p: get_price }; o.p(\"a\");",
        "dynamic ToolAsValue 1:16 get_price `get_price`", TestName = "Trick: stored in an object")]
    [TestCase("const o = { get_price }; o.get_price(\"a\");",
        "dynamic ToolAsValue 1:13 get_price `get_price`", "dynamic ComputedMember 1:26 get_price `o.get_price`", TestName = "Trick: shorthand property")]
    [TestCase("const a = [get_price]; a[0](\"a\");",
        "dynamic ToolAsValue 1:12 get_price `get_price`", TestName = "Trick: stored in an array")]
    [TestCase("get_price`AAPL`;",
        "dynamic ToolAsValue 1:1 get_price `get_price`", TestName = "Trick: a tool as a template tag")]
    [TestCase("(0, get_price)(\"a\");",
        "dynamic UnknownCallee 1:2 `0, get_price`", "dynamic ToolAsValue 1:5 get_price `get_price`", TestName = "Trick: comma callee")]
    [TestCase("get_price = () => 1; get_price(\"a\");",
        "call get_price 1:22 None (\"a\")", "dynamic ToolRebound 1:1 get_price `get_price`", TestName = "Trick: reassigned tool name")]
    [TestCase("globalThis.get_price(\"a\");",
        "dynamic GlobalObject 1:1 `globalThis`", "dynamic ComputedMember 1:1 get_price `globalThis.get_price`", TestName = "Trick: globalThis member")]
    [TestCase("globalThis[\"get_\" + \"price\"](\"a\");",
        "dynamic GlobalObject 1:1 `globalThis`", "dynamic ComputedMember 1:1 `globalThis[\"get_\" + \"price\"]`", TestName = "Trick: computed member of globalThis")]
    [TestCase("window.get_price(\"a\");",
        "dynamic GlobalObject 1:1 `window`", "dynamic ComputedMember 1:1 get_price `window.get_price`", TestName = "Trick: window")]
    [TestCase("self[\"get_price\"](\"a\");",
        "dynamic GlobalObject 1:1 `self`", "dynamic ComputedMember 1:1 get_price `self[\"get_price\"]`", TestName = "Trick: self with a literal key")]
    [TestCase("this.get_price(\"a\");",
        "dynamic GlobalObject 1:1 `this`", "dynamic ComputedMember 1:1 get_price `this.get_price`", TestName = "Trick: top-level this")]
    [TestCase("function f() { return this[\"get_price\"]; }",
        "dynamic GlobalObject 1:23 `this`", "dynamic ComputedMember 1:23 get_price `this[\"get_price\"]`", TestName = "Trick: this in a sloppy function")]
    [TestCase("const { get_price: gp } = globalThis; gp(\"a\");",
        "dynamic GlobalObject 1:27 `globalThis`", "dynamic UnknownCallee 1:39 `gp`", TestName = "Trick: destructuring the global object")]
    [TestCase("eval(\"get_price('a')\");",
        "dynamic Eval 1:1 `eval`", TestName = "Trick: eval")]
    [TestCase("(0, eval)(\"get_price('a')\");",
        "dynamic UnknownCallee 1:2 `0, eval`", "dynamic Eval 1:5 `eval`", TestName = "Trick: indirect eval")]
    [TestCase("new Function(\"return get_price\")()(\"a\");",
        "dynamic UnknownCallee 1:1 `new Function(\"return get_price\")()`", "dynamic UnknownCallee 1:1 `new Function(\"return get_price\")`",
        "dynamic FunctionConstructor 1:5 `Function`", TestName = "Trick: new Function")]
    [TestCase("(() => 0).constructor(\"return get_price\")()(\"a\");",
        "dynamic UnknownCallee 1:1 `(() => 0).constructor(\"return get_price\")()`", "dynamic UnknownCallee 1:1 `(() => 0).constructor(\"return get_price\")`",
        "dynamic FunctionConstructor 1:1 `(() => 0).constructor`",
        TestName = "Trick: the Function constructor through constructor")]
    [TestCase("const k = \"constr\" + \"uctor\"; const F = (() => 0)[k]; F(\"return get_price\");",
        "dynamic UnknownCallee 1:55 `F`", TestName = "Trick: the Function constructor through a computed name")]
    [TestCase("Reflect.apply(get_price, null, [\"a\"]);",
        "dynamic Reflection 1:1 `Reflect`", "dynamic ToolAsValue 1:15 get_price `get_price`", TestName = "Trick: Reflect")]
    [TestCase("with (box) { get_price(\"a\"); }",
        "call get_price 1:14 None (\"a\")", "dynamic With 1:1 `with (box) { get_price(\"a\"); }`", TestName = "Trick: with")]
    [TestCase("import(\"x\").then(m => m.get_price(\"a\"));",
        "dynamic DynamicImport 1:1 `import(\"x\")`", "dynamic ComputedMember 1:23 get_price `m.get_price`", TestName = "Trick: import()")]
    [TestCase("function call(f) { return arguments[0](\"a\"); } call(get_price);",
        "dynamic ToolAsValue 1:53 get_price `get_price`", TestName = "Trick: arguments")]
    [TestCase("fetchAll();",
        "dynamic UnknownCallee 1:1 `fetchAll`", TestName = "Trick: a function of an earlier step")]
    [TestCase("var get_price = (s) => 0; get_price(\"a\");",
        "call get_price 1:27 None (\"a\")", "dynamic ToolRebound 1:5 get_price `get_price`", TestName = "Trick: a top-level var named like a tool")]
    [TestCase("const o = { toString: get_price }; `${o}`;",
        "dynamic ToolAsValue 1:23 get_price `get_price`", TestName = "Trick: an implicit call through toString")]
    [TestCase("JSON.parse(\"[1]\", get_price);",
        "dynamic ToolAsValue 1:19 get_price `get_price`", TestName = "Trick: a tool as a JSON.parse reviver")]
    [TestCase("const p = new Proxy({}, { get: () => get_price }); p.x(\"a\");",
        "dynamic ToolAsValue 1:38 get_price `get_price`", TestName = "Trick: a proxy's getter")]
    public void Trick_is_reported_as_dynamic(string code, params string[] expected)
    {
        var preview = JavaScriptCallPreviewer.Instance.Preview(code, Tools);

        CallPreviewText.Lines(preview).Should().Equal(expected);
        preview.IsComplete.Should().BeFalse();
    }

    [Test]
    public void Tool_names_as_labels_keys_and_method_names_are_not_calls()
    {
        const string code = """
            get_price: for (const x of [1]) { break get_price; }
            const o = { get_price: 1, send_email() { return 2; } };
            class C { search() { return 3; } }
            """;

        Preview(code).Should().BeEmpty();
    }

    [Test]
    public void A_getter_that_calls_a_tool_is_a_call_inside_a_function()
    {
        Preview("const o = { get p() { return get_price(\"a\"); } }; o.p;").Should().Equal(
            "call get_price 1:30 InFunction (\"a\")");
    }

    [Test]
    public void Code_nested_deeper_than_the_stack_allows_is_refused_without_harm()
    {
        var code = "x = " + new string('[', 100_000) + new string(']', 100_000) + "; get_price(\"a\");";

        var preview = JavaScriptCallPreviewer.Instance.Preview(code, Tools);

        preview.SyntaxError.Should().NotBeNull();
        preview.IsComplete.Should().BeFalse();
    }

    [Test]
    public void Code_that_does_not_parse_gives_a_syntax_error()
    {
        var preview = JavaScriptCallPreviewer.Instance.Preview("get_price(\"a\"", Tools);

        preview.SyntaxError.Should().NotBeNull();
        preview.SyntaxError!.Line.Should().Be(1);
        preview.IsComplete.Should().BeFalse();
        preview.Calls.Should().BeEmpty();
    }
}
