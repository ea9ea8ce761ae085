using System.Runtime.Loader;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// A session carries its state from step to step by value (variables in shared cells, methods re-declared, types kept
/// once), so that it stays small however many steps it runs, and REPL code behaves as the model expects.
/// </summary>
[NonParallelizable]
public class LongSessionTests : RoslynTestBase
{
    [Test]
    public async Task Code_of_any_step_reads_and_writes_the_same_variable()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await Run(session, "var count = 1; var names = new List<string> { \"a\" };");
        await Run(session, "Func<int> read = () => count; Action bump = () => count++;");
        await Run(session, "count += 10; bump(); names.Add(\"b\");");
        await Run(session, "int.TryParse(\"7\", out var seven); count += seven; void Twice(ref int x) => x *= 2; Twice(ref count);");

        (await Run(session, "(count, read(), names.Count)")).Value!.Value.GetRawText().Should().Be("""{"Item1":38,"Item2":38,"Item3":2}""");
    }

    [Test]
    public async Task Methods_of_earlier_steps_use_the_newest_variables()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await Run(session, "var rate = 0.5; double Price(double amount) => amount * rate;");
        await Run(session, "var rate = 0.25;");

        (await Run(session, "Price(100)")).Value!.Value.GetDouble().Should().Be(25);
    }

    [Test]
    public async Task A_variable_can_be_declared_again_with_another_type()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await Run(session, "var x = 41; int Next() => x + 1;");
        var redeclared = await Run(session, "var x = \"text\";");
        redeclared.Stdout.Should().BeEmpty();

        var next = await Run(session, "x.Length");
        next.Value!.Value.GetInt32().Should().Be(4);
        next.Stdout.Should().Contain("[note: the method Next() no longer compiles against the current variables");
        (await session.ExecuteAsync("Next()")).Status.Should().Be(ExecutionStatus.SyntaxError);
    }

    [Test]
    public async Task A_type_declared_again_word_for_word_is_the_same_type()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await Run(session, "record Point(int X, int Y); var first = new Point(1, 2);");
        await Run(session, "record Point(int X, int Y); var second = new Point(1, 2);");

        (await Run(session, "first == second && first.GetHashCode() == second.GetHashCode()")).Value!.Value.GetBoolean().Should().BeTrue();
    }

    [Test]
    public async Task A_type_declared_again_differently_shadows_the_old_one_and_says_what_became_of_its_values()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await Run(session, "record Point(int X, int Y); var old = new Point(1, 2);");
        await Run(session, "record Point(int X, int Y, int Z);");

        var result = await Run(session, "var p = new Point(1, 2, 3); (p.Z, old.ToString())");

        result.Value!.Value.GetRawText().Should().Be("""{"Item1":3,"Item2":"Point { X = 1, Y = 2 }"}""");
        result.Stdout.Should().Contain("[note: the variable 'old' is now typed object");
    }

    [Test]
    public async Task Anonymous_values_stay_typed_in_a_step_that_declares_types_and_become_object_otherwise()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await Run(session, "record Sale(string Region, double Amount); var sales = new[] { new Sale(\"EU\", 2), new Sale(\"US\", 3) }; var totals = sales.Select(s => new { s.Region, Twice = s.Amount * 2 }).ToList();");
        (await Run(session, "totals.Sum(t => t.Twice)")).Value!.Value.GetDouble().Should().Be(10);

        var untyped = await Run(session, "var best = totals.OrderBy(t => t.Twice).Last();");
        untyped.Stdout.Should().Contain("[note: 'best' holds a value of an anonymous type, which no later step can name: it is kept as object.");
        (await Run(session, "best.ToString()")).Value!.Value.GetString().Should().Be("{ Region = US, Twice = 6 }");
    }

    [Test]
    public async Task Tools_stay_callable_and_can_be_shadowed()
    {
        var echo = Microsoft.Extensions.AI.AIFunctionFactory.Create((string text) => text.ToUpperInvariant(), "echo");
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Tools = [echo] });
        await Run(session, "var said = tools.Echo(\"a\");");
        await Run(session, "var loud = tools.Echo(said + \"b\");");

        (await Run(session, "loud")).Value!.Value.GetString().Should().Be("AB");
    }

    [Test]
    public async Task Hundreds_of_steps_do_not_keep_their_code_loaded()
    {
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions());
        await Run(session, "record Row(int Id, double Value); var rows = new List<Row>(); double Sum() => rows.Sum(r => r.Value);");
        for (var i = 0; i < 300; i++)
        {
            await Run(session, $"record Row(int Id, double Value); var step{i % 10} = {i}; rows.Add(new Row({i}, {i} * 0.5)); var top = rows.Select(r => new {{ r.Id }}).Last(); Sum()");
        }

        (await Run(session, "(rows.Count, Sum())")).Value!.Value.GetRawText().Should().Be("""{"Item1":300,"Item2":22425}""");
        var loaded = 0;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            loaded = AssemblyLoadContext.All.Count(c => c.Name?.StartsWith("codeact-" + session.Id, StringComparison.Ordinal) == true);
            if (loaded <= 5)
            {
                break;
            }
        }

        loaded.Should().BeLessThanOrEqualTo(5, "a step's code is unloaded once its variables and methods have been carried over");
    }

    private static async Task<ExecutionResult> Run(IInterpreterSession session, string code)
    {
        var result = await session.ExecuteAsync(code);
        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        return result;
    }
}
