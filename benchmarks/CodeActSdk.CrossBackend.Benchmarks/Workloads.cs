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
}

/// <summary>
/// The source of each workload in JavaScript (ECMAScript 5, the very text <c>peers.mjs</c> runs, so that Jint, V8,
/// node:vm and QuickJS all run it) and in C# (the same algorithm), with the value each must give.
/// </summary>
internal static class Workloads
{
    /// <summary>The workloads in the order of the tables.</summary>
    public static readonly IReadOnlyList<Workload> All = [Workload.Start, Workload.Loop, Workload.Json];

    private const int LoopIterations = 5_000_000;
    private const int LoopModulus = 1_000_003;
    private const int JsonItems = 10_000;

    private const string JavaScriptLoop =
        "var s = 0; for (var i = 0; i < 5000000; i++) { s = (s + i * i) % 1000003; } s";

    private static readonly string JavaScriptJson = string.Join('\n',
        "var items = [];",
        "for (var i = 0; i < 10000; i++) {",
        "  items.push({ id: i, name: 'item ' + i, tags: ['t' + (i % 7), 't' + (i % 11), 't' + (i % 13)] });",
        "}",
        "var back = JSON.parse(JSON.stringify(items));",
        "back.length");

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

    /// <summary>The key of the workload in the JSON report of <c>peers.mjs</c>.</summary>
    public static string Key(Workload workload) => workload switch
    {
        Workload.Start => "start",
        Workload.Loop => "loop",
        _ => "json",
    };

    /// <summary>The row label of the workload.</summary>
    public static string Label(Workload workload) => workload switch
    {
        Workload.Start => "session start: new session + `1 + 1`",
        Workload.Loop => "numeric loop, 5,000,000 iterations",
        _ => "JSON round trip of 10,000 objects",
    };

    /// <summary>The JavaScript source of the workload.</summary>
    public static string JavaScript(Workload workload) => workload switch
    {
        Workload.Start => "1 + 1",
        Workload.Loop => JavaScriptLoop,
        _ => JavaScriptJson,
    };

    /// <summary>The C# source of the workload.</summary>
    public static string CSharp(Workload workload) => workload switch
    {
        Workload.Start => "1 + 1",
        Workload.Loop => CSharpLoop,
        _ => CSharpJson,
    };

    /// <summary>The value the workload returns, whatever the language.</summary>
    public static long Expected(Workload workload) => workload switch
    {
        Workload.Start => 2,
        Workload.Loop => LoopValue(),
        _ => JsonItems,
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
