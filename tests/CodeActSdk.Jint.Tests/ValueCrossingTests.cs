namespace CodeActSdk.Jint.Tests;

/// <summary>Modern JavaScript values that reach the host: each is converted as a reader expects, or refused with a clear message.</summary>
public class ValueCrossingTests : JintTestBase
{
    [TestCase("new Map([['a', 1], ['b', { c: [2] }]])", """{"a":1,"b":{"c":[2]}}""")]
    [TestCase("new Map([[1, 'one'], [2, 'two']])", """{"1":"one","2":"two"}""")]
    [TestCase("new Map([[{ id: 1 }, 'x'], [true, 'y']])", """[[{"id":1},"x"],[true,"y"]]""")]
    [TestCase("new Set([3, 1, 3, 'a'])", """[3,1,"a"]""")]
    [TestCase("2n ** 70n", "1180591620717411303424")]
    [TestCase("({ big: -(10n ** 30n), small: 5n })", """{"big":-1000000000000000000000000000000,"small":5}""")]
    [TestCase("Symbol('tag')", "\"Symbol(tag)\"")]
    [TestCase("({ visible: 1, [Symbol('hidden')]: 2, sym: Symbol('s') })", """{"visible":1}""")]
    [TestCase("new Uint8Array([1, 2, 255])", "[1,2,255]")]
    [TestCase("new Float64Array([0.5, -1])", "[0.5,-1]")]
    [TestCase("new Uint8Array([7, 8]).buffer", "[7,8]")]
    [TestCase("new Date(Date.UTC(2024, 1, 29, 12))", "\"2024-02-29T12:00:00.000Z\"")]
    [TestCase("new Date(NaN)", "null")]
    [TestCase("/ab*c/gi", "\"/ab*c/gi\"")]
    [TestCase("new RangeError('too far')", """{"name":"RangeError","message":"too far"}""")]
    [TestCase("({ when: new Date(0), tags: new Set(['x']), totals: new Map([['q1', 10n]]) })", """{"when":"1970-01-01T00:00:00.000Z","tags":["x"],"totals":{"q1":10}}""")]
    [TestCase("class P { #secret = 1; constructor() { this.x = 2; } get y() { return 3; } } new P()", """{"x":2}""")]
    [TestCase("({ toJSON() { return { custom: true }; } })", """{"custom":true}""")]
    public async Task Values_convert_to_json(string code, string json)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be(json);
    }

    [TestCase("(async () => { const a = await Promise.resolve(20); return a + 22; })()", "42")]
    [TestCase("Promise.all([1, Promise.resolve(2)]).then(([a, b]) => a + b)", "3")]
    [TestCase("(async () => { await null; console.log('after await'); return 'done'; })()", "\"done\"")]
    public async Task A_promise_the_step_ends_with_is_awaited(string code, string json)
    {
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be(json);
    }

    [Test]
    public async Task Output_written_after_an_await_is_kept()
    {
        var result = await RunAsync("(async () => { await null; console.log('after await'); })()");

        result.Stdout.Should().Be("after await\n");
    }

    [Test]
    public async Task A_rejected_promise_is_the_steps_error()
    {
        var result = await RunAsync("(async () => { throw new TypeError('no such order'); })()");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.TypeError);
        result.Error.Message.Should().Be("no such order");
    }

    [Test]
    public async Task A_promise_that_never_settles_is_a_clear_error_not_a_wait()
    {
        var result = await RunAsync("new Promise(() => { })", new SandboxOptions { Timeout = TimeSpan.FromMinutes(5) });

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().Contain("never settles");
    }

    [Test]
    public async Task A_promise_inside_a_value_is_refused_with_what_to_do()
    {
        var result = await RunAsync("({ pending: Promise.resolve(1) })");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Kind.Should().Be(ErrorKind.ValueError);
        result.Error.Message.Should().Contain("$.pending").And.Contain("Await it first");
    }

    [Test]
    public async Task A_getter_that_throws_while_the_value_is_converted_is_the_codes_error()
    {
        var result = await RunAsync("({ get broken() { throw new Error('getter failed'); } })");

        result.Status.Should().Be(ExecutionStatus.RuntimeError);
        result.Error!.Message.Should().Be("getter failed");
    }

    [Test]
    public async Task A_getter_that_never_returns_is_stopped_at_the_time_limit()
    {
        var result = await RunAsync("new Map([['k', { get v() { for (;;) { } } }]])", new SandboxOptions { Timeout = TimeSpan.FromMilliseconds(300) });

        result.Status.Should().Be(ExecutionStatus.Timeout);
    }

    [Test]
    public async Task Values_reach_tools_the_same_way()
    {
        var echo = Microsoft.Extensions.AI.AIFunctionFactory.Create((System.Text.Json.JsonElement value) => value.GetRawText(), "echo");
        await using var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Tools = [echo] });

        var result = await session.ExecuteAsync("echo(new Map([['n', 2n ** 60n], ['s', new Set([1])]]))");

        result.Value!.Value.GetString().Should().Be("""{"n":1152921504606846976,"s":[1]}""");
    }

    [Test]
    public async Task Console_shows_modern_values_readably()
    {
        var result = await RunAsync("console.log(new Map([['a', 1]]), new Set([1, 2]), 12n, Symbol('s'), [1, 2])");

        result.Stdout.Should().Be("{\"a\":1} [1,2] 12n Symbol(s) [1,2]\n");
    }
}
