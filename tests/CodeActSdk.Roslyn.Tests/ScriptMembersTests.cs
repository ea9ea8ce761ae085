using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// The code's own types override members the host might read after the code ran (an exception's <c>Message</c>,
/// <c>ToString</c>, a returned value's getters, <c>Dispose</c>, <c>Equals</c>): whatever those members do, throw,
/// loop, recurse or call <c>final_answer</c>, the session answers with a result and goes on, and the host lives.
/// </summary>
public class ScriptMembersTests : RoslynTestBase
{
    /// <summary>A loop ends on the operation budget, within milliseconds and whatever the machine's load, far before the time limit.</summary>
    private static readonly SandboxOptions Bounded = new() { Timeout = TimeSpan.FromSeconds(30), MaxOperations = 1_000_000 };

    private static readonly AIFunction Keep = AIFunctionFactory.Create((JsonElement value) => value.GetRawText(), "keep", "Keeps a value.");

    /// <summary>How the misbehaving members behave: the body of <c>Misbehave()</c>, which they all call.</summary>
    private static readonly Dictionary<string, string> Behaviours = new()
    {
        ["throws"] = "throw new InvalidOperationException(\"a member of the code's own type failed\");",
        ["throws its own type"] = "throw new Nasty();",
        ["loops"] = "while (true) { }",
        ["recurses"] = "return \"<\" + Misbehave() + \">\";",
        ["calls final_answer"] = "final_answer(\"from inside a getter\"); return \"\";",
    };

    /// <summary>
    /// An exception type whose every overridable member, and a value type whose <c>ToString</c>, call
    /// <c>Misbehave()</c>; its body is one of <see cref="Behaviours"/>.
    /// </summary>
    private static string Declarations(string behaviour) => $$"""
        static string Misbehave() { {{Behaviours[behaviour]}} }
        class Nasty : Exception
        {
            public override string Message => Misbehave();
            public override string ToString() => Misbehave();
            public override string StackTrace => Misbehave();
            public override string Source { get => Misbehave(); set { } }
            public override string HelpLink { get => Misbehave(); set { } }
            public override System.Collections.IDictionary Data { get { Misbehave(); return null; } }
        }
        class Loud { public override string ToString() => Misbehave(); }
        """;

    [TearDown]
    public async Task A_new_session_still_works()
    {
        var session = await Interpreter.CreateSessionAsync(new SandboxOptions()).AsTask().WaitAsync(HangDetector);
        await TheSessionGoesOn(session);
        await Close(session);
    }

    [TestCase("throws", ExecutionStatus.RuntimeError, "Nasty", "The code threw a Nasty whose Message could not be read (InvalidOperationException)")]
    [TestCase("throws its own type", ExecutionStatus.RuntimeError, "Nasty", "The code threw a Nasty whose Message could not be read (Nasty)")]
    [TestCase("loops", ExecutionStatus.Timeout, "OperationLimit", "The code threw a Nasty whose Message could not be read: The code exceeded its budget of 1,000,000 operations")]
    [TestCase("recurses", ExecutionStatus.RuntimeError, "RecursionLimit", "The code threw a Nasty whose Message could not be read: The code nested")]
    public async Task An_exception_whose_members_misbehave_is_reported_in_the_hosts_words(string behaviour, ExecutionStatus status, string kind, string message)
    {
        await using var session = await Interpreter.CreateSessionAsync(Bounded);

        var result = await session.ExecuteAsync(Declarations(behaviour) + "\nthrow new Nasty();");

        result.Status.Should().Be(status, result.Error?.Message);
        result.Error!.Kind.Value.Should().Be(kind);
        result.Error.Message.Should().StartWith(message);
        result.Error.Line.Should().Be(12, "the line is that of the throw, found without reading the exception's members");
        await TheSessionGoesOn(session);
    }

    [Test]
    public async Task An_exception_whose_message_calls_final_answer_ends_with_that_answer()
    {
        await using var session = await Interpreter.CreateSessionAsync(Bounded);

        var result = await session.ExecuteAsync(Declarations("calls final_answer") + "\nthrow new Nasty();");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.FinalAnswer!.Value.GetString().Should().Be("from inside a getter");
        await TheSessionGoesOn(session);
    }

    [TestCase("throw new Nasty();", "Nasty")]
    [TestCase("class Holder { public static int X = Fail(); static int Fail() => throw new Nasty(); } var x = Holder.X;", "Nasty")]
    [TestCase("async Task<int> Later() { await Task.Delay(1); throw new Nasty(); } await Later()", "Nasty")]
    [TestCase("await Task.WhenAll(Task.FromException(new Nasty()), Task.FromException(new Nasty()));", "Nasty")]
    [TestCase("throw new AggregateException(new Nasty(), new Nasty());", "AggregateException")]
    [TestCase("throw new ArgumentOutOfRangeException(\"count\", new Loud(), \"too many\");", "ArgumentOutOfRangeException")]
    [TestCase("class Box { public int Value => throw new Nasty(); } new Box()", "Nasty")]
    [TestCase("IEnumerable<int> Items() { yield return 1; throw new Nasty(); } Items()", "Nasty")]
    [TestCase("class Box { public int Value => throw new Nasty(); } final_answer(new Box());", "Nasty")]
    [TestCase("class Box { public int Value => throw new Nasty(); } tools.Keep(JsonSerializer.SerializeToNode(new Box()));", "Nasty")]
    [TestCase("class Box { public int Value => throw new Nasty(); } Files.WriteJson(\"box.json\", new Box());", "Nasty")]
    [TestCase("class Shout { public override string ToString() => throw new Nasty(); } Console.WriteLine(new Shout());", "Nasty")]
    [TestCase("class Held : IDisposable { public void Dispose() => throw new Nasty(); } using (new Held()) { }", "Nasty")]
    [TestCase("class Held : IAsyncDisposable { public ValueTask DisposeAsync() => throw new Nasty(); } await using (new Held()) { }", "Nasty")]
    [TestCase("class Key { public override bool Equals(object o) => throw new Nasty(); public override int GetHashCode() => throw new Nasty(); } var set = new HashSet<Key> { new Key() };", "Nasty")]
    public async Task Wherever_such_an_exception_comes_from_the_session_answers(string code, string thrown)
    {
        await using var session = await Interpreter.CreateSessionAsync(Bounded with { Tools = [Keep] });

        var result = await session.ExecuteAsync(Declarations("throws") + "\n" + code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError, result.Error?.Message);
        result.Error!.Kind.Value.Should().Be(thrown);
        result.Error.Message.Should().StartWith($"The code threw a{(thrown.StartsWith('A') ? "n" : "")} {thrown} whose Message could not be read (InvalidOperationException)");
        await TheSessionGoesOn(session);
    }

    [TestCase("class Box { public int Value { get { while (true) { } } } } new Box()")]
    [TestCase("IEnumerable<int> Items() { yield return 1; while (true) { } } Items()")]
    [TestCase("class Box { public int Value { get { while (true) { } } } } final_answer(new Box());")]
    public async Task A_returned_value_whose_members_loop_ends_as_timeout(string code)
    {
        await using var session = await Interpreter.CreateSessionAsync(Bounded);

        var result = await session.ExecuteAsync(code);

        result.Status.Should().Be(ExecutionStatus.Timeout, result.Error?.Message);
        await TheSessionGoesOn(session);
    }

    [TestCase("async ValueTask<int> Later() { await Task.Delay(100_000); return 1; } Later()")]
    [TestCase("async Task<int> Later() { await Task.Delay(100_000); return 1; } Task.WhenAll(Later(), Later())")]
    [TestCase("async Task<int> Later() { await Task.Delay(100_000); return 1; } final_answer(new { pending = new ValueTask<int>(Later()) });")]
    [TestCase("async ValueTask<int> Later() { await Task.Delay(100_000); return 1; } Files.WriteJson(\"pending.json\", Later());")]
    public async Task A_task_that_is_still_running_is_not_waited_for_as_a_value(string code)
    {
        // Reading Result of an unfinished task would wait on the sandbox thread for a continuation only that thread
        // could run: the session would never answer again.
        var session = await Interpreter.CreateSessionAsync(Bounded);
        try
        {
            var result = await session.ExecuteAsync(code).WaitAsync(HangDetector);

            result.Status.Should().Be(ExecutionStatus.RuntimeError, result.Error?.Message);
            result.Error!.Message.Should().Contain("await");
            await TheSessionGoesOn(session);
        }
        finally
        {
            await Close(session);
        }
    }

    [Test]
    public async Task The_state_digest_shows_what_it_can_and_the_session_goes_on()
    {
        var session = await Interpreter.CreateSessionAsync(Bounded);
        try
        {
            await DescribeTheStateAsync(session);
        }
        finally
        {
            await Close(session);
        }
    }

    private static async Task DescribeTheStateAsync(IInterpreterSession session)
    {
        (await session.ExecuteAsync(Declarations("loops") + """

            class Trap { public int Value => int.Parse(Misbehave()); }
            class Thrower { public int Value => throw new Nasty(); }
            async ValueTask<int> Later() { await Task.Delay(100_000); return 1; }
            var nasty = new Nasty();
            var trap = new Trap();
            var thrower = new Thrower();
            var loud = new List<Loud> { new Loud() };
            var pending = Later();
            var after = 41;
            """)).Status.Should().Be(ExecutionStatus.Completed);

        var digest = (await session.DescribeVariablesAsync().AsTask().WaitAsync(HangDetector)).ToDictionary(v => v.Name);

        digest.Keys.Should().Contain(["nasty", "trap", "thrower", "loud", "pending", "after"]);
        digest["trap"].Preview.Should().Contain("cannot be shown");
        digest["thrower"].Preview.Should().Contain("cannot be shown");
        digest["after"].Preview.Should().Be("41");
        (await session.ExecuteAsync("after + 1").WaitAsync(HangDetector)).Value!.Value.GetInt32().Should().Be(42);
    }

    [Test]
    public async Task Values_kept_in_the_state_are_never_compared_hashed_or_disposed_by_the_host()
    {
        await using var session = await Interpreter.CreateSessionAsync(Bounded);
        var declared = await session.ExecuteAsync(Declarations("throws") + """

            class Odd : IDisposable, IAsyncDisposable
            {
                public override bool Equals(object o) => Misbehave() == "";
                public override int GetHashCode() => Misbehave().Length;
                public override string ToString() => Misbehave();
                public void Dispose() => Misbehave();
                public ValueTask DisposeAsync() => ValueTask.FromException(new Nasty());
            }
            record struct Pair(Odd Left, Odd Right);
            var odd = new Odd();
            var pair = new Pair(odd, new Odd());
            var byKey = new Dictionary<int, Odd> { [1] = odd };
            """);
        declared.Status.Should().Be(ExecutionStatus.Completed, declared.Error?.Message);

        // The next steps carry the values over, again and again, and the session is disposed with them.
        (await session.ExecuteAsync("var odd2 = odd; byKey.Count")).Value!.Value.GetInt32().Should().Be(1);
        (await session.ExecuteAsync("odd = new Odd(); pair = pair with { Left = odd }; 2")).Value!.Value.GetInt32().Should().Be(2);
        await session.DescribeVariablesAsync();
        await TheSessionGoesOn(session);
    }

    [Test]
    public async Task Disposing_a_session_whose_execution_is_stuck_answers()
    {
        var session = await Interpreter.CreateSessionAsync(Bounded);
        var stuck = await session.ExecuteAsync("async ValueTask<int> Later() { await Task.Delay(100_000); return 1; } Later()").WaitAsync(HangDetector);

        stuck.Status.Should().NotBe(ExecutionStatus.Completed);
        await Close(session);
    }

    /// <summary>Disposes a session, failing the test (instead of hanging it) when the session never gives its turn back.</summary>
    private static async Task Close(IInterpreterSession session) => await session.DisposeAsync().AsTask().WaitAsync(HangDetector);

    /// <summary>Far beyond any limit these tests set: only a session that never answers again gets here.</summary>
    private static readonly TimeSpan HangDetector = TimeSpan.FromSeconds(30);

    private static async Task TheSessionGoesOn(IInterpreterSession session)
    {
        var next = await session.ExecuteAsync("1 + 1").WaitAsync(HangDetector);
        next.Status.Should().Be(ExecutionStatus.Completed, next.Error?.Message);
        next.Value!.Value.GetInt32().Should().Be(2);
    }
}
