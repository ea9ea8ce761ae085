namespace CodeActSdk.Conformance.Tests;

/// <summary>Many sessions run at once without mixing state or output.</summary>
public class ConcurrencyTests(Backend backend) : ConformanceTest(backend)
{
    [Test]
    public async Task Sixteen_sessions_at_once_keep_their_own_state_and_output()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            await using var session = await NewSessionAsync();
            await RunAsync(session, $"var mine = {i};", $"var mine = {i};");
            var result = await RunAsync(
                session,
                "var s = 0; for (var k = 0; k < 20000; k++) { s += k % 7; } console.log('session ' + mine); mine * 1000 + s % 10",
                "var s = 0; for (var k = 0; k < 20000; k++) { s += k % 7; } Console.WriteLine(\"session \" + mine); mine * 1000 + s % 10");
            return (i, result);
        }));

        foreach (var (i, result) in results)
        {
            result.Stdout.Should().Be($"session {i}\n");
            Json(result).Should().Be((i * 1000 + 59997 % 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
