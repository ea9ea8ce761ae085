using System.Text;
using CodeActSdk.Roslyn.Compilation;
using Microsoft.CodeAnalysis;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// Code that makes the compiler itself run away (huge constants, lambdas nested in overloaded calls, deep nesting,
/// types that double) is refused before it is compiled, with a message that names the line, the limit and what to
/// write instead; code a model writes near those limits still compiles and runs.
/// </summary>
public class CompileCostTests : RoslynTestBase
{
    [TearDown]
    public async Task The_next_session_still_works()
    {
        (await RunAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    // ---- Constant strings ---------------------------------------------------------------------------------------------

    [Test]
    public async Task Doubling_constants_are_refused_at_the_line_that_passes_the_limit()
    {
        var result = await RunAsync(Doubling("const string s{0} = s{1} + s{1};", 20) + "Console.WriteLine(s20.Length);");

        ShouldBeRefused(result, "constant string", "65,536");
        // s0 is "x": s16 is 65,536 characters, s17 the first one over.
        result.Error!.Line.Should().Be(18);
        result.Error.Message.Should().StartWith("line 18, column ").And.Contain("131,072").And.Contain("run time");
    }

    [TestCase("const string s{0} = $\"{{s{1}}}{{s{1}}}\";", TestName = "Constant interpolated strings")]
    [TestCase("const string s{0} = (s{1} + (string)s{1});", TestName = "Parentheses and casts")]
    [TestCase("const string s{0} = true ? s{1} + s{1} : \"\";", TestName = "Constant conditionals")]
    [TestCase("static class K{0} {{ public const string S = K{1}.S + K{1}.S; }}", TestName = "Constants of classes, by qualified name")]
    public async Task Every_form_of_constant_string_is_bounded(string step)
    {
        var first = step.StartsWith("static class", StringComparison.Ordinal) ? "static class K0 { public const string S = \"x\"; }\n" : "const string s0 = \"x\";\n";
        var result = await RunAsync(first + Doubling(step, 20, from: 1) + "1");

        ShouldBeRefused(result, "constant string", "65,536");
    }

    [Test]
    public async Task A_folded_expression_of_constants_is_bounded_even_when_it_is_not_declared_const()
    {
        var result = await RunAsync(Doubling("const string s{0} = s{1} + s{1};", 16) + "var big = s16 + s16 + s16;\nbig.Length");

        ShouldBeRefused(result, "constant string", "65,536");
        result.Error!.Line.Should().Be(18);
    }

    [Test]
    public async Task Constants_of_an_earlier_step_count_in_later_steps()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        var declared = await session.ExecuteAsync("static class Texts\n{\n    public const string S0 = \"x\";\n" + Doubling("    public const string S{0} = S{1} + S{1};", 15, from: 1) + "}");
        declared.Status.Should().Be(ExecutionStatus.Completed, declared.Error?.Message);

        var result = await session.ExecuteAsync("var doubled = Texts.S15 + Texts.S15 + Texts.S15;");

        ShouldBeRefused(result, "constant string", "65,536");
    }

    [Test]
    public async Task Many_large_constants_are_bounded_together()
    {
        var code = new StringBuilder(Doubling("const string s{0} = s{1} + s{1};", 15));
        for (var i = 0; i < 40; i++)
        {
            code.Append($"const string c{i} = s15 + \"{i}\";\n");
        }

        var result = await RunAsync(code + "1");

        ShouldBeRefused(result, "add up to", "1,048,576");
    }

    // ---- Lambdas passed to overloaded methods ---------------------------------------------------------------------------

    [Test]
    public async Task The_issues_overloaded_lambda_nest_is_refused()
    {
        // Before the check, compiling this kept a core busy for more than ten minutes, and the call never returned.
        var result = await RunAsync("""
            static int M(Func<int,int> f) => 0;
            static int M(Func<string,int> f) => 1;
            static int M(Func<double,int> f) => 2;
            Console.WriteLine(M(x13 => M(x12 => M(x11 => M(x10 => M(x9 => M(x8 => M(x7 => M(x6 => M(x5 => M(x4 => M(x3 => M(x2 => M(x1 => M(x0 => 0)))))))))))))));
            """);

        ShouldBeRefused(result, "bind lambdas and compare overloads", "limit is 500");
        result.Error!.Line.Should().Be(4);
        result.Error.Message.Should().Contain("Func<Order, decimal> total = o => ...;");
    }

    [Test]
    public async Task Lambdas_nested_as_arguments_more_than_5_deep_are_refused()
    {
        var result = await RunAsync("var a = new[] { 1, 2 };\nvar q = a.Select(x0 => a.Select(x1 => a.Select(x2 => a.Select(x3 => a.Select(x4 => a.Select(x5 => x5)))))).Count();");

        ShouldBeRefused(result, "nested 6 deep", "limit is 5");
        result.Error!.Line.Should().Be(2);
        result.Error.Message.Should().Contain("Func<int, int> f = x => ...;");
    }

    [Test]
    public async Task Nested_lambdas_in_calls_with_many_overloads_are_refused_by_their_binding_work()
    {
        // Sum has 10 overloads that take a selector: three levels bind the innermost lambda 1,000 times.
        var result = await RunAsync("var a = new[] { 1, 2 };\na.Sum(x => a.Sum(y => a.Sum(z => z)));");

        ShouldBeRefused(result, "bind lambdas and compare overloads", "limit is 500");
        result.Error!.Line.Should().Be(2);
    }

    [Test]
    public async Task Overloads_the_code_declares_count_with_their_number()
    {
        var overloads = string.Concat(Enumerable.Range(0, 12).Select(i => $"struct S{i} {{ }} static int M(Func<S{i}, int> f) => {i};\n"));

        var result = await RunAsync(overloads + "M(x => M(y => M(z => 0)));");

        ShouldBeRefused(result, "bind lambdas and compare overloads", "limit is 500");
    }

    [Test]
    public async Task More_than_16_overloads_of_one_name_are_refused()
    {
        var result = await RunAsync(string.Concat(Enumerable.Range(0, 17).Select(i => $"struct S{i} {{ }} static int M(S{i} s) => {i};\n")));

        ShouldBeRefused(result, "'M' has 17 overloads", "limit is 16");
        result.Error!.Line.Should().Be(17);
    }

    [Test]
    public async Task Overloads_declared_across_steps_count_together()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        var first = await session.ExecuteAsync(Overloads(0, 10));
        first.Status.Should().Be(ExecutionStatus.Completed, first.Error?.Message);

        var result = await session.ExecuteAsync(Overloads(10, 7));

        ShouldBeRefused(result, "'M' has 17 overloads", "limit is 16");
    }

    [Test]
    public async Task Ambiguous_calls_of_many_overloads_are_bounded_per_statement()
    {
        // Each call compares its 16 candidates pairwise, through the user-defined conversions.
        var overloads = string.Concat(Enumerable.Range(0, 16).Select(i => $"struct S{i} {{ public static implicit operator S{i}(int v) => default; }} static int M(S{i} s) => {i};\n"));
        var calls = "{\n" + string.Concat(Enumerable.Repeat("M(1);\n", 40)) + "}";

        var result = await RunAsync(overloads + calls);

        ShouldBeRefused(result, "bind lambdas and compare overloads", "limit is 500");
    }

    [Test]
    public async Task Nested_interpolated_strings_count_as_nested_bindings()
    {
        var result = await RunAsync("var a = 1;\nvar s = " + Nest(8, _ => "$\"{", "a", _ => "}\"") + ";");

        ShouldBeRefused(result, "nested", "limit is 5");
    }

    [Test]
    public async Task Nested_queries_count_as_nested_lambdas()
    {
        var result = await RunAsync("var a = new[] { 1, 2 };\nvar q = " + Nest(7, i => $"from x{i} in a select (", "x0", _ => ")") + ";");

        ShouldBeRefused(result, "nested", "limit is 5");
    }

    // ---- Nesting and chains ---------------------------------------------------------------------------------------------

    [TestCase("parentheses", TestName = "Nested parentheses")]
    [TestCase("collection initialisers", TestName = "Nested collection initialisers")]
    [TestCase("for loops", TestName = "Nested for loops")]
    [TestCase("generic type arguments", TestName = "Nested generic type arguments")]
    [TestCase("positional patterns", TestName = "Nested positional patterns")]
    [TestCase("lambdas", TestName = "Lambdas returning lambdas")]
    [TestCase("conditionals", TestName = "Nested conditionals")]
    public async Task Deep_nesting_is_refused(string kind)
    {
        var code = kind switch
        {
            "parentheses" => "var x = " + Nest(100, _ => "(", "1", _ => ")") + ";",
            "collection initialisers" => "var x = " + Nest(40, _ => "new List<object> { ", "1", _ => " }") + ";",
            "for loops" => Nest(40, i => $"for (var i{i} = 0; i{i} < 1; i{i}++) {{ ", "var q = 1;", _ => " }"),
            "generic type arguments" => "var x = new " + Nest(70, _ => "List<", "int", _ => ">") + "();",
            "positional patterns" => "record R(object A, object B);\nobject o = null;\nvar b = o is " + Nest(70, _ => "R(", "1", _ => ", _)") + ";",
            "lambdas" => "var f = " + Nest(70, i => $"(int x{i}) => ", "0", _ => "") + ";",
            _ => "var c = true;\nvar x = " + Nest(70, _ => "c ? 1 : (", "0", _ => ")") + ";",
        };

        var result = await RunAsync(code);

        ShouldBeRefused(result, "nested more than 64 levels deep", "limit is 64");
    }

    [Test]
    public async Task Very_deep_brackets_are_refused_before_parsing()
    {
        var result = await RunAsync("var x = 1;\nvar y = " + new string('(', 5_000) + "1" + new string(')', 5_000) + ";");

        ShouldBeRefused(result, "nested more than 128 deep", "brackets");
        result.Error!.Line.Should().Be(2);
    }

    [TestCase("a + b chain", TestName = "A chain of 1,200 additions")]
    [TestCase("else if chain", TestName = "An else-if chain of 600 branches")]
    [TestCase("method chain", TestName = "A method chain of 600 calls")]
    public async Task Chains_longer_than_the_syntax_depth_are_refused(string kind)
    {
        var code = kind switch
        {
            "a + b chain" => "var y = 1;\nvar x = y" + string.Concat(Enumerable.Repeat(" + y", 1_200)) + ";",
            "else if chain" => "var k = 3; var r = 0;\n" + string.Concat(Enumerable.Range(0, 600).Select(i => $"if (k == {i}) r = {i}; else ")) + "r = -1;",
            _ => "var sb = new StringBuilder();\nsb" + string.Concat(Enumerable.Range(0, 600).Select(i => $".Append({i})")) + ";",
        };

        var result = await RunAsync(code);

        ShouldBeRefused(result, "syntax levels deep", "1,000");
    }

    [Test]
    public async Task Long_queries_are_refused()
    {
        var result = await RunAsync("var a = new[] { 1, 2 };\nvar q = from x0 in a " + string.Concat(Enumerable.Range(1, 20).Select(i => $"let x{i} = x{i - 1} + 1 ")) + "select x0;");

        ShouldBeRefused(result, "this query has 22 clauses", "limit is 16");
    }

    [TestCase("statement", TestName = "A switch statement of 300 cases")]
    [TestCase("expression", TestName = "A switch expression of 300 arms")]
    public async Task Huge_switches_are_refused(string kind)
    {
        var code = kind == "statement"
            ? "var k = 3; var r = 0;\nswitch (k)\n{\n" + string.Concat(Enumerable.Range(0, 300).Select(i => $"    case {i}: r = {i}; break;\n")) + "}"
            : "var k = \"x\";\nvar r = k switch\n{\n" + string.Concat(Enumerable.Range(0, 299).Select(i => $"    \"s{i}\" => {i},\n")) + "    _ => -1,\n};";

        var result = await RunAsync(code);

        ShouldBeRefused(result, "this switch has 300 cases", "limit is 128");
        result.Error!.Message.Should().Contain("Dictionary");
    }

    // ---- Types that double --------------------------------------------------------------------------------------------

    [Test]
    public async Task Generic_calls_chained_beyond_the_limit_are_refused_before_binding()
    {
        var result = await RunAsync("var a = new[] { 1 };\nvar q = a" + string.Concat(Enumerable.Repeat(".GroupBy(x => x)", 12)) + ".Count();");

        ShouldBeRefused(result, "generic calls feed into each other", "limit is 10");
    }

    [TestCase("var v{0} = (v{1}, v{1});", TestName = "Tuples of tuples through variables")]
    [TestCase("var v{0} = new {{ A = v{1}, B = v{1} }};", TestName = "Anonymous objects of anonymous objects")]
    [TestCase("var v{0} = P(v{1});", TestName = "A generic method that doubles its argument's type")]
    public async Task Types_that_double_are_refused(string step)
    {
        var result = await RunAsync("static (T, T) P<T>(T x) => (x, x);\nvar v0 = (1, 1);\n" + Doubling(step, 11, from: 1) + "1");

        ShouldBeRefused(result, "type of this expression has", "1,024");
    }

    // ---- What stays possible --------------------------------------------------------------------------------------------

    [Test]
    public async Task Nested_linq_of_three_and_four_levels_compiles_and_runs()
    {
        var result = await RunAsync("""
            record Line(string Sku, int Qty, decimal Price);
            record Order(string Customer, List<Line> Lines);
            var orders = new List<Order>
            {
                new("ann", [new("a", 2, 1.5m), new("b", 1, 4m)]),
                new("bob", [new("a", 1, 1.5m)]),
                new("ann", [new("c", 3, 2m)]),
            };
            var totals = orders
                .GroupBy(o => o.Customer)
                .Select(g => new { Customer = g.Key, Total = g.Sum(o => o.Lines.Sum(l => l.Qty * l.Price)) })
                .OrderBy(t => t.Customer)
                .ToList();
            var skus = orders.Select(o => o.Lines.Where(l => l.Qty > 0).Select(l => l.Sku.Select(c => new[] { c }.Select(d => char.ToUpperInvariant(d)).First()).First()).ToList()).ToList();
            var deep = orders.Sum(o => o.Lines.Select(l => Enumerable.Range(0, l.Qty).Sum(i => i)).Sum());
            $"{totals[0].Customer}={totals[0].Total} {totals[1].Customer}={totals[1].Total} {skus.Count} {deep}"
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetString().Should().Be("ann=13.0 bob=1.5 3 4");
    }

    [Test]
    public async Task A_switch_with_30_cases_compiles_and_runs()
    {
        var cases = string.Concat(Enumerable.Range(0, 30).Select(i => $"    case {i}: name = \"n{i}\"; break;\n"));
        var arms = string.Concat(Enumerable.Range(0, 30).Select(i => $"    {i} => \"a{i}\",\n"));

        var result = await RunAsync($"var k = 29; var name = \"\";\nswitch (k)\n{{\n{cases}}}\nvar arm = k switch\n{{\n{arms}    _ => \"none\",\n}};\nname + arm");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetString().Should().Be("n29a29");
    }

    [Test]
    public async Task A_200_element_collection_initialiser_compiles_and_runs()
    {
        var result = await RunAsync("var items = new List<(string Name, int Value)> { " + string.Join(", ", Enumerable.Range(0, 200).Select(i => $"(\"item{i}\", {i})")) + " };\nitems.Sum(i => i.Value)");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetInt32().Should().Be(19_900);
    }

    [Test]
    public async Task A_2000_character_string_literal_and_a_few_constants_compile_and_run()
    {
        var literal = string.Concat(Enumerable.Repeat("lorem ipsum ", 167))[..2_000];

        var result = await RunAsync($$"""
            const string Text = "{{literal}}";
            const string Base = "https://api.example.com";
            const string Users = Base + "/users";
            const string Active = $"{Users}?active=true&page=" + "1";
            var joined = "a" + Text + Base + Users + Active;
            $"{Text.Length} {Active} {joined.Length}"
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetString().Should().Be("2000 https://api.example.com/users?active=true&page=1 2101");
    }

    [Test]
    public async Task Code_near_the_other_limits_compiles_and_runs()
    {
        var overloads = Overloads(0, 16);
        var sum = "var total = 0" + string.Concat(Enumerable.Range(1, 300).Select(i => $" + {i}")) + ";\n";
        var query = "var q = (from x in Enumerable.Range(0, 4) from y in Enumerable.Range(0, 4) let s = x + y let p = x * y where s > 1 orderby p select new { x, y, s, p }).Count();\n";
        var nested = "var n = " + Nest(20, _ => "(", "1", _ => " + 1)") + ";\n";
        var json = "var config = new { Name = \"svc\", Db = new { Host = \"h\", Port = 5432, Pool = new { Min = 1, Max = 10 } }, Tags = new[] { \"a\", \"b\" } };\n";

        var result = await RunAsync(overloads + sum + query + nested + json + "$\"{M(1)} {M(1, 2)} {total} {q} {n} {config.Db.Pool.Max}\"");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetString().Should().Be("0 1 45150 13 21 10");
    }

    // ---- What reaches the model from the compiler -----------------------------------------------------------------------

    [Test]
    public void An_emit_that_runs_out_of_memory_is_a_memory_limit_without_the_stack_trace()
    {
        var outOfMemory = Diagnostic.Create(new DiagnosticDescriptor("CS8104", "t", "An error occurred while writing the output file: {0}", "Compiler", DiagnosticSeverity.Error, true),
            Location.None, "System.OutOfMemoryException: Exception of type 'System.OutOfMemoryException' was thrown.\n   at System.IO.MemoryStream.set_Capacity(Int32 value)");

        var limit = SubmissionChain.EmitLimit([outOfMemory]);

        limit!.Value.Status.Should().Be(ExecutionStatus.MemoryLimit);
        limit.Value.Error.Message.Should().NotContain("MemoryStream").And.Contain("ran out of memory");
        SubmissionChain.MessageOf(outOfMemory).Should().NotContain("set_Capacity").And.StartWith("An error occurred while writing the output file");
    }

    [Test]
    public void More_strings_than_an_assembly_holds_is_a_clear_error()
    {
        var tooManyStrings = Diagnostic.Create(new DiagnosticDescriptor("CS8103", "t", "Combined length of user strings used by the program exceeds allowed limit. Try to decrease use of string literals.", "Compiler", DiagnosticSeverity.Error, true), Location.None);

        var limit = SubmissionChain.EmitLimit([tooManyStrings]);

        limit!.Value.Status.Should().Be(ExecutionStatus.SyntaxError);
        limit.Value.Error.Kind.Should().Be(ErrorKind.CompileLimit);
        limit.Value.Error.Message.Should().Contain("16 MB").And.Contain("at run time");
    }

    private static void ShouldBeRefused(ExecutionResult result, string what, string limit)
    {
        result.Status.Should().Be(ExecutionStatus.SyntaxError, result.Error?.Message);
        result.Error!.Kind.Should().Be(ErrorKind.CompileLimit);
        result.Error.Message.Should().MatchRegex("^line [0-9]+, column [0-9]+: ").And.Contain(what).And.Contain(limit);
        result.Error.Line.Should().BePositive();
    }

    /// <summary>Lines <c>string.Format(step, i, i - 1)</c> for i from <paramref name="from"/> to <paramref name="count"/>, after <c>const string s0 = "x";</c> when starting at 1.</summary>
    private static string Doubling(string step, int count, int from = 0)
    {
        var code = new StringBuilder(from == 0 ? "const string s0 = \"x\";\n" : "");
        for (var i = Math.Max(from, 1); i <= count; i++)
        {
            code.AppendFormat(System.Globalization.CultureInfo.InvariantCulture, step, i, i - 1).Append('\n');
        }

        return code.ToString();
    }

    /// <summary>Overloads of <c>M</c> that differ in their number of parameters: <c>M(int p0) => 0;</c>, <c>M(int p0, int p1) => 1;</c>...</summary>
    private static string Overloads(int from, int count) =>
        string.Concat(Enumerable.Range(from, count).Select(i => $"static int M({string.Join(", ", Enumerable.Range(0, i + 1).Select(j => $"int p{j}"))}) => {i};\n"));

    private static string Nest(int levels, Func<int, string> open, string inner, Func<int, string> close)
    {
        var code = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            code.Append(open(i));
        }

        code.Append(inner);
        for (var i = levels - 1; i >= 0; i--)
        {
            code.Append(close(i));
        }

        return code.ToString();
    }
}
