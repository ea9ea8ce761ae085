using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeActSdk.Files;

/// <summary>
/// The <c>files</c> object of the JavaScript backends: a frozen global object with one host function per operation
/// (<see cref="Operations"/>), each passing its arguments as JSON to <see cref="Invoke"/>. The code calls the host
/// functions directly (no JavaScript wrapper in between), so an error a call throws points at the code's own line.
/// Jint builds the object itself; V8, which can only define host functions as globals, defines them under
/// <see cref="HostFunctionName"/> and runs <see cref="InstallScript"/> to gather them and remove their names.
/// </summary>
public static class JavaScriptFiles
{
    /// <summary>The global the script installs.</summary>
    public const string GlobalName = "files";

    private const string HostPrefix = "__codeact_files_";

    /// <summary>The operations of <c>files</c>, with the number of arguments each takes.</summary>
    public static IReadOnlyList<(string Name, int Arity)> Operations { get; } =
    [
        ("readText", 1), ("writeText", 2), ("readBytes", 1), ("writeBytes", 2), ("readCsv", 1), ("writeCsv", 2),
        ("readJson", 1), ("writeJson", 2), ("list", 1), ("stat", 1), ("exists", 1), ("delete", 1),
    ];

    /// <summary>The global name under which a backend defines the host function of <paramref name="operation"/>.</summary>
    public static string HostFunctionName(string operation) => HostPrefix + operation;

    /// <summary>
    /// Gathers the host functions into the frozen, non-enumerable global <c>files</c> and deletes their names. Its
    /// value is <c>true</c> when every name was removed.
    /// </summary>
    public static string InstallScript { get; } = $$"""
        (function (global) {
          'use strict';
          var names = [{{string.Join(", ", Operations.Select(o => "'" + o.Name + "'"))}}];
          var files = {}, removed = true;
          for (var i = 0; i < names.length; i++) {
            files[names[i]] = global['{{HostPrefix}}' + names[i]];
            removed = delete global['{{HostPrefix}}' + names[i]] && removed;
          }
          Object.freeze(files);
          Object.defineProperty(global, 'files', { value: files, enumerable: false, writable: false, configurable: false });
          return removed;
        })(this);
        """;

    /// <summary>The <c>files</c> API as the model is told about it.</summary>
    public const string Documentation = """
        Files: the global `files` reads and writes this session's virtual file system. Paths are relative, with '/' between names ('data/sales.csv'); nothing else of the disk is reachable.
        - files.readText(path) → string; files.writeText(path, text)
        - files.readCsv(path) → array of row objects keyed by the header, every field a string (convert with Number(...)); files.writeCsv(path, rows)
        - files.readJson(path) → value; files.writeJson(path, value)
        - files.readBytes(path) → array of numbers 0–255; files.writeBytes(path, bytes)
        - files.list(path = '') → [{name, path, size, isDirectory, readOnly, modified}]; files.stat(path); files.exists(path) → boolean; files.delete(path) → boolean
        Write what the user should receive (tables, reports, charts as Vega-Lite specifications named *.vl.json) under out/: those files are returned as artifacts.
        """;

    /// <summary>
    /// Runs one call of the <c>files</c> object: <paramref name="operation"/> (one of <see cref="Operations"/>) with
    /// the code's <paramref name="arguments"/> as JSON. Returns the result as JSON text, which the backend hands to
    /// the engine to parse.
    /// </summary>
    /// <exception cref="SandboxFileException">The call was refused or failed; the message is for the code.</exception>
    public static string Invoke(SandboxFileSystem files, string operation, IReadOnlyList<JsonNode?> arguments)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(arguments);
        string Path() => Text(arguments, 0, operation, "path");
        switch (operation)
        {
            case "readBytes":
                // Written as text directly: a node per byte would cost the host far more memory than the file.
                return BytesJson(files.ReadBytes(Path()));
            case "readJson":
                // The file's text is the result's JSON, once it is known to be JSON.
                return ValidJson(files.ReadText(Path()), Path());
        }

        JsonNode? result = operation switch
        {
            "readText" => files.ReadText(Path()),
            "writeText" => Entry(files.WriteText(Path(), Text(arguments, 1, operation, "text"))),
            "writeJson" => Entry(files.WriteText(Path(), (arguments.Count > 1 ? arguments[1] : null)?.ToJsonString(Indented) ?? "null")),
            "writeBytes" => Entry(files.WriteBytes(Path(), Bytes(arguments, operation))),
            "readCsv" => CsvTables.Parse(files.ReadText(Path()), Path()),
            "writeCsv" => Entry(files.WriteText(Path(), CsvTables.Write(arguments.Count > 1 && arguments[1] is JsonArray rows ? rows : throw Usage(operation, "rows must be an array of objects"), Path()))),
            "list" => new JsonArray([.. files.List(arguments.Count == 0 || arguments[0] is null ? "" : Path()).Select(Entry)]),
            "stat" => Entry(files.Stat(Path())),
            "exists" => files.Exists(Path()),
            "delete" => files.Delete(Path()),
            _ => throw new SandboxFileException($"files has no operation '{operation}'."),
        };
        return result?.ToJsonString() ?? "null";
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string ValidJson(string text, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return text;
        }
        catch (JsonException e)
        {
            throw new SandboxFileException($"files.readJson: '{path}' is not valid JSON ({e.Message.Split(" Path:", 2)[0]}).");
        }
    }

    private static string BytesJson(byte[] bytes)
    {
        var json = new StringBuilder((bytes.Length * 4) + 2).Append('[');
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            json.Append(bytes[i]);
        }

        return json.Append(']').ToString();
    }

    /// <summary>A file's description as the code sees it.</summary>
    public static JsonObject Entry(SandboxFileInfo info) => new()
    {
        ["name"] = info.Path.Length == 0 ? "" : info.Path[(info.Path.LastIndexOf('/') + 1)..],
        ["path"] = info.Path,
        ["size"] = info.Size,
        ["isDirectory"] = info.IsDirectory,
        ["readOnly"] = info.ReadOnly,
        ["modified"] = info.Modified == DateTimeOffset.MinValue ? null : info.Modified.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
    };

    private static string Text(IReadOnlyList<JsonNode?> call, int index, string operation, string name) =>
        call.Count > index && call[index] is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw Usage(operation, $"{name} must be a string");

    private static byte[] Bytes(IReadOnlyList<JsonNode?> arguments, string operation)
    {
        // An array, or a typed array, which reaches JSON as an object keyed "0", "1", ….
        IReadOnlyList<JsonNode?> array = arguments.Count > 1 ? arguments[1] switch
        {
            JsonArray list => [.. list],
            JsonObject indexed when indexed.Select((p, i) => p.Key == i.ToString(CultureInfo.InvariantCulture)).All(x => x) => [.. indexed.Select(p => p.Value)],
            _ => throw Usage(operation, "bytes must be an array (or typed array) of numbers from 0 to 255"),
        } : throw Usage(operation, "bytes must be an array (or typed array) of numbers from 0 to 255");

        var bytes = new byte[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            // Parsed from the JSON text, so that any numeric node (double, int, byte) reads the same way.
            bytes[i] = array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 255 && d == decimal.Truncate(d)
                ? (byte)d
                : throw Usage(operation, $"bytes[{i}] is not a number from 0 to 255");
        }

        return bytes;
    }

    private static SandboxFileException Usage(string operation, string what) => new($"files.{operation}: {what}.");
}
