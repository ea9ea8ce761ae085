using System.Globalization;

namespace CodeActSdk.Roslyn.Tests;

/// <summary>
/// Code cannot change what the whole host process shares, nor hook its own code into it: registries, settings,
/// caches and process-wide events are refused before anything runs, each with a message that names the API and says
/// what to do instead.
/// </summary>
public class ProcessStatePolicyTests : RoslynTestBase
{
    [TearDown]
    public async Task The_next_session_still_works()
    {
        (await RunAsync("1 + 1")).Value!.Value.GetInt32().Should().Be(2);
    }

    // Encoding providers: the host would call the code's provider for every encoding lookup of the process.
    [TestCase("class Legacy : EncodingProvider { public override Encoding GetEncoding(int codepage) => null; public override Encoding GetEncoding(string name) => null; } Encoding.RegisterProvider(new Legacy());",
        "System.Text.Encoding.RegisterProvider", "encoding providers are registered for the whole host process")]
    // Process settings.
    [TestCase("AppContext.SetSwitch(\"System.Globalization.Invariant\", true);", "System.AppContext.SetSwitch", "settings of the whole host process")]
    [TestCase("AppContext.SetData(\"Answer\", 42);", "System.AppContext.SetData", "keep your settings in variables")]
    // Cultures: process defaults, the current thread's culture (the thread is shared with other sessions) and caches.
    [TestCase("CultureInfo.DefaultThreadCurrentCulture = new CultureInfo(\"de-DE\");", "System.Globalization.CultureInfo.DefaultThreadCurrentCulture", "pass CultureInfo.InvariantCulture")]
    [TestCase("CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.GetCultureInfo(\"fr-FR\");", "System.Globalization.CultureInfo.DefaultThreadCurrentUICulture", "invariant culture")]
    [TestCase("CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(\"fr-FR\");", "System.Globalization.CultureInfo.CurrentUICulture", "invariant culture")]
    [TestCase("System.Threading.Thread.CurrentThread.CurrentCulture = new CultureInfo(\"de-DE\");", "System.Threading.Thread", "threads")]
    [TestCase("CultureInfo.InvariantCulture.ClearCachedData();", "System.Globalization.CultureInfo.ClearCachedData", "culture data is cached once for the whole host process")]
    [TestCase("TimeZoneInfo.ClearCachedData();", "System.TimeZoneInfo", "work in UTC")]
    // Process-wide events and hooks.
    [TestCase("TaskScheduler.UnobservedTaskException += (sender, e) => e.SetObserved();", "System.Threading.Tasks.TaskScheduler.UnobservedTaskException", "would call your code later")]
    [TestCase("AppDomain.CurrentDomain.UnhandledException += (sender, e) => Console.WriteLine(\"crashed\");", "System.AppDomain", "would call your code later")]
    [TestCase("AppDomain.CurrentDomain.FirstChanceException += (sender, e) => Console.WriteLine(e.Exception.Message);", "System.AppDomain", "handle errors where they happen")]
    [TestCase("AppDomain.CurrentDomain.ProcessExit += (sender, e) => Console.WriteLine(\"bye\");", "System.AppDomain", "on the host's threads")]
    [TestCase("System.Runtime.Loader.AssemblyLoadContext.Default.Resolving += (context, name) => null;", "System.Runtime.Loader.AssemblyLoadContext", "would call your code later")]
    // Shared caches, pools and defaults.
    [TestCase("Regex.CacheSize = 0;", "System.Text.RegularExpressions.Regex.CacheSize", "construct a Regex once and reuse it")]
    [TestCase("var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1024);", "System.Buffers.ArrayPool", "allocate with new T[n]")]
    [TestCase("var json = JsonSerializer.Serialize(new { a = 1 }, JsonSerializerOptions.Default);", "System.Text.Json.JsonSerializerOptions.Default", "new JsonSerializerOptions(JsonSerializerDefaults.Web)")]
    [TestCase("var json = JsonSerializer.Serialize(new { a = 1 }, JsonSerializerOptions.Web);", "System.Text.Json.JsonSerializerOptions.Web", "shared by the whole host process")]
    [TestCase("record Row(int Id, string Name); var rows = new System.Text.Json.Nodes.JsonArray(); rows.Add(new Row(1, \"a\"));", "System.Text.Json.Nodes.JsonArray.Add<", "JsonSerializer.SerializeToNode(value)")]
    [TestCase("var node = JsonValue.Create(new { id = 1, name = \"a\" });", "System.Text.Json.Nodes.JsonValue.Create<", "shared JsonSerializerOptions.Default")]
    [TestCase("object boxed = 5; var node = JsonValue.Create(boxed);", "System.Text.Json.Nodes.JsonValue.Create<object>", "keep your types for the life of the host")]
    [TestCase("var list = new List<int> { 1 }; var node = JsonNode.Parse(\"[0]\")![0]!; node.ReplaceWith(list);", "System.Text.Json.Nodes.JsonNode.ReplaceWith<", "SerializeToNode")]
    [TestCase("var options = new JsonSerializerOptions { WriteIndented = true }; options.MakeReadOnly(populateMissingResolver: true);", "System.Text.Json.JsonSerializerOptions.MakeReadOnly", "MakeReadOnly is not needed")]
    // The runtime's and the host's settings.
    [TestCase("System.Threading.ThreadPool.SetMinThreads(1000, 1000);", "System.Threading.ThreadPool", "the thread pool and its settings")]
    [TestCase("System.Threading.Thread.CurrentThread.Priority = System.Threading.ThreadPriority.Highest;", "System.Threading.Thread", "threads")]
    [TestCase("System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;", "System.Runtime.GCSettings", "garbage collector")]
    [TestCase("GC.AddMemoryPressure(1L << 30);", "System.GC", "garbage collector")]
    [TestCase("GC.TryStartNoGCRegion(1_000_000);", "System.GC", "garbage collector")]
    [TestCase("GC.RegisterForFullGCNotification(10, 10);", "System.GC", "garbage collector")]
    [TestCase("Environment.SetEnvironmentVariable(\"PATH\", \"\");", "System.Environment", "its variables, current directory")]
    [TestCase("Environment.CurrentDirectory = \"/\";", "System.Environment", "keep the values you need in variables")]
    [TestCase("Environment.ExitCode = 3;", "System.Environment", "exit code")]
    // The host's console.
    [TestCase("Console.SetOut(null);", "Console.SetOut", "build it in a StringBuilder")]
    [TestCase("var line = Console.ReadLine();", "Console.ReadLine", "the host's console (its input")]
    [TestCase("Console.Title = \"mine\";", "Console.Title", "Write, WriteLine, Out and Error")]
    [TestCase("System.Console.SetError(null);", "System.Console", "without the System. prefix")]
    public async Task Process_wide_state_is_refused_with_a_message_saying_what_to_do(string code, string symbol, string reason)
    {
        var result = await RunAsync("Console.WriteLine(\"ran\");\n" + code);

        result.Status.Should().Be(ExecutionStatus.PolicyViolation, result.Error?.Message);
        result.Stdout.Should().BeEmpty("nothing runs when the policy refuses the code");
        result.Error!.Message.Should().Contain(symbol).And.Contain(reason);
        result.Error.Line.Should().Be(2);
    }

    [Test]
    public async Task A_host_that_allows_all_of_System_still_keeps_its_static_state()
    {
        // The rule is structural, not a list: whatever a host allows, library types' static properties are not
        // assigned and their static events are not subscribed to (the values are written back unchanged, and the
        // handler removed again, so that nothing changes even if the rule failed).
        using var wide = new RoslynInterpreter(new RoslynInterpreterOptions { Policy = CSharpApiPolicy.Empty.AllowNamespace("System") });
        await using var session = await wide.CreateSessionAsync(new SandboxOptions());

        var directory = await session.ExecuteAsync("Console.WriteLine(\"ran\");\nEnvironment.CurrentDirectory = Environment.CurrentDirectory;");
        var cache = await session.ExecuteAsync("Console.WriteLine(\"ran\");\nRegex.CacheSize += 0;");
        var handler = await session.ExecuteAsync("""
            Console.WriteLine("ran");
            void Observe(object sender, UnobservedTaskExceptionEventArgs e) { }
            TaskScheduler.UnobservedTaskException += Observe;
            TaskScheduler.UnobservedTaskException -= Observe;
            """);

        directory.Status.Should().Be(ExecutionStatus.PolicyViolation, directory.Error?.Message);
        directory.Stdout.Should().BeEmpty();
        directory.Error!.Message.Should().Contain("System.Environment.CurrentDirectory: it is shared by the whole host process and every session in it");
        cache.Error!.Message.Should().Contain("System.Text.RegularExpressions.Regex.CacheSize: it is shared by the whole host process");
        handler.Status.Should().Be(ExecutionStatus.PolicyViolation, handler.Error?.Message);
        handler.Error!.Message.Should().Contain("line 3, column 1: System.Threading.Tasks.TaskScheduler.UnobservedTaskException: it is an event of the whole host process")
            .And.Contain("line 4, column 1");
        (await session.ExecuteAsync("Environment.NewLine.Length + Regex.CacheSize * 0")).Status.Should().Be(ExecutionStatus.Completed, "reading the state is fine");
    }

    [Test]
    public async Task A_member_rule_naming_the_member_lifts_the_static_state_rule()
    {
        using var custom = new RoslynInterpreter(new RoslynInterpreterOptions
        {
            Policy = CSharpApiPolicy.Default.AllowMember("System.Text.RegularExpressions.Regex", "CacheSize"),
        });
        await using var session = await custom.CreateSessionAsync(new SandboxOptions());

        var result = await session.ExecuteAsync("Regex.CacheSize = Regex.CacheSize; Regex.CacheSize > 0");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetBoolean().Should().BeTrue();
    }

    [TestCase("for (var i = 0; i < 1000; i++) { var c = CultureInfo.GetCultureInfo(\"en-US-x-s\" + i); }")]
    [TestCase("var c = new CultureInfo(\"qaa-x-\" + Guid.NewGuid().ToString(\"N\")[..8]);")]
    [TestCase("var c = CultureInfo.CreateSpecificCulture(\"de-DE-x-\" + 1);")]
    [TestCase("var c = CultureInfo.GetCultureInfo(name: \"en-US\", altName: \"en-x-\" + 2);")]
    [TestCase("var c = CompareInfo.GetCompareInfo(\"en-x-\" + 3);")]
    public async Task Invented_culture_names_are_refused_so_that_the_process_wide_culture_cache_cannot_grow(string code)
    {
        // The runtime would make up data for such names and cache each culture for the life of the host.
        var result = await RunAsync(code);

        result.Status.Should().Be(ExecutionStatus.RuntimeError, result.Error?.Message);
        result.Error!.Kind.Value.Should().Be("CultureNotFoundException");
        result.Error.Message.Should().Contain("is not a culture the sandbox knows: use a predefined name such as en-US");
    }

    [Test]
    public async Task Predefined_culture_and_region_names_are_used_as_written()
    {
        if (CultureInfo.GetCultures(CultureTypes.SpecificCultures).Length < 2)
        {
            Assert.Ignore("The runtime has no culture data here (globalization-invariant mode).");
        }

        var result = await RunAsync("""
            var german = 1234.5.ToString("N2", CultureInfo.GetCultureInfo("de-DE"));
            var french = new CultureInfo("FR-fr").Name;
            var region = new RegionInfo("US").TwoLetterISORegionName + new RegionInfo("en-GB").TwoLetterISORegionName;
            var swedish = CompareInfo.GetCompareInfo("sv-SE").Compare("a", "b");
            (german, french, region, swedish, CultureInfo.GetCultureInfo("").Name)
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("""{"Item1":"1.234,50","Item2":"fr-FR","Item3":"USGB","Item4":-1,"Item5":""}""");
    }

    [Test]
    public async Task Everyday_code_and_the_codes_own_static_state_are_still_allowed()
    {
        var result = await RunAsync("""
            static class Counter
            {
                public static int Count;
                public static string Last { get; set; } = "";
                public static event Action<int> Changed;
                public static void Bump() { Count++; Last = "bump"; Changed?.Invoke(Count); }
            }
            var seen = new List<int>();
            Counter.Changed += seen.Add;
            Counter.Bump();
            Counter.Count += 10;
            (Counter.Count, Counter.Last) = (Counter.Count + 1, "set");
            var bytes = Encoding.UTF8.GetBytes("héllo");
            var latin = Encoding.Latin1.GetString(new byte[] { 0x63, 0x61, 0x66, 0xE9 });
            var utf16 = Encoding.GetEncoding("utf-16").GetByteCount("ab");
            var price = 1234.5.ToString("N2", CultureInfo.InvariantCulture);
            var parsed = double.Parse("3.25", CultureInfo.InvariantCulture);
            var digits = new Regex(@"\d+");
            var numbers = digits.Matches("a1 b22 c333").Select(m => int.Parse(m.Value)).ToList();
            var quick = Regex.IsMatch("abc", "^a");
            var sb = new StringBuilder();
            foreach (var (word, count) in "b a b c b".Split(' ').GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count()).OrderBy(p => p.Key)) sb.Append($"{word}={count};");
            var json = JsonSerializer.Serialize(new { numbers, quick });
            var pretty = JsonSerializer.Serialize(numbers, new JsonSerializerOptions { WriteIndented = true });
            var web = JsonSerializer.Deserialize<Dictionary<string, int>>("{\"a\":1}", new JsonSerializerOptions(JsonSerializerDefaults.Web));
            var nodes = new JsonArray { 1, "two" };
            nodes.Add(3.5);
            nodes.Add(JsonValue.Create(DateTime.UnixEpoch));
            nodes.Add(JsonSerializer.SerializeToNode(new { numbers }));
            nodes[0]!.ReplaceWith(0);
            var dice = Random.Shared.Next(1, 7);
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "A", "a" };
            await Task.Delay(1);
            Console.WriteLine(sb.ToString());
            new { Counter.Count, Counter.Last, Seen = seen.Count, Bytes = bytes.Length, latin, utf16, price, parsed, Sum = numbers.Sum(), json, Web = web["a"], Nodes = nodes.ToJsonString(), Dice = dice is >= 1 and <= 6, Names = names.Count }
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Stdout.Should().Be("a=1;b=3;c=1;\n");
        result.Value!.Value.GetRawText().Should().Be(
            """{"Count":12,"Last":"set","Seen":1,"Bytes":6,"latin":"café","utf16":4,"price":"1,234.50","parsed":3.25,"Sum":356,"json":"{\"numbers\":[1,22,333],\"quick\":true}","Web":1,"Nodes":"[0,\"two\",3.5,\"1970-01-01T00:00:00Z\",{\"numbers\":[1,22,333]}]","Dice":true,"Names":1}""");
    }
}
