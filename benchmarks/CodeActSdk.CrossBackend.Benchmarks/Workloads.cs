namespace CodeActSdk.CrossBackend.Benchmarks;

/// <summary>The three workloads timed on every backend and on the peer sandboxes of <c>benchmarks/peers</c>.</summary>
internal enum Workload
{
    /// <summary>A fresh session, then the value of <c>1 + 1</c>.</summary>
    Start,

    /// <summary>A numeric loop of 5,000,000 iterations.</summary>
    Loop,

    /// <summary>10,000 objects built, serialised to JSON and parsed back.</summary>
    Json,

    /// <summary>1,000 calls of the host tool <c>add(a, b)</c> in a loop.</summary>
    Tools,
}

/// <summary>
/// The source of each workload in JavaScript (modern JavaScript as a model writes it: let/const, arrow functions,
/// template literals; the very text <c>peers.mjs</c> runs, so that Jint 4, V8, node:vm and QuickJS all run it) and in
/// C# (the same algorithm), with the value each must give. Each compute script is one block, because it runs again
/// and again in one session and a top-level <c>let</c> or <c>const</c> persists from one step to the next.
/// </summary>
internal static class Workloads
{
    /// <summary>The workloads in the order of the tables.</summary>
    public static readonly IReadOnlyList<Workload> All = [Workload.Start, Workload.Loop, Workload.Json, Workload.Tools];

    private const int LoopIterations = 5_000_000;
    private const int LoopModulus = 1_000_003;
    private const int JsonItems = 10_000;
    private const int ToolCalls = 1_000;

    private const string JavaScriptLoop =
        "{ let s = 0; for (let i = 0; i < 5_000_000; i++) { s = (s + i * i) % 1000003; } s }";

    private static readonly string JavaScriptJson = string.Join('\n',
        "{",
        "  const items = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: [`t${i % 7}`, `t${i % 11}`, `t${i % 13}`] }));",
        "  const back = JSON.parse(JSON.stringify(items));",
        "  back.length",
        "}");

    private const string JavaScriptTools =
        "{ let s = 0; for (let i = 0; i < 1_000; i++) { s += add(i, 1); } s }";

    private const string CSharpLoop =
        "long s = 0; for (long i = 0; i < 5000000; i++) { s = (s + i * i) % 1000003; } s";

    private static readonly string CSharpJson = string.Join('\n',
        "record Item(int Id, string Name, List<string> Tags);",
        "var items = new List<Item>();",
        "for (var i = 0; i < 10000; i++)",
        "{",
        "    items.Add(new Item(i, \"item \" + i, new List<string> { \"t\" + (i % 7), \"t\" + (i % 11), \"t\" + (i % 13) }));",
        "}",
        "var back = JsonSerializer.Deserialize<List<Item>>(JsonSerializer.Serialize(items))!;",
        "back.Count");

    private const string CSharpTools =
        "long s = 0; for (var i = 0; i < 1000; i++) { s += tools.Add(i, 1); } s";

    /// <summary>The key of the workload in the JSON report of <c>peers.mjs</c>.</summary>
    public static string Key(Workload workload) => workload switch
    {
        Workload.Start => "start",
        Workload.Loop => "loop",
        Workload.Json => "json",
        _ => "tools",
    };

    /// <summary>The row label of the workload.</summary>
    public static string Label(Workload workload) => workload switch
    {
        Workload.Start => "session start: new session + `1 + 1`",
        Workload.Loop => "numeric loop, 5,000,000 iterations",
        Workload.Json => "JSON round trip of 10,000 objects",
        _ => "1,000 tool calls `add(i, 1)` in a loop",
    };

    /// <summary>The JavaScript source of the workload.</summary>
    public static string JavaScript(Workload workload) => workload switch
    {
        Workload.Start => "1 + 1",
        Workload.Loop => JavaScriptLoop,
        Workload.Json => JavaScriptJson,
        _ => JavaScriptTools,
    };

    /// <summary>The C# source of the workload.</summary>
    public static string CSharp(Workload workload) => workload switch
    {
        Workload.Start => "1 + 1",
        Workload.Loop => CSharpLoop,
        Workload.Json => CSharpJson,
        _ => CSharpTools,
    };

    /// <summary>The value the workload returns, whatever the language.</summary>
    public static long Expected(Workload workload) => workload switch
    {
        Workload.Start => 2,
        Workload.Loop => LoopValue(),
        Workload.Json => JsonItems,
        _ => (long)ToolCalls * (ToolCalls + 1) / 2,
    };

    private static long LoopValue()
    {
        long s = 0;
        for (long i = 0; i < LoopIterations; i++)
        {
            s = (s + (i * i)) % LoopModulus;
        }

        return s;
    }
}
