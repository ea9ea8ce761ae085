using System.Text.Json;

namespace CodeActSdk.Roslyn.Tests;

public class ExecutionTests : RoslynTestBase
{
    [Test]
    public async Task Returns_the_value_of_the_last_expression_as_json()
    {
        var result = await RunAsync("""
            record Point(int X, double Y);
            new { A = 1, B = new object[] { true, null, "x" }, P = new Point(2, 0.5), D = new Dictionary<string, int> { ["k"] = 3 }, T = (1, "two") }
            """);

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetRawText().Should().Be("""{"A":1,"B":[true,null,"x"],"P":{"X":2,"Y":0.5},"D":{"k":3},"T":{"Item1":1,"Item2":"two"}}""");
        result.Error.Should().BeNull();
    }

    [Test]
    public async Task Statements_and_declarations_give_no_value()
    {
        (await RunAsync("var x = 1;")).Value.Should().BeNull();
        (await RunAsync("int F() => 1;")).Value.Should().BeNull();
        (await RunAsync("using System.Text;")).Status.Should().Be(ExecutionStatus.Completed);
    }

    [Test]
    public async Task Console_output_is_captured_in_order()
    {
        var result = await RunAsync("""
            Console.WriteLine("a");
            Console.Write(1.5);
            Console.WriteLine();
            Console.WriteLine("{0}-{1}", 1, "b");
            Console.Error.WriteLine($"err {2 + 2}");
            Console.Out.Write('c');
            """);

        result.Stdout.Should().Be("a\n1.5\n1-b\nerr 4\nc");
    }

    [Test]
    public async Task Variables_methods_types_and_usings_persist_between_executions()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        (await session.ExecuteAsync("var total = 40;")).Status.Should().Be(ExecutionStatus.Completed);
        (await session.ExecuteAsync("int Add(int x) => total + x;")).Status.Should().Be(ExecutionStatus.Completed);
        (await session.ExecuteAsync("record Item(string Name, int Count); class Counter { public static int Calls; }")).Status.Should().Be(ExecutionStatus.Completed);
        (await session.ExecuteAsync("using System.Collections.ObjectModel;")).Status.Should().Be(ExecutionStatus.Completed);

        var result = await session.ExecuteAsync("Counter.Calls++; total = Add(2); new ReadOnlyCollection<Item>(new[] { new Item(\"a\", total) })");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetRawText().Should().Be("""[{"Name":"a","Count":42}]""");
        (await session.ExecuteAsync("(total, Counter.Calls)")).Value!.Value.GetRawText().Should().Be("""{"Item1":42,"Item2":1}""");
    }

    [Test]
    public async Task A_submission_that_fails_to_compile_leaves_the_session_as_it_was()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.ExecuteAsync("var x = 1;");

        (await session.ExecuteAsync("var x = \"redeclared\"; undefinedName")).Status.Should().Be(ExecutionStatus.SyntaxError);

        (await session.ExecuteAsync("x + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    [Test]
    public async Task A_submission_that_throws_keeps_what_it_declared_before_the_throw()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        (await session.ExecuteAsync("var before = 5; throw new InvalidOperationException(\"boom\"); var after = 6;")).Status.Should().Be(ExecutionStatus.RuntimeError);

        (await session.ExecuteAsync("before + after")).Value!.Value.GetInt32().Should().Be(5);
    }

    [Test]
    public async Task Sessions_are_isolated_including_static_state()
    {
        await using var first = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await using var second = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await first.ExecuteAsync("var secret = 1; static class Shared { public static int Value = 1; } Shared.Value = 99;");
        await second.ExecuteAsync("static class Shared { public static int Value = 1; }");

        (await second.ExecuteAsync("secret")).Status.Should().Be(ExecutionStatus.SyntaxError);
        (await second.ExecuteAsync("Shared.Value")).Value!.Value.GetInt32().Should().Be(1);
        (await first.ExecuteAsync("Shared.Value")).Value!.Value.GetInt32().Should().Be(99);
    }

    [TestCase("try { final_answer(1); } catch { Console.WriteLine(\"caught\"); } Console.WriteLine(\"after\");")]
    [TestCase("try { final_answer(1); } catch (Exception e) { Console.WriteLine(\"caught \" + e.Message); } Console.WriteLine(\"after\");")]
    [TestCase("try { final_answer(1); } catch (Exception) when (true) { Console.WriteLine(\"caught\"); }")]
    [TestCase("try { final_answer(1); } finally { Console.WriteLine(\"finally runs\"); } Console.WriteLine(\"after\");")]
    [TestCase("void F() { try { final_answer(1); } catch { } } F(); Console.WriteLine(\"after\");")]
    [TestCase("async Task F() { await Task.Delay(1); final_answer(1); } try { await F(); } catch { Console.WriteLine(\"caught\"); }")]
    public async Task Final_answer_cannot_be_swallowed(string code)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer!.Value.GetInt32().Should().Be(1);
        result.Stdout.Should().NotContain("caught").And.NotContain("after");
    }

    [Test]
    public async Task A_cyclic_final_answer_is_an_error_the_code_can_catch()
    {
        var result = await RunAsync("class Node { public Node Next; } var n = new Node(); n.Next = n; try { final_answer(n); } catch (InvalidOperationException e) { Console.WriteLine(e.Message); }");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.FinalAnswer.Should().BeNull();
        result.Stdout.Should().Contain("final_answer: the value is cyclic");
    }

    [Test]
    public async Task Runtime_errors_carry_the_exception_type_message_and_line()
    {
        var result = await RunAsync("var a = 1;\nvar b = 0;\nvar c = a / b;");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Value.Should().Be("DivideByZeroException");
        result.Error.Message.Should().Be("Attempted to divide by zero.");
        result.Error.Line.Should().Be(3);
    }

    [Test]
    public async Task Errors_thrown_in_a_method_report_the_line_in_the_code()
    {
        var result = await RunAsync("int Parse(string s)\n{\n    return int.Parse(s);\n}\nvar ok = 1;\nParse(\"x\");");

        result.Error.Should().BeEquivalentTo(new { Kind = new ErrorKind("FormatException"), Line = 3 });
    }

    [Test]
    public async Task Syntax_errors_name_the_line_and_column_of_the_code()
    {
        var result = await RunAsync("var a = 1;\nvar b = ;");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error.Should().BeEquivalentTo(new { Kind = ErrorKind.SyntaxError, Line = 2, Column = 9 });
        result.Error!.Message.Should().StartWith("line 2, column 9: CS1525");
    }

    [Test]
    public async Task Compile_errors_point_at_the_models_code_not_at_injected_guards()
    {
        var result = await RunAsync("for (var i = 0; i < 3; i++)\n{\n    while (i < 2) { i++; }\n    Console.WriteLine(undefinedName);\n}");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Error.Should().BeEquivalentTo(new { Kind = ErrorKind.CompileError, Line = 4, Column = 23 });
        result.Error!.Message.Should().Contain("CS0103").And.Contain("undefinedName").And.NotContain("SandboxGuard").And.NotContain("__codeact");
    }

    [Test]
    public async Task Runtime_lines_stay_right_after_guards_are_injected()
    {
        var result = await RunAsync("var list = new List<int>();\nfor (var i = 0; i < 3; i++) { list.Add(i); }\nint Get(int i) { while (i > 10) { i--; } return list[i]; }\ntry { Get(1); } catch { }\nGet(7);");

        result.Error.Should().BeEquivalentTo(new { Kind = new ErrorKind("ArgumentOutOfRangeException"), Line = 3 });
    }

    [Test]
    public async Task A_cyclic_value_is_a_clear_error()
    {
        var result = await RunAsync("class Node { public Node Next; } var n = new Node(); n.Next = n; n");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.ValueError);
        result.Error.Message.Should().Contain("cyclic");
    }

    [Test]
    public async Task A_huge_value_is_truncated_with_a_note()
    {
        var result = await RunAsync("Enumerable.Range(0, 100000).ToList()", new SandboxOptions { MaxValueChars = 1000 });

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetString().Should().StartWith("[0,1,2,3").And.Contain("[truncated: the JSON has");
        result.Stdout.Should().Contain("the value was truncated");
    }

    [Test]
    public async Task Async_code_can_await_delays_and_tasks()
    {
        var result = await RunAsync("async Task<int> Twice(int x) { await Task.Delay(5); await Task.Yield(); return 2 * x; } var all = await Task.WhenAll(Twice(1), Twice(2)); all.Sum()");

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Value!.Value.GetInt32().Should().Be(6);
    }

    [Test]
    public async Task Regular_expressions_work_with_their_forced_time_limit()
    {
        var result = await RunAsync("""
            var r = new Regex(@"(\d+)-(\d+)");
            var m = r.Match("call 12-34");
            (m.Groups[1].Value, Regex.Replace("a1b22", @"\d+", "#"), Regex.IsMatch("abc", "B", RegexOptions.IgnoreCase), r.MatchTimeout.TotalSeconds <= 5)
            """);

        result.Value!.Value.GetRawText().Should().Be("""{"Item1":"12","Item2":"a#b#","Item3":true,"Item4":true}""");
    }

    [Test]
    public async Task The_culture_is_invariant()
    {
        (await RunAsync("(1234.5).ToString(\"N1\") + \" \" + new DateTime(2024, 3, 1).ToString(\"d\")")).Value!.Value.GetString().Should().Be("1,234.5 03/01/2024");
    }

    [Test]
    public async Task Cancellation_before_start_is_reported()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());

        var result = await session.ExecuteAsync("1", new CancellationToken(canceled: true));

        result.Status.Should().Be(ExecutionStatus.Cancelled);
    }

    [TestCase("while (true) { }")]
    [TestCase("await Task.Delay(60_000);")]
    public async Task Cancellation_stops_a_running_execution(string code)
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.FromMinutes(5), MaxOperations = long.MaxValue });
        using var cancellation = new CancellationTokenSource();
        var running = session.ExecuteAsync(code, cancellation.Token);
        await Task.Delay(200);
        await cancellation.CancelAsync();

        var result = await running;

        result.Status.Should().Be(ExecutionStatus.Cancelled);
        (await session.ExecuteAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    [Test]
    public async Task A_disposed_session_refuses_to_run()
    {
        var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await session.DisposeAsync();

        var act = () => session.ExecuteAsync("1");

        await act.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task Invalid_options_are_rejected_with_the_option_named()
    {
        var act = async () => await Interpreter.CreateSessionAsync(new SandboxOptions { Timeout = TimeSpan.Zero });

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("*SandboxOptions.Timeout*");
        FluentActions.Invoking(() => new RoslynInterpreterOptions { MaxConcurrentExecutions = 0 }.Validate())
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxConcurrentExecutions*");
    }

    [Test]
    public async Task Many_sessions_run_in_parallel_without_mixing_state_or_output()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
            await session.ExecuteAsync($"var me = {i}; var s = 0; for (var k = 0; k < 1000; k++) s += k;");
            return await session.ExecuteAsync("Console.Write(me); me * 1000 + s % 7");
        }));

        results.Select(r => r.Value!.Value.GetInt32()).Should().Equal(Enumerable.Range(0, 16).Select(i => i * 1000 + 499500 % 7));
        results.Select(r => r.Stdout).Should().Equal(Enumerable.Range(0, 16).Select(i => i.ToString()));
    }

    [Test]
    public void The_language_tells_the_model_how_to_write_csharp()
    {
        Interpreter.Language.Name.Should().Be("C#");
        Interpreter.Language.FenceTags.Should().Equal("csharp", "cs", "c#");
        Interpreter.Language.Matches("C#").Should().BeTrue();
        Interpreter.Language.Dialect.Should().StartWith("C# 12 scripting");
        Interpreter.Language.Guidance.Should().Contain("Console.WriteLine").And.Contain("final_answer(value)").And.Contain("last line")
            .And.Contain("stay defined").And.Contain("System.Text.RegularExpressions");
    }

    [Test]
    public async Task UseCSharp_registers_the_interpreter()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddCodeAct(b => b.UseCSharp(new RoslynInterpreterOptions { MaxConcurrentExecutions = 2 }));
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);

        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ICodeInterpreter>(provider)
            .Should().BeOfType<RoslynInterpreter>().Which.Options.MaxConcurrentExecutions.Should().Be(2);
    }

    [Test]
    public async Task Json_values_can_be_built_and_parsed()
    {
        var result = await RunAsync("var node = JsonNode.Parse(\"{\\\"a\\\": [1, 2]}\")!; node[\"b\"] = \"x\"; (JsonSerializer.Serialize(new { n = 1 }), node)");

        result.Value!.Value.GetRawText().Should().Be("""{"Item1":"{\"n\":1}","Item2":{"a":[1,2],"b":"x"}}""");
    }
}
