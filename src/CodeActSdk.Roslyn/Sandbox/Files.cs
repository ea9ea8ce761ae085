using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeActSdk.Files;
using CodeActSdk.Roslyn.Runtime;

namespace CodeActSdk.Roslyn.Sandbox;

/// <summary>
/// The session's virtual file system as sandboxed C# sees it (see <see cref="FileSystemOptions"/>): an in-memory
/// scratch area, whose <c>out/</c> folder comes back as <see cref="ExecutionResult.Artifacts"/>, and the host folders
/// mounted into it. Paths are relative, with <c>/</c> between names (<c>data/sales.csv</c>). It is the only way the
/// code reaches files: <c>System.IO</c> stays refused by the policy.
/// </summary>
/// <remarks>
/// Every method works on the files of the execution running on the current thread and charges what it reads or
/// writes to that execution's budget. A refused or failed operation throws <see cref="SandboxFileException"/>, which
/// the code may catch; its message is written for the code and never names a host path.
/// </remarks>
public static class Files
{
    /// <summary>The API as the model is told about it, the C# counterpart of <see cref="JavaScriptFiles.Documentation"/>.</summary>
    internal const string Documentation = """
        Files: the static class `Files` reads and writes this session's virtual file system. Paths are relative, with '/' between names ("data/sales.csv"); nothing else of the disk is reachable (System.IO is refused).
        - Files.ReadText(path) → string; Files.WriteText(path, text)
        - Files.ReadCsv(path) → List<Dictionary<string, string?>>, one per row, keyed by the header, every field a string (convert with double.Parse(row["price"], CultureInfo.InvariantCulture)); Files.WriteCsv(path, rows) writes records, anonymous objects or dictionaries, a column per property or key
        - Files.ReadJson(path) → JsonNode?; Files.ReadJson<T>(path) → T (names match in any case); Files.WriteJson(path, value) writes indented JSON
        - Files.ReadBytes(path) → byte[]; Files.WriteBytes(path, bytes)
        - Files.List(path = "") → IReadOnlyList<SandboxFileInfo> (Path, Size, IsDirectory, ReadOnly, Modified); Files.Stat(path); Files.Exists(path) → bool; Files.Delete(path) → bool
        - A refused or failed operation throws SandboxFileException, with the reason; catch it to try something else.
        Write what the user should receive (tables, reports, charts as Vega-Lite specifications named *.vl.json) under out/: those files are returned as artifacts.
        """;

    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads a file as UTF-8 text (a byte-order mark is dropped).</summary>
    /// <param name="path">The file, for example <c>data/notes.txt</c>.</param>
    /// <exception cref="SandboxFileException">The path is refused, the file is missing or too large, or it is not UTF-8 text.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static string ReadText(string path)
    {
        var (execution, files) = Current(nameof(ReadText));
        var text = Run(path, () => files.ReadText(path));
        execution.Budget.Charge(1, text.Length * 2L);
        return text;
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8, replacing the file; missing folders are created.</summary>
    /// <param name="path">The file, for example <c>out/report.md</c>.</param>
    /// <param name="text">The content.</param>
    /// <exception cref="SandboxFileException">The path is refused, the mount is read-only, or a quota would be exceeded.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static void WriteText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (execution, files) = Current(nameof(WriteText));
        execution.Budget.Charge(1, text.Length * 2L);
        Run(path, () => files.WriteText(path, text));
    }

    /// <summary>Reads a file's bytes.</summary>
    /// <param name="path">The file, for example <c>data/logo.png</c>.</param>
    /// <exception cref="SandboxFileException">The path is refused, or the file is missing or too large.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static byte[] ReadBytes(string path)
    {
        var (execution, files) = Current(nameof(ReadBytes));
        var bytes = Run(path, () => files.ReadBytes(path));
        execution.Budget.Charge(1, bytes.Length);
        return bytes;
    }

    /// <summary>Writes <paramref name="bytes"/>, replacing the file; missing folders are created.</summary>
    /// <param name="path">The file, for example <c>out/data.bin</c>.</param>
    /// <param name="bytes">The content.</param>
    /// <exception cref="SandboxFileException">The path is refused, the mount is read-only, or a quota would be exceeded.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static void WriteBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var (execution, files) = Current(nameof(WriteBytes));
        execution.Budget.Charge(1, bytes.Length);
        Run(path, () => files.WriteBytes(path, bytes));
    }

    /// <summary>
    /// Reads a CSV file with a header line into rows keyed by the header. Every field is a string, as written (so
    /// <c>01234</c> stays a postcode); a field missing at the end of a short row is <see langword="null"/>.
    /// </summary>
    /// <param name="path">The file, for example <c>data/sales.csv</c>.</param>
    /// <exception cref="SandboxFileException">The path is refused, the file is missing or too large, or it is not valid CSV.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static List<Dictionary<string, string?>> ReadCsv(string path)
    {
        var (execution, files) = Current(nameof(ReadCsv));
        var text = Run(path, () => files.ReadText(path));
        execution.Budget.Charge(1, text.Length * 2L);
        var table = Run(path, () => CsvTables.Parse(text, path));
        var rows = new List<Dictionary<string, string?>>(table.Count);
        foreach (var node in table)
        {
            var row = (JsonObject)node!;
            // A row at a time, so that a large table meets the operation and memory limits as it grows.
            execution.Budget.Charge(row.Count);
            var fields = new Dictionary<string, string?>(row.Count, StringComparer.Ordinal);
            foreach (var (column, value) in row)
            {
                fields[column] = value?.GetValue<string>();
            }

            rows.Add(fields);
        }

        return rows;
    }

    /// <summary>
    /// Writes <paramref name="rows"/> as CSV with a header: each row is converted as values are for JSON (records and
    /// anonymous objects by property, dictionaries by key), and the columns are the names in the order they first
    /// appear. Nested values are written as JSON text, <see langword="null"/> as an empty field.
    /// </summary>
    /// <typeparam name="T">The rows' type.</typeparam>
    /// <param name="path">The file, for example <c>out/summary.csv</c>.</param>
    /// <param name="rows">The rows.</param>
    /// <exception cref="SandboxFileException">A row is not an object, the path is refused, or a quota would be exceeded.</exception>
    /// <exception cref="InvalidOperationException">A row cannot be converted to JSON, or the code is not running.</exception>
    public static void WriteCsv<T>(string path, IEnumerable<T> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var (execution, files) = Current(nameof(WriteCsv));
        var json = ToJson(rows, execution, nameof(WriteCsv));
        if (json.ValueKind != JsonValueKind.Array)
        {
            throw new SandboxFileException($"Files.WriteCsv: the rows for '{path}' are not a sequence of rows; pass a list of records, anonymous objects or dictionaries.");
        }

        var table = JsonArray.Create(json)!;
        var text = Run(path, () => CsvTables.Write(table, path));
        execution.Budget.Charge(table.Count, text.Length * 2L);
        Run(path, () => files.WriteText(path, text));
    }

    /// <summary>Reads a JSON file as a node tree (<see langword="null"/> for the JSON <c>null</c>). Comments and trailing commas are allowed.</summary>
    /// <param name="path">The file, for example <c>data/config.json</c>.</param>
    /// <exception cref="SandboxFileException">The path is refused, or the file is missing, too large or not UTF-8 text.</exception>
    /// <exception cref="JsonException">The file is not valid JSON; the message says where.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static JsonNode? ReadJson(string path)
    {
        var text = ReadText(path);
        try
        {
            return JsonNode.Parse(text, documentOptions: Lenient);
        }
        catch (JsonException e)
        {
            throw new JsonException($"Files.ReadJson: '{path}' is not valid JSON ({e.Message})");
        }
    }

    /// <summary>
    /// Reads a JSON file as a <typeparamref name="T"/>, converted as values are (properties and fields), with names
    /// matched in any case. Comments and trailing commas are allowed.
    /// </summary>
    /// <typeparam name="T">What the file holds, for example <c>List&lt;Order&gt;</c>.</typeparam>
    /// <param name="path">The file, for example <c>data/orders.json</c>.</param>
    /// <exception cref="SandboxFileException">The path is refused, or the file is missing, too large or not UTF-8 text.</exception>
    /// <exception cref="JsonException">The file is not valid JSON, or does not fit <typeparamref name="T"/>; the message says where.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static T ReadJson<T>(string path)
    {
        var text = ReadText(path);
        var options = ScriptExecution.Current?.FileJson ?? throw NotRunning(nameof(ReadJson));
        try
        {
            return JsonSerializer.Deserialize<T>(text, options)!;
        }
        catch (JsonException e)
        {
            throw new JsonException($"Files.ReadJson: '{path}' is not valid JSON or does not fit the type asked for ({e.Message})");
        }
    }

    /// <summary>Writes <paramref name="value"/> as indented JSON, converted as the value of a step is (public properties and fields).</summary>
    /// <param name="path">The file, for example <c>out/chart.vl.json</c>.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="SandboxFileException">The path is refused, the mount is read-only, or a quota would be exceeded.</exception>
    /// <exception cref="InvalidOperationException">The value cannot be converted to JSON (for example it is cyclic), or the code is not running.</exception>
    public static void WriteJson(string path, object? value)
    {
        var (execution, files) = Current(nameof(WriteJson));
        var json = ToJson(value, execution, nameof(WriteJson));
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            json.WriteTo(writer);
        }

        execution.Budget.Charge(1, buffer.WrittenCount);
        var bytes = buffer.WrittenSpan.ToArray();
        Run(path, () => files.WriteBytes(path, bytes));
    }

    /// <summary>The files and folders directly inside a folder, by name.</summary>
    /// <param name="path">The folder; the root (which shows the mounts and <c>out</c>) by default.</param>
    /// <exception cref="SandboxFileException">The path is refused, or it is not a folder.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static IReadOnlyList<SandboxFileInfo> List(string path = "")
    {
        var (execution, files) = Current(nameof(List));
        var entries = Run(path, () => files.List(path));
        execution.Budget.Charge(entries.Count);
        return entries;
    }

    /// <summary>Describes the file or folder at <paramref name="path"/>.</summary>
    /// <param name="path">The file or folder.</param>
    /// <exception cref="SandboxFileException">The path is refused, or nothing is there.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static SandboxFileInfo Stat(string path)
    {
        var (_, files) = Current(nameof(Stat));
        return Run(path, () => files.Stat(path));
    }

    /// <summary>Whether a file or folder exists at <paramref name="path"/>.</summary>
    /// <param name="path">The file or folder.</param>
    /// <exception cref="SandboxFileException">The path is refused (absolute, or climbing with <c>..</c>).</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static bool Exists(string path)
    {
        var (_, files) = Current(nameof(Exists));
        return Run(path, () => files.Exists(path));
    }

    /// <summary>Deletes a file. Returns whether there was one.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="SandboxFileException">The path is refused or is a folder, or the mount is read-only.</exception>
    /// <exception cref="InvalidOperationException">The code is not running.</exception>
    public static bool Delete(string path)
    {
        var (_, files) = Current(nameof(Delete));
        return Run(path, () => files.Delete(path));
    }

    private static (ScriptExecution Execution, SandboxFileSystem Files) Current(string operation)
    {
        var execution = ScriptExecution.Current ?? throw NotRunning(operation);
        var files = execution.Files ?? throw new InvalidOperationException(
            $"Files.{operation} is not available while the session's variables are being described: a getter or ToString must not use files.");
        execution.Budget.Tick();
        return (execution, files);
    }

    private static InvalidOperationException NotRunning(string operation) =>
        new($"Files.{operation} can only be called while the code runs in a session.");

    private static JsonElement ToJson(object? value, ScriptExecution execution, string operation) =>
        ValueConverter.ToJson(value, execution.Json, int.MaxValue, "Files." + operation).Json!.Value;

    private static void Run(string path, Action operation) => Run<object?>(path, () =>
    {
        operation();
        return null;
    });

    /// <summary>
    /// Runs a file system operation for the code. The code gets only messages written for it: the host's exception
    /// behind a failure (kept as the cause for the host) names host paths in its message and stack, so it is dropped.
    /// </summary>
    private static TResult Run<TResult>(string path, Func<TResult> operation)
    {
        try
        {
            return operation();
        }
        catch (SandboxFileException e) when (e.InnerException is not null)
        {
            throw new SandboxFileException(e.Message);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or (IOException and not SandboxFileException))
        {
            // The file system turns host errors into messages for the code; this is the net for one it missed.
            throw new SandboxFileException($"The file operation on '{path}' failed on the host.");
        }
    }
}
