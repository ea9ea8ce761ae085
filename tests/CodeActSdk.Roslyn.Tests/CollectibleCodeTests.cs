using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>Compiled code lives in a collectible load context per session: disposing the session lets the runtime reclaim it.</summary>
[NonParallelizable]
public class CollectibleCodeTests : RoslynTestBase
{
    private static readonly AIFunction Echo = AIFunctionFactory.Create((string text) => text, "echo");

    [Test]
    public async Task Disposing_a_session_unloads_its_code_whatever_the_code_did()
    {
        var context = await RunAndDisposeAsync(
            "record Row(int Id, string Name); var rows = Enumerable.Range(0, 10).Select(i => new Row(i, \"r\" + i)).ToList();",
            "static class Cache { public static Func<int, int> F = x => x + 1; public static List<Row> Kept = new(); } Cache.Kept.AddRange(rows);",
            "var json = JsonSerializer.Serialize(rows); var back = JsonSerializer.Deserialize<List<Row>>(json);",
            "var m = Regex.Match(\"a1\", @\"\\d\"); try { throw new InvalidOperationException(\"x\"); } catch (Exception) { }",
            "async Task<int> Later() { await Task.Delay(1); return Cache.F(1); } await Later()",
            "tools.Echo(\"hi\") + rows.Count",
            "Files.WriteJson(\"rows.json\", rows); var read = Files.ReadJson<List<Row>>(\"rows.json\"); Files.WriteCsv(\"out/rows.csv\", read);",
            "rows");

        WaitUntilCollected(context).Should().BeTrue("nothing outside the session may keep its code alive");
    }

    [Test]
    public async Task Hundreds_of_sessions_leave_no_load_context_behind()
    {
        var contexts = new List<WeakReference>();
        for (var i = 0; i < 100; i++)
        {
            contexts.Add(await RunAndDisposeAsync($"record R{i}(int V); var r = new R{i}({i});", "var next = r with { V = r.V + 1 }; next"));
        }

        LetTheSerializerEvictItsAccessors();
        for (var attempt = 0; attempt < 20 && contexts.Any(c => c.IsAlive); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(10);
        }

        contexts.Count(c => c.IsAlive).Should().Be(0, "every disposed session's code is collected");
    }

    private async Task<WeakReference> RunAndDisposeAsync(params string[] steps)
    {
        var session = await Interpreter.CreateSessionAsync(new SandboxOptions { Tools = [Echo] });
        foreach (var step in steps)
        {
            var result = await session.ExecuteAsync(step);
            result.Status.Should().Be(ExecutionStatus.Completed, step + ": " + result.Error?.Message);
        }

        var context = Find(session.Id);
        await session.DisposeAsync();
        return context;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference Find(string sessionId) =>
        new(AssemblyLoadContext.All.Single(c => c.Name == "codeact-" + sessionId));

    /// <summary>
    /// System.Text.Json keeps the accessors it generated for a type in a process-wide cache for a second after their
    /// last use, and evicts them on its next use: like a host that keeps serializing, wait and serialize once.
    /// </summary>
    private static void LetTheSerializerEvictItsAccessors()
    {
        Thread.Sleep(1200);
        System.Text.Json.JsonSerializer.Serialize(new Probe(), new System.Text.Json.JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });
    }

    private sealed class Probe
    {
        public int Value { get; set; }
    }

    private static bool WaitUntilCollected(WeakReference reference)
    {
        LetTheSerializerEvictItsAccessors();
        for (var attempt = 0; attempt < 20 && reference.IsAlive; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(10);
        }

        return !reference.IsAlive;
    }
}
